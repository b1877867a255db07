import { AuditLogList, ListAuditInput } from "@p2p/schemas";
import { router } from "../../trpc/init";
import { adminProcedure } from "../../trpc/procedures";
import { listAudit } from "./service";

export const auditRouter = router({
  list: adminProcedure
    .input(ListAuditInput)
    .output(AuditLogList)
    .query(({ ctx, input }) => listAudit(ctx.deps.db, ctx.orgId, input)),
});
