import { Hono } from "hono";
import { getCookie } from "hono/cookie";
import { serialize } from "hono/utils/cookie";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { CollectingResponse } from "supertokens-node/framework/custom";
import type { HTTPMethod } from "supertokens-node/types";
import { limitBody } from "../http/errors";

/** The SDK's request bodies are a few small JSON fields. */
const MAX_BODY_BYTES = 16 * 1024;

/**
 * SuperTokens' own HTTP routes (apiBasePath "/auth"), served through the SDK's custom framework
 * adapter; mount at /auth when the SuperTokens provider is active. Paths the SDK does not handle
 * fall through to the app's 404.
 *
 * Clients sign up, sign in and reset passwords with our tRPC auth procedures (supertokens.ts switches
 * the SDK's routes for those off). With the session token as `Authorization: Bearer`, the routes
 * left serve sign-out (POST /auth/signout) and the email verification status (GET
 * /auth/user/email/verify). POST /auth/session/refresh is served too, but our sessions carry no
 * refresh token (see SuperTokensIdentityProvider), so it answers 401 to them.
 */
export function superTokensRoutes(): Hono {
  // Loaded here, not at import, so the built-in provider never loads the SDK.
  const sdk = import("supertokens-node/framework/custom");
  const routes = new Hono();
  routes.use(limitBody(MAX_BODY_BYTES, "Request body"));
  routes.all("*", async (c, next) => {
    const { middleware, PreParsedRequest, CollectingResponse } = await sdk;
    const request = new PreParsedRequest({
      url: c.req.url,
      method: c.req.method.toLowerCase() as HTTPMethod,
      headers: c.req.raw.headers,
      cookies: getCookie(c),
      query: c.req.query(),
      // An empty or malformed body reads as no fields: the SDK then answers with its field errors.
      getJSONBody: () => c.req.json().catch(() => ({})),
      getFormBody: () => c.req.parseBody().catch(() => ({})),
    });
    const response = new CollectingResponse();
    const result = await middleware()(request, response);
    // Not a SuperTokens error (core unreachable, bad API key): the app's error handler answers 500.
    if (result.error) throw result.error;
    if (!result.handled) return next();

    response.headers.forEach((value, key) => {
      c.header(key, value, { append: true });
    });
    for (const cookie of response.cookies) c.header("set-cookie", setCookie(cookie), { append: true });
    // The SDK always answers with a body (JSON or HTML), never with 204 or 304.
    return c.body(response.body ?? "", response.statusCode as ContentfulStatusCode);
  });
  return routes;
}

function setCookie(cookie: CollectingResponse["cookies"][number]): string {
  return serialize(cookie.key, cookie.value, {
    domain: cookie.domain,
    path: cookie.path,
    expires: new Date(cookie.expires),
    secure: cookie.secure,
    httpOnly: cookie.httpOnly,
    sameSite: cookie.sameSite,
  });
}
