import { Hono } from "hono";
import { html } from "hono/html";
import type { AppDeps } from "../../deps";
import type { AppEnv } from "../../infra/http/env";
import { DomainError } from "../../lib/errors";
import { unsubscribe } from "./preferences";

// hono's `html` escapes every value.
const page = (title: string, body: string) =>
  html`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${title}</title></head><body><main><h1>${title}</h1><p>${body}</p></main></body></html>`;

/**
 * The unsubscribe link of notification emails, as plain HTTP: mail clients open it (GET) or post
 * to it (RFC 8058 one-click, `List-Unsubscribe-Post`), without signing in. Either turns that one
 * kind of email off and says so.
 */
export function notificationRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  const handle = async (token: string | undefined) => {
    try {
      const done = await unsubscribe(deps, token ?? "");
      return { status: 200 as const, title: "Unsubscribed", message: done.message };
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      return { status: 400 as const, title: "This link does not work", message: err.message };
    }
  };
  app.get("/unsubscribe", async (c) => {
    const r = await handle(c.req.query("token"));
    c.header("cache-control", "no-store");
    return c.html(page(r.title, r.message), r.status);
  });
  app.post("/unsubscribe", async (c) => {
    const r = await handle(c.req.query("token"));
    return c.json({ message: r.message }, r.status);
  });
  return app;
}
