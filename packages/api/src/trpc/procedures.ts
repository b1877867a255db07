import { CSRF_HEADER, type Principal } from "../infra/auth/authenticator";
import { appError } from "../lib/errors";
import { type Admission, admittingProcedure, baseProcedure } from "./init";

/**
 * Who may call a procedure is encoded here, once: a procedure picks the builder that states it
 * (anyone, a signed-in user, a member of an organization, its admin) and never checks the
 * caller's role by hand. Rules that depend on the content too (the author, an admin of the
 * author's organization, a platform moderator) live in each module's `access.ts`, and anything a
 * caller may not see answers NOT_FOUND there, so ids cannot be probed.
 *
 * Each builder's rule runs in the one middleware every call starts with (trpc/init.ts callSetup):
 * a middleware layer per rule would copy the call's options and context once more each.
 */

/** Any signed-in, active user. Cookie sessions must echo the anti-CSRF token on mutations. */
const signedIn: Admission<{ principal: Principal }> = (principal, { ctx, type }) => {
  if (!principal) throw appError("UNAUTHORIZED", "Sign in to continue");
  if (
    principal.via === "cookie" &&
    type === "mutation" &&
    ctx.transport === "http" &&
    ctx.headers.get(CSRF_HEADER) !== principal.csrfToken
  ) {
    throw appError("FORBIDDEN", "Missing or invalid anti-CSRF token");
  }
  return { principal };
};

/** A member acting within their organization: `orgId` is the organization every query scopes to. */
const member = (principal: Principal) => ({ principal, orgId: principal.organizationId, userId: principal.userId });

/** Anyone, signed in or not. */
export const publicProcedure = baseProcedure.meta({ access: "public" });

/** Any signed-in, active user. */
export const authedProcedure = admittingProcedure(signedIn).meta({ access: "authed" });

/**
 * A person signed in with a session, not an API key: credentials, second factor, sessions and
 * profile identity. API keys are for data procedures only.
 */
export const sessionProcedure = admittingProcedure((caller, call) => {
  const { principal } = signedIn(caller, call);
  if (principal.via === "apiKey") throw appError("FORBIDDEN", "API keys cannot do this; sign in as a person");
  return { principal };
}).meta({ access: "session" });

/** A member acting within their organization; `ctx.orgId` is the organization every query scopes to. */
export const orgProcedure = admittingProcedure((caller, call) => member(signedIn(caller, call).principal)).meta({
  access: "org",
});

/** An admin of the caller's organization. */
export const adminProcedure = admittingProcedure((caller, call) => {
  const { principal } = signedIn(caller, call);
  if (principal.role !== "admin") throw appError("FORBIDDEN", "Only an organization admin can do this");
  return member(principal);
}).meta({ access: "admin" });

/** A platform moderator (a flag only the CLI grants; API keys never carry it). */
export const moderatorProcedure = admittingProcedure((caller, call) => {
  const { principal } = signedIn(caller, call);
  if (!principal.isModerator) throw appError("FORBIDDEN", "Only platform moderators can do this");
  return { principal };
}).meta({ access: "moderator" });
