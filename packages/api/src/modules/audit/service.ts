import { type Author, Id, type ListAuditInput, type UserRef } from "@p2p/schemas";
import { z } from "zod";
import type { AppDeps } from "../../deps";
import { decodeCursor, toPage } from "../../lib/pagination";
import { loadAuthors } from "../users/authors";
import { findAuditEntries } from "./repo";

export const toUserRef = (u: { id: string; firstName: string; lastName: string }): UserRef => ({
  id: u.id,
  name: `${u.firstName} ${u.lastName}`,
});

// Entry ids are time-ordered v7 UUIDs, so the id alone is the keyset: newest first, no tie-breaker.
const AuditCursor = z.tuple([Id]);

export async function listAudit(deps: AppDeps, orgId: string, input: z.infer<typeof ListAuditInput>) {
  const { db } = deps;
  const [afterId] = decodeCursor(input.cursor, AuditCursor) ?? [];
  const rows = await findAuditEntries(db, orgId, { ...input, afterId, limit: input.limit + 1 });
  // Actors by id in one query, from the users module (an entry outlives a deleted actor: null).
  const actors = await loadAuthors(
    deps,
    rows.flatMap((r) => (r.actorId ? [r.actorId] : [])),
  );
  return toPage(
    rows,
    input.limit,
    (r) => [r.id],
    (r) => ({
      id: r.id,
      action: r.action,
      actor: r.actorId && actors.has(r.actorId) ? toUserRef(actors.get(r.actorId) as Author) : null,
      targetType: r.targetType,
      targetId: r.targetId,
      ip: r.ip,
      metadata: r.metadata,
      createdAt: r.createdAt,
    }),
  );
}
