import {
  AcceptInvitationInput,
  CreateInvitationInput,
  Invitation,
  InvitationIdInput,
  InvitationList,
  ListInvitationsInput,
  SignInResult,
} from "@p2p/schemas";
import { requestMeta } from "../../trpc/context";
import { router } from "../../trpc/init";
import { rest } from "../../trpc/meta";
import { adminProcedure, publicProcedure } from "../../trpc/procedures";
import * as invitations from "./service";

export const invitationsRouter = router({
  create: adminProcedure
    .meta(rest("POST", "/users/invite", "Invite someone to your organization by email"))
    .input(CreateInvitationInput)
    .output(Invitation)
    .mutation(({ ctx, input }) => invitations.createInvitation(ctx.deps, ctx.principal, input, ctx.ip)),
  list: adminProcedure
    .meta(rest("GET", "/invitations", "Your organization's invitations of the last 30 days, newest first"))
    .input(ListInvitationsInput)
    .output(InvitationList)
    .query(({ ctx, input }) => invitations.listInvitations(ctx.deps.db, ctx.orgId, input)),
  revoke: adminProcedure
    .meta(rest("DELETE", "/invitations/{id}", "Revoke an invitation"))
    .input(InvitationIdInput)
    .output(Invitation)
    .mutation(({ ctx, input }) => invitations.revokeInvitation(ctx.deps, ctx.principal, input.id, ctx.ip)),
  accept: publicProcedure
    .meta(rest("POST", "/invitations/accept", "Accept an invitation: creates the account and signs it in"))
    .input(AcceptInvitationInput)
    .output(SignInResult)
    .mutation(({ ctx, input }) => invitations.acceptInvitation(ctx.deps, input, requestMeta(ctx))),
});
