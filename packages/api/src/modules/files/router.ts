import { FileIdInput, FileMeta, Ok, Organization, SetLogoInput } from "@p2p/schemas";
import { router } from "../../trpc/init";
import { rest } from "../../trpc/meta";
import { adminProcedure, authedProcedure } from "../../trpc/procedures";
import * as files from "./service";

/** `organizations.setLogo`, defined with the file rules it enforces; the organizations router mounts it. */
export const setLogoProcedure = adminProcedure
  .meta(rest("PUT", "/organizations/current/logo", "Set or clear your organization's logo (an uploaded file)"))
  .input(SetLogoInput)
  .output(Organization)
  .mutation(({ ctx, input }) => files.setOrganizationLogo(ctx.deps, ctx.principal, input.fileId, ctx.ip));

/** Metadata and deletion; the bytes go up and down through the plain HTTP routes in routes.ts. */
export const filesRouter = router({
  get: authedProcedure
    .meta(rest("GET", "/files/{id}", "A file's metadata (the bytes: GET /files/{id} outside /api/v1)"))
    .input(FileIdInput)
    .output(FileMeta)
    .query(({ ctx, input }) => files.getFile(ctx.deps, ctx.principal, input.id)),
  delete: authedProcedure
    .meta(rest("DELETE", "/files/{id}", "Delete a file you uploaded"))
    .input(FileIdInput)
    .output(Ok)
    .mutation(({ ctx, input }) => files.deleteFile(ctx.deps, ctx.principal, input.id)),
});
