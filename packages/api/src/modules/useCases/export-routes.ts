import { Readable } from "node:stream";
import { Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppDeps } from "../../deps";
import type { AppEnv } from "../../infra/http/env";
import { httpError } from "../../infra/http/errors";
import { DomainError, httpStatusOf } from "../../lib/errors";
import { openDownload } from "./exports";

/**
 * GET /exports/:token — a finished export's file. The token is the link's proof (signed, valid
 * for 15 minutes; exports.ts), so the link works without signing in, e.g. opened by a browser's
 * download manager. A forged or expired token answers 403, an export that is gone 404, both with
 * the API's JSON error body.
 */
export function exportRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  app.get("/:token", async (c) => {
    try {
      const file = await openDownload(deps, c.req.param("token"));
      return c.body(Readable.toWeb(file.body) as ReadableStream, 200, {
        "content-type": file.contentType,
        "content-length": String(file.size),
        "content-disposition": attachment(file.name),
        "x-content-type-options": "nosniff",
        "cache-control": "private, no-store",
      });
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      return httpError(c, httpStatusOf[err.code] as ContentfulStatusCode, err.code, err.message);
    }
  });
  return app;
}

/** RFC 6266, with an ASCII fallback name for old clients. */
function attachment(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, "_");
  const encoded = encodeURIComponent(name).replace(
    /['()*]/g,
    (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
