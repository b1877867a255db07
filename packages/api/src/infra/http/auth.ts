import type { Context } from "hono";
import type { Authenticator } from "../auth/authenticator";
import { type RequestAuth, recordOf } from "./env";

/**
 * The caller of an HTTP request, authenticated once however many ask (the rate limit, then the
 * tRPC context or the files routes): a cookie session may rotate when read, which must happen
 * only once per request. A failure (a store down) is kept too, for the handler to answer.
 *
 * Every answer carries the session cookie the authentication rotated (infra/http/front.ts adds it
 * as the answer's headers go out, unless the answer sets that cookie itself, as a sign-out does):
 * the rotation is stored when read, and an answer without the new cookie (a 429, a malformed body,
 * a route that does not send it itself) left the browser with a secret that stops working minutes
 * later. The cookie is recorded before anyone awaiting the authentication goes on, and whoever
 * starts it awaits it before answering, so it is known by the time the answer's headers go out.
 */
export function authenticateRequest(c: Context, authenticator: Authenticator): RequestAuth {
  const record = recordOf(c);
  record.auth ??= authenticator.authenticate({ headers: c.req.raw.headers, transport: "http" }).then((auth) => {
    record.setCookies = auth.setCookies;
    return auth;
  });
  return record.auth;
}
