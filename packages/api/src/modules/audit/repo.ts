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
      metadata: JSON.stringify(entry.metadata ?? {}),
    })
    .execute();
}

export interface AuditQuery {
  /** Only entries older than this id (the keyset cursor). */
  afterId?: string;
  limit: number;
  action?: string;
  actorId?: string;
}

/** One organization's entries, newest first; each filter has its own (organization_id, …, id) index. */
export async function findAuditEntries(db: Db, orgId: string, q: AuditQuery) {
  let query = db
    .selectFrom("auditLog")
    .select(["id", "action", "actorId", "targetType", "targetId", "ip", "metadata", "createdAt"])
    .where("organizationId", "=", orgId)
    .orderBy("id", "desc")
    .limit(q.limit);
  if (q.afterId) query = query.where("id", "<", q.afterId);
  if (q.action) query = query.where("action", "=", q.action);
  if (q.actorId) query = query.where("actorId", "=", q.actorId);
  return query.execute();
}
