import {
  AcceptInvitationInput,
  CreateInvitationInput,
  Invitation,
  InvitationIdInput,
  InvitationList,
  SignInResult,
} from "@p2p/schemas";
import { requestMeta } from "../../trpc/context";
import { router } from "../../trpc/init";
import { adminProcedure, publicProcedure } from "../../trpc/procedures";
import * as invitations from "./service";

export const invitationsRouter = router({
  create: adminProcedure
    .input(CreateInvitationInput)
    .output(Invitation)
    .mutation(({ ctx, input }) => invitations.createInvitation(ctx.deps, ctx.principal, input, ctx.ip)),
  list: adminProcedure.output(InvitationList).query(({ ctx }) => invitations.listInvitations(ctx.deps.db, ctx.orgId)),
  revoke: adminProcedure
    .input(InvitationIdInput)
    .output(Invitation)
    .mutation(({ ctx, input }) => invitations.revokeInvitation(ctx.deps, ctx.principal, input.id, ctx.ip)),
  accept: publicProcedure
    .input(AcceptInvitationInput)
    .output(SignInResult)
    .mutation(({ ctx, input }) => invitations.acceptInvitation(ctx.deps, input, requestMeta(ctx))),
});
