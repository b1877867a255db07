import {
  CompleteSignUpInput,
  Ok,
  RecoveryCodes,
  RequestPasswordResetInput,
  ResetPasswordInput,
  Session,
  type SessionEndedEvent,
  SessionList,
  SignInInput,
  SignInResult,
  SignUpFlatInput,
  SignUpInput,
  TotpDisableInput,
  TotpEnableInput,
  TotpSetup,
  UserIdInput,
  VerifyEmailInput,
} from "@p2p/schemas";
import { requestMeta as meta } from "../../trpc/context";
import { router } from "../../trpc/init";
import { rest } from "../../trpc/meta";
import { authedProcedure, publicProcedure, sessionProcedure } from "../../trpc/procedures";
import { requestPasswordReset, resendVerification, resetPassword, verifyEmail } from "./recovery";
import * as auth from "./service";
import { completeSignUp, signUp } from "./signup";
import { disableTotp, enableTotp, setupTotp } from "./totp";

export const authRouter = router({
  /** Answers ok for every address ("check your email"); the emailed link finishes with completeSignUp. */
  signUp: publicProcedure
    .input(SignUpInput)
    .output(Ok)
    .mutation(({ ctx, input }) => signUp(ctx.deps, input, meta(ctx))),
  /** REST only: the same sign-up with the organization's fields flat, as the REST frontend sends it. */
  signUpFlat: publicProcedure
    .meta(rest("POST", "/auth/signup", "Sign up an organization and its admin; the emailed link completes it"))
    .input(SignUpFlatInput)
    .output(Ok)
    .mutation(({ ctx, input: { organizationName: name, industry, size, country, city, ...person } }) =>
      signUp(ctx.deps, { ...person, organization: { name, industry, size, country, city } }, meta(ctx)),
    ),
  completeSignUp: publicProcedure
    .meta(
      rest("POST", "/auth/signup/complete", "Complete a sign-up with the emailed token: creates the account, signs in"),
    )
    .input(CompleteSignUpInput)
    .output(SignInResult)
    .mutation(({ ctx, input }) => completeSignUp(ctx.deps, input, meta(ctx))),
  signIn: publicProcedure
    .meta(rest("POST", "/auth/login", "Sign in (a cookie session by default; tokenType bearer for scripts)"))
    .input(SignInInput)
    .output(SignInResult)
    .mutation(({ ctx, input }) => auth.signIn(ctx.deps, input, meta(ctx))),
  signOut: sessionProcedure
    .meta(rest("POST", "/auth/logout", "Sign out of this session"))
    .output(Ok)
    .mutation(({ ctx }) => auth.signOut(ctx.deps, ctx.principal, meta(ctx), false)),
  signOutEverywhere: sessionProcedure
    .meta(rest("POST", "/auth/logout-everywhere", "Sign out of every session"))
    .output(Ok)
    .mutation(({ ctx }) => auth.signOut(ctx.deps, ctx.principal, meta(ctx), true)),
  /** Yields once, `{ reason: "revoked" }`, when the caller's session ends elsewhere. */
  onSessionEnded: sessionProcedure.subscription(async function* ({ ctx }) {
    if (ctx.principal.sessionId && (await ctx.deps.authenticator.sessionEnded(ctx.principal.sessionId, ctx.signal))) {
      yield { reason: "revoked" } satisfies SessionEndedEvent;
    }
  }),
  me: authedProcedure
    .meta(rest("GET", "/auth/session", "The caller's session: user, organization, role, permissions"))
    .output(Session)
    .query(({ ctx }) => auth.currentSession(ctx.deps, ctx.principal)),
  sessions: router({
    list: sessionProcedure
      .meta(rest("GET", "/auth/sessions", "Your sessions"))
      .output(SessionList)
      .query(({ ctx }) => auth.listSessions(ctx.deps, ctx.principal)),
    revoke: sessionProcedure
      .meta(rest("DELETE", "/auth/sessions/{id}", "End one of your sessions"))
      .input(UserIdInput)
      .output(Ok)
      .mutation(({ ctx, input }) => auth.revokeSession(ctx.deps, ctx.principal, input.id, meta(ctx))),
  }),
  requestPasswordReset: publicProcedure
    .meta(rest("POST", "/auth/reset-password", "Mail a password reset link (answers ok for any address)"))
    .input(RequestPasswordResetInput)
    .output(Ok)
    .mutation(({ ctx, input }) => requestPasswordReset(ctx.deps, input.email, ctx.ip)),
  resetPassword: publicProcedure
    .meta(rest("POST", "/auth/reset-password/confirm", "Set a new password with the emailed token"))
    .input(ResetPasswordInput)
    .output(Ok)
    .mutation(({ ctx, input }) => resetPassword(ctx.deps, input, ctx.ip)),
  verifyEmail: publicProcedure
    .meta(rest("POST", "/auth/verify-email", "Verify your email address with the emailed token"))
    .input(VerifyEmailInput)
    .output(Ok)
    .mutation(({ ctx, input }) => verifyEmail(ctx.deps, input.token)),
  resendVerification: sessionProcedure
    .meta(rest("POST", "/auth/verify-email/resend", "Mail the verification link again"))
    .output(Ok)
    .mutation(({ ctx }) => resendVerification(ctx.deps, ctx.principal)),
  totp: router({
    setup: sessionProcedure
      .meta(rest("POST", "/auth/totp/setup", "Start setting up a second factor (TOTP)"))
      .output(TotpSetup)
      .mutation(({ ctx }) => setupTotp(ctx.deps, ctx.principal)),
    enable: sessionProcedure
      .meta(rest("POST", "/auth/totp/enable", "Turn the second factor on with a code; answers recovery codes"))
      .input(TotpEnableInput)
      .output(RecoveryCodes)
      .mutation(({ ctx, input }) => enableTotp(ctx.deps, ctx.principal, input, ctx.ip)),
    disable: sessionProcedure
      .input(TotpDisableInput)
      .output(Ok)
      .mutation(({ ctx, input }) => disableTotp(ctx.deps, ctx.principal, input, ctx.ip)),
  }),
});
