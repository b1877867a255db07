import { FileIdInput, FileMeta, Ok, Organization, SetLogoInput } from "@p2p/schemas";
import { router } from "../../trpc/init";
import { adminProcedure, authedProcedure } from "../../trpc/procedures";
import * as files from "./service";

/** `organizations.setLogo`, defined with the file rules it enforces; the organizations router mounts it. */
export const setLogoProcedure = adminProcedure
  .input(SetLogoInput)
  .output(Organization)
  .mutation(({ ctx, input }) => files.setOrganizationLogo(ctx.deps, ctx.principal, input.fileId, ctx.ip));

/** Metadata and deletion; the bytes go up and down through the plain HTTP routes in routes.ts. */
export const filesRouter = router({
  get: authedProcedure
    .input(FileIdInput)
    .output(FileMeta)
    .query(({ ctx, input }) => files.getFile(ctx.deps, ctx.principal, input.id)),
  delete: authedProcedure
    .input(FileIdInput)
    .output(Ok)
    .mutation(({ ctx, input }) => files.deleteFile(ctx.deps, ctx.principal, input.id)),
});
