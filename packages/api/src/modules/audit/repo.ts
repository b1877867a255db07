import { v7 as uuidv7 } from "uuid";
import type { Db } from "../../infra/postgres/db";

export interface AuditEntry {
  organizationId: string | null;
  actorId: string | null;
  action: string;
  targetType?: string;
  targetId?: string;
  ip?: string | null;
  metadata?: Record<string, unknown>;
}

/** Appends to the audit log; pass the surrounding transaction so the entry commits with the change. */
export async function recordAudit(db: Db, entry: AuditEntry): Promise<void> {
  await db
    .insertInto("auditLog")
    .values({
      id: uuidv7(),
      organizationId: entry.organizationId,
      actorId: entry.actorId,
      action: entry.action,
      targetType: entry.targetType ?? null,
      targetId: entry.targetId ?? null,
      ip: entry.ip ?? null,
      metadata: JSON.stringify(entry.metadata ?? {}) as unknown as Record<string, unknown>,
    })
    .execute();
}
