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

const cookieName = (setCookie: string) => setCookie.slice(0, setCookie.indexOf("="));

/**
 * Every answer carries the session cookie its request's authentication rotated. The rotation is
 * stored when read, and an answer without the new cookie (a 429, a malformed body, a route that
 * does not send it itself) left the browser with a secret that stops working minutes later. A
 * cookie the answer sets itself (a sign-out clearing it) is left as it is. Called by app.ts's
 * outermost middleware once the answer is ready; a request that never authenticated (most of
 * them: /health, public reads) costs one lookup.
 */
export async function deliverRotatedCookies(c: Context<AppEnv>, auth: RequestAuth): Promise<void> {
  const { setCookies } = await auth.catch(() => ({ setCookies: [] as string[] }));
  if (!setCookies.length) return;
  const set = new Set(c.res.headers.getSetCookie().map(cookieName));
  for (const cookie of setCookies) if (!set.has(cookieName(cookie))) c.res.headers.append("set-cookie", cookie);
}
