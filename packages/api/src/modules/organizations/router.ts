import {
  Directory,
  DirectoryInput,
  MemberList,
  MembersInput,
  Organization,
  OrganizationStats,
  UpdateOrganizationInput,
} from "@p2p/schemas";
import { router } from "../../trpc/init";
import { rest } from "../../trpc/meta";
import { adminProcedure, authedProcedure, orgProcedure } from "../../trpc/procedures";
import { setLogoProcedure } from "../files/router";
import { listColleagues } from "../users/service";
import * as organizations from "./service";

export const organizationsRouter = router({
  current: orgProcedure
    .meta(rest("GET", "/organizations/current", "Your organization"))
    .output(Organization)
    .query(({ ctx }) => organizations.currentOrganization(ctx.deps.db, ctx.orgId)),
  update: adminProcedure
    .meta(rest("PATCH", "/organizations/current", "Update your organization"))
    .input(UpdateOrganizationInput)
    .output(Organization)
    .mutation(({ ctx, input }) => organizations.updateOrganization(ctx.deps, ctx.principal, input, ctx.ip)),
  // Lives with the files module, which owns the rules a logo file must meet.
  setLogo: setLogoProcedure,
  directory: authedProcedure
    .meta(rest("GET", "/organizations", "The directory of organizations"))
    .input(DirectoryInput)
    .output(Directory)
    .query(({ ctx, input }) => organizations.directory(ctx.deps.db, input)),
  // The users module owns the rows and what a colleague may see of them.
  members: orgProcedure
    .meta(rest("GET", "/organizations/members", "Your organization's active members (every member may see them)"))
    .input(MembersInput)
    .output(MemberList)
    .query(({ ctx, input }) => listColleagues(ctx.deps, ctx.principal, input)),
  stats: orgProcedure
    .meta(rest("GET", "/organizations/stats", "Your organization's statistics"))
    .output(OrganizationStats)
    .query(({ ctx }) => organizations.organizationStats(ctx.deps, ctx.orgId)),
});
