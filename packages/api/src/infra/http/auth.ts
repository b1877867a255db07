import type { Context } from "hono";
import type { Authenticator } from "../auth/authenticator";
import type { AppEnv, RequestAuth } from "./env";

/**
 * The caller of an HTTP request, authenticated once however many ask (the rate limit, then the
 * tRPC context or the files routes): a cookie session may rotate when read, which must happen
 * only once per request. A failure (a store down) is kept too, for the handler to answer.
 */
export function authenticateRequest<E extends AppEnv>(c: Context<E>, authenticator: Authenticator): RequestAuth {
  const vars = c as unknown as Context<AppEnv>;
  let auth = vars.get("auth");
  if (!auth) {
    auth = authenticator.authenticate({ headers: c.req.raw.headers, transport: "http" });
    vars.set("auth", auth);
  }
  return auth;
}
