import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { serveStatic } from "@hono/node-server/serve-static";
import type { Env, Hono, NotFoundHandler } from "hono";

/**
 * What the web app may load, and nothing else: its own scripts and styles, images from here, data
 * and blob URLs (previews before upload) and https (images in forum posts), and calls and the
 * WebSocket to this origin. No inline script, no framing.
 */
export function contentSecurityPolicy(filesOrigin: string): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self' ${filesOrigin} data: blob: https:`,
    `media-src 'self' ${filesOrigin} blob:`,
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** Paths of the API itself: an unknown one stays a 404, even for a browser. */
const API_PATH = /^\/(trpc|api|files|exports|health|metrics|dev|assets)(\/|$)/;

/**
 * Serves the built web app (apps/web/dist) after every API route: hashed files under /assets/ are
 * cached for a year (a new build has new names), and any other page address a browser asks for
 * gets index.html, never cached, so a deploy is picked up on the next load. Requests that are not
 * a browser asking for a page (an API path, a JSON client) get the API's 404 (`notFound`). Pages
 * are served where nothing else answered (the not-found handler this returns), not by a catch-all
 * route: one would join every GET route's chain, and a chain of more than one handler makes every
 * request take Hono's slower, async path (infra/http/front.ts).
 */
export function serveWebApp<E extends Env>(
  app: Hono<E>,
  distDir: string,
  filesOrigin: string,
  notFound: NotFoundHandler<E>,
): NotFoundHandler<E> {
  const csp = contentSecurityPolicy(filesOrigin);
  app.use(
    "/assets/*",
    serveStatic({
      root: distDir,
      precompressed: true,
      onFound: (_path, c) => {
        c.header("Cache-Control", "public, max-age=31536000, immutable");
      },
    }),
  );
  return async (c) => {
    const method = c.req.method;
    if (
      (method !== "GET" && method !== "HEAD") ||
      !c.req.header("accept")?.includes("text/html") ||
      API_PATH.test(c.req.path)
    ) {
      return notFound(c);
    }
    // Read on each page load: a rebuild (dev's watch mode) is served without a restart; it is small.
    const html = await readFile(join(distDir, "index.html"), "utf8").catch(() => null);
    if (html === null) return notFound(c);
    c.header("Cache-Control", "no-cache");
    c.header("Content-Security-Policy", csp);
    return c.html(html);
  };
}
