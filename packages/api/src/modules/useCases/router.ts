import {
  AddUseCaseMediaInput,
  CreateUseCaseDraftInput,
  DeletedUseCaseList,
  ExportIdInput,
  ExportSpreadsheetInput,
  ExportStarted,
  ExportStatus,
  ListUseCasesInput,
  ModerateUseCaseInput,
  Ok,
  PageInput,
  PublicUseCase,
  RemoveUseCaseMediaInput,
  ReorderUseCaseMediaInput,
  UpdateUseCaseDraftInput,
  UseCaseDetail,
  UseCaseIdInput,
  UseCaseList,
  UseCaseMediaList,
} from "@p2p/schemas";
import type { AppDeps } from "../../deps";
import type { Principal } from "../../infra/auth/authenticator";
import { router } from "../../trpc/init";
import { rest } from "../../trpc/meta";
import { adminProcedure, orgProcedure, publicProcedure } from "../../trpc/procedures";
import { exportStatus, startExport } from "./exports";
import { addMedia, removeMedia, reorderMedia } from "./media";
import { getPublicUseCase, getUseCase, listDeletedUseCases, listUseCases } from "./read";
import * as write from "./write";

/** After a change, the use case as its editor now sees it (not counted as a view). */
const detail = (deps: AppDeps, caller: Principal) => (id: string) => getUseCase(deps, caller, id, { countView: false });

/** Use cases: drafts and publishing, discovery, media. Who sees what: modules/useCases/repo.ts `visibleTo`. */
export const useCasesRouter = router({
  createDraft: orgProcedure
    .meta(rest("POST", "/use-cases", "Start a use case (a draft; every field optional until publishing)"))
    .input(CreateUseCaseDraftInput)
    .output(UseCaseDetail)
    .mutation(({ ctx, input }) =>
      write.createDraft(ctx.deps, ctx.principal, input).then(detail(ctx.deps, ctx.principal)),
    ),
  updateDraft: orgProcedure
    .meta(rest("PATCH", "/use-cases/{id}", "Save fields of a use case (a published one stays complete)"))
    .input(UpdateUseCaseDraftInput)
    .output(UseCaseDetail)
    .mutation(({ ctx, input }) =>
      write.updateDraft(ctx.deps, ctx.principal, input).then(detail(ctx.deps, ctx.principal)),
    ),
  publish: orgProcedure
    .meta(rest("POST", "/use-cases/{id}/publish", "Publish a draft (answers every missing field at once)"))
    .input(UseCaseIdInput)
    .output(UseCaseDetail)
    .mutation(({ ctx, input }) =>
      write.publish(ctx.deps, ctx.principal, input.id).then(detail(ctx.deps, ctx.principal)),
    ),
  unpublish: orgProcedure
    .meta(rest("POST", "/use-cases/{id}/unpublish", "Back to draft"))
    .input(UseCaseIdInput)
    .output(UseCaseDetail)
    .mutation(({ ctx, input }) =>
      write.unpublish(ctx.deps, ctx.principal, input.id, ctx.ip).then(detail(ctx.deps, ctx.principal)),
    ),
  delete: orgProcedure
    .meta(rest("DELETE", "/use-cases/{id}", "Delete a use case (restorable for 30 days)"))
    .input(UseCaseIdInput)
    .output(Ok)
    .mutation(({ ctx, input }) => write.remove(ctx.deps, ctx.principal, input.id, ctx.ip)),
  restore: orgProcedure
    .meta(rest("POST", "/use-cases/{id}/restore", "Restore a use case deleted in the last 30 days"))
    .input(UseCaseIdInput)
    .output(UseCaseDetail)
    .mutation(({ ctx, input }) =>
      write.restore(ctx.deps, ctx.principal, input.id).then(detail(ctx.deps, ctx.principal)),
    ),
  listDeleted: orgProcedure
    .meta(
      rest(
        "GET",
        "/use-cases/deleted",
        "Your use cases deleted in the last 30 days (your organization's as admin), to restore",
      ),
    )
    .input(PageInput)
    .output(DeletedUseCaseList)
    .query(({ ctx, input }) => listDeletedUseCases(ctx.deps, ctx.principal, input)),
  moderate: orgProcedure
    .meta(rest("POST", "/use-cases/{id}/moderate", "Archive or restore a published use case (platform moderators)"))
    .input(ModerateUseCaseInput)
    .output(UseCaseDetail)
    .mutation(({ ctx, input }) => write.moderate(ctx.deps, ctx.principal, input).then(detail(ctx.deps, ctx.principal))),
  list: orgProcedure
    .meta(rest("GET", "/use-cases", "Use cases you can see, filtered and sorted"))
    .input(ListUseCasesInput)
    .output(UseCaseList)
    .query(({ ctx, input }) => listUseCases(ctx.deps, ctx.principal, input)),
  get: orgProcedure
    .meta(rest("GET", "/use-cases/{id}", "A use case with related ones"))
    .input(UseCaseIdInput)
    .output(UseCaseDetail)
    .query(({ ctx, input }) => getUseCase(ctx.deps, ctx.principal, input.id)),
  getPublic: publicProcedure
    .meta(rest("GET", "/public/use-cases/{id}", "What anyone may see of a published use case"))
    .input(UseCaseIdInput)
    .output(PublicUseCase)
    .query(({ ctx, input }) => getPublicUseCase(ctx.deps, input.id)),
  addMedia: orgProcedure
    .meta(rest("POST", "/use-cases/{id}/media", "Attach an uploaded photo or video (with a caption)"))
    .input(AddUseCaseMediaInput)
    .output(UseCaseMediaList)
    .mutation(({ ctx, input }) => addMedia(ctx.deps, ctx.principal, input)),
  removeMedia: orgProcedure
    .meta(rest("DELETE", "/use-cases/{id}/media/{fileId}", "Detach a photo or video"))
    .input(RemoveUseCaseMediaInput)
    .output(UseCaseMediaList)
    .mutation(({ ctx, input }) => removeMedia(ctx.deps, ctx.principal, input)),
  reorderMedia: orgProcedure
    .meta(rest("PATCH", "/use-cases/{id}/media", "Put the photos and videos in a new order"))
    .input(ReorderUseCaseMediaInput)
    .output(UseCaseMediaList)
    .mutation(({ ctx, input }) => reorderMedia(ctx.deps, ctx.principal, input)),
  exportPdf: orgProcedure
    .meta(
      rest(
        "POST",
        "/use-cases/{id}/export/pdf",
        "Export a use case as PDF (runs as a job; progress on your personal stream)",
      ),
    )
    .input(UseCaseIdInput)
    .output(ExportStarted)
    .mutation(({ ctx, input }) => startExport(ctx.deps, ctx.principal, { kind: "pdf", id: input.id })),
  exportSpreadsheet: orgProcedure
    .meta(
      rest(
        "POST",
        "/use-cases/export/spreadsheet",
        "Export the use cases matching the list filters as a spreadsheet (xlsx)",
      ),
    )
    .input(ExportSpreadsheetInput)
    .output(ExportStarted)
    .mutation(({ ctx, input }) => startExport(ctx.deps, ctx.principal, { kind: "spreadsheet", filters: input })),
  exportOrganization: adminProcedure
    .meta(
      rest(
        "POST",
        "/use-cases/export/organization",
        "Export all of your organization's use cases, drafts included (a zip of PDFs and a spreadsheet)",
      ),
    )
    .output(ExportStarted)
    .mutation(({ ctx }) => startExport(ctx.deps, ctx.principal, { kind: "organization" })),
  exportStatus: orgProcedure
    .meta(
      rest(
        "GET",
        "/use-cases/exports/{exportId}",
        "One of your exports: progress, and a fresh download link once ready",
      ),
    )
    .input(ExportIdInput)
    .output(ExportStatus)
    .query(({ ctx, input }) => exportStatus(ctx.deps, ctx.principal, input.exportId)),
});
