import {
  ChangePasswordInput,
  GetUserInput,
  ListUsersInput,
  Me,
  Ok,
  UpdateMeInput,
  UpdateUserInput,
  UserIdInput,
  UserList,
  UserListItem,
  UserProfile,
} from "@p2p/schemas";
import { router } from "../../trpc/init";
import { adminProcedure, authedProcedure, sessionProcedure } from "../../trpc/procedures";
import * as users from "./service";

/** `users.deactivate` / `users.reactivate`: shorthands of `users.update` with a status. */
const setStatus = (status: "active" | "deactivated") =>
  adminProcedure
    .input(UserIdInput)
    .output(UserListItem)
    .mutation(({ ctx, input }) => users.updateMember(ctx.deps, ctx.principal, { id: input.id, status }, ctx.ip));

export const usersRouter = router({
  me: authedProcedure.output(Me).query(({ ctx }) => users.getMe(ctx.deps.db, ctx.principal.userId)),
  updateMe: sessionProcedure
    .input(UpdateMeInput)
    .output(Me)
    .mutation(({ ctx, input }) => users.updateMe(ctx.deps, ctx.principal, input)),
  changePassword: sessionProcedure
    .input(ChangePasswordInput)
    .output(Ok)
    .mutation(({ ctx, input }) => users.changePassword(ctx.deps, ctx.principal, input, ctx.ip)),
  get: authedProcedure
    .input(GetUserInput)
    .output(UserProfile)
    .query(({ ctx, input }) => users.getUser(ctx.deps.db, ctx.principal, input.id)),
  list: adminProcedure
    .input(ListUsersInput)
    .output(UserList)
    .query(({ ctx, input }) => users.listMembers(ctx.deps.db, ctx.orgId, input)),
  update: adminProcedure
    .input(UpdateUserInput)
    .output(UserListItem)
    .mutation(({ ctx, input }) => users.updateMember(ctx.deps, ctx.principal, input, ctx.ip)),
  deactivate: setStatus("deactivated"),
  reactivate: setStatus("active"),
});
