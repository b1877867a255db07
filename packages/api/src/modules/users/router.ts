import {
  ChangePasswordInput,
  GetUserInput,
  ListUsersInput,
  Me,
  Ok,
  PersonList,
  SearchUsersInput,
  UpdateMeInput,
  UpdateUserInput,
  UserIdInput,
  UserList,
  UserListItem,
  UserProfile,
} from "@p2p/schemas";
import { router } from "../../trpc/init";
import { rest } from "../../trpc/meta";
import { adminProcedure, authedProcedure, orgProcedure, sessionProcedure } from "../../trpc/procedures";
import * as users from "./service";

/** `users.deactivate` / `users.reactivate`: shorthands of `users.update` with a status. */
const setStatus = (status: "active" | "deactivated") =>
  adminProcedure
    .meta(
      status === "active"
        ? rest("POST", "/users/{id}/reactivate", "Reactivate a member")
        : rest("DELETE", "/users/{id}", "Deactivate a member"),
    )
    .input(UserIdInput)
    .output(UserListItem)
    .mutation(({ ctx, input }) => users.updateMember(ctx.deps, ctx.principal, { id: input.id, status }, ctx.ip));

export const usersRouter = router({
  me: authedProcedure
    .meta(rest("GET", "/users/me", "Your own profile"))
    .output(Me)
    .query(({ ctx }) => users.getMe(ctx.deps.db, ctx.principal)),
  updateMe: sessionProcedure
    .meta(rest("PATCH", "/users/me", "Update your profile"))
    .input(UpdateMeInput)
    .output(Me)
    .mutation(({ ctx, input }) => users.updateMe(ctx.deps, ctx.principal, input)),
  changePassword: sessionProcedure
    .meta(rest("POST", "/users/me/password", "Change your password"))
    .input(ChangePasswordInput)
    .output(Ok)
    .mutation(({ ctx, input }) => users.changePassword(ctx.deps, ctx.principal, input, ctx.ip)),
  get: authedProcedure
    .meta(rest("GET", "/users/{id}", "A user's profile (email and phone only within your organization)"))
    .input(GetUserInput)
    .output(UserProfile)
    .query(({ ctx, input }) => users.getUser(ctx.deps.db, ctx.principal, input.id)),
  list: adminProcedure
    .meta(rest("GET", "/users", "The members of your organization"))
    .input(ListUsersInput)
    .output(UserList)
    .query(({ ctx, input }) => users.listMembers(ctx.deps.db, ctx.orgId, input)),
  search: orgProcedure
    .meta(rest("GET", "/search/users", "People on the platform by name, title or organization"))
    .input(SearchUsersInput)
    .output(PersonList)
    .query(({ ctx, input }) => users.searchPeople(ctx.deps, ctx.principal, input)),
  update: adminProcedure
    .meta(rest("PATCH", "/users/{id}", "Change a member's role or status"))
    .input(UpdateUserInput)
    .output(UserListItem)
    .mutation(({ ctx, input }) => users.updateMember(ctx.deps, ctx.principal, input, ctx.ip)),
  deactivate: setStatus("deactivated"),
  reactivate: setStatus("active"),
});
