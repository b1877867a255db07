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
  SignUpInput,
  TotpDisableInput,
  TotpEnableInput,
  TotpSetup,
  UserIdInput,
  VerifyEmailInput,
} from "@p2p/schemas";
import { requestMeta as meta } from "../../trpc/context";
import { router } from "../../trpc/init";
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
    .mutation(({ ctx, input }) => signUp(ctx.deps, input)),
  completeSignUp: publicProcedure
    .input(CompleteSignUpInput)
    .output(SignInResult)
    .mutation(({ ctx, input }) => completeSignUp(ctx.deps, input, meta(ctx))),
  signIn: publicProcedure
    .input(SignInInput)
    .output(SignInResult)
    .mutation(({ ctx, input }) => auth.signIn(ctx.deps, input, meta(ctx))),
  signOut: sessionProcedure.output(Ok).mutation(({ ctx }) => auth.signOut(ctx.deps, ctx.principal, meta(ctx), false)),
  signOutEverywhere: sessionProcedure
    .output(Ok)
    .mutation(({ ctx }) => auth.signOut(ctx.deps, ctx.principal, meta(ctx), true)),
  /** Yields once, `{ reason: "revoked" }`, when the caller's session ends elsewhere. */
  onSessionEnded: sessionProcedure.subscription(async function* ({ ctx }) {
    if (ctx.principal.sessionId && (await ctx.deps.authenticator.sessionEnded(ctx.principal.sessionId, ctx.signal))) {
      yield { reason: "revoked" } satisfies SessionEndedEvent;
    }
  }),
  me: authedProcedure
    .output(Session)
    .query(({ ctx }) => auth.loadSession(ctx.deps.db, ctx.principal.userId, ctx.principal)),
  sessions: router({
    list: sessionProcedure.output(SessionList).query(({ ctx }) => auth.listSessions(ctx.deps, ctx.principal)),
    revoke: sessionProcedure
      .input(UserIdInput)
      .output(Ok)
      .mutation(({ ctx, input }) => auth.revokeSession(ctx.deps, ctx.principal, input.id)),
  }),
  requestPasswordReset: publicProcedure
    .input(RequestPasswordResetInput)
    .output(Ok)
    .mutation(({ ctx, input }) => requestPasswordReset(ctx.deps, input.email, ctx.ip)),
  resetPassword: publicProcedure
    .input(ResetPasswordInput)
    .output(Ok)
    .mutation(({ ctx, input }) => resetPassword(ctx.deps, input, ctx.ip)),
  verifyEmail: publicProcedure
    .input(VerifyEmailInput)
    .output(Ok)
    .mutation(({ ctx, input }) => verifyEmail(ctx.deps, input.token)),
  resendVerification: sessionProcedure.output(Ok).mutation(({ ctx }) => resendVerification(ctx.deps, ctx.principal)),
  totp: router({
    setup: sessionProcedure.output(TotpSetup).mutation(({ ctx }) => setupTotp(ctx.deps, ctx.principal)),
    enable: sessionProcedure
      .input(TotpEnableInput)
      .output(RecoveryCodes)
      .mutation(({ ctx, input }) => enableTotp(ctx.deps, ctx.principal, input.code, ctx.ip)),
    disable: sessionProcedure
      .input(TotpDisableInput)
      .output(Ok)
      .mutation(({ ctx, input }) => disableTotp(ctx.deps, ctx.principal, input, ctx.ip)),
  }),
});
