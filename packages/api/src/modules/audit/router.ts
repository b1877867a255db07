import { AuditLogList, ListAuditInput } from "@p2p/schemas";
import { router } from "../../trpc/init";
import { rest } from "../../trpc/meta";
import { adminProcedure } from "../../trpc/procedures";
import { listAudit } from "./service";

export const auditRouter = router({
  list: adminProcedure
    .meta(rest("GET", "/audit", "Your organization's audit log"))
    .input(ListAuditInput)
    .output(AuditLogList)
    .query(({ ctx, input }) => listAudit(ctx.deps, ctx.orgId, input)),
});
