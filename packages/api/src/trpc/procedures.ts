import { CSRF_HEADER } from "../infra/auth/authenticator";
import { appError } from "../lib/errors";
import { baseProcedure } from "./init";

/**
 * Who may call a procedure is encoded here, once: a procedure picks the builder that states it
 * (anyone, a signed-in user, a member of an organization, its admin) and never checks the
 * caller's role by hand. Rules that depend on the content too (the author, an admin of the
 * author's organization, a platform moderator) live in each module's `access.ts`, and anything a
 * caller may not see answers NOT_FOUND there, so ids cannot be probed.
 */

/** Anyone, signed in or not. */
export const publicProcedure = baseProcedure.meta({ access: "public" });

/** Any signed-in, active user. Cookie sessions must echo the anti-CSRF token on mutations. */
export const authedProcedure = baseProcedure.meta({ access: "authed" }).use(({ ctx, type, next }) => {
  const principal = ctx.principal;
  if (!principal) throw appError("UNAUTHORIZED", "Sign in to continue");
  if (
    principal.via === "cookie" &&
    type === "mutation" &&
    ctx.transport === "http" &&
    ctx.headers.get(CSRF_HEADER) !== principal.csrfToken
  ) {
    throw appError("FORBIDDEN", "Missing or invalid anti-CSRF token");
  }
  return next({ ctx: { principal } });
});

/**
 * A person signed in with a session, not an API key: credentials, second factor, sessions and
 * profile identity. API keys are for data procedures only.
 */
export const sessionProcedure = authedProcedure.meta({ access: "session" }).use(({ ctx, next }) => {
  if (ctx.principal.via === "apiKey") throw appError("FORBIDDEN", "API keys cannot do this; sign in as a person");
  return next();
});

/** A member acting within their organization; `ctx.orgId` is the organization every query scopes to. */
export const orgProcedure = authedProcedure
  .meta({ access: "org" })
  .use(({ ctx, next }) => next({ ctx: { orgId: ctx.principal.organizationId, userId: ctx.principal.userId } }));

/** An admin of the caller's organization. */
export const adminProcedure = orgProcedure.meta({ access: "admin" }).use(({ ctx, next }) => {
  if (ctx.principal.role !== "admin") throw appError("FORBIDDEN", "Only an organization admin can do this");
  return next();
});

/** A platform moderator (a flag only the CLI grants; API keys never carry it). */
export const moderatorProcedure = authedProcedure.meta({ access: "moderator" }).use(({ ctx, next }) => {
  if (!ctx.principal.isModerator) throw appError("FORBIDDEN", "Only platform moderators can do this");
  return next();
});
