import { v7 as uuidv7 } from "uuid";
import type { Db } from "../../infra/postgres/db";

export interface NewNotification {
  userId: string;
  type: string;
  actorId: string | null;
  data: Record<string, unknown>;
}

/**
 * Stores notifications for later delivery (the notifications issue delivers them); one row per
 * recipient, never one for the actor themselves.
 */
export async function createNotifications(db: Db, items: NewNotification[]): Promise<void> {
  const rows = items.filter((n) => n.userId !== n.actorId);
  if (!rows.length) return;
  await db
    .insertInto("notifications")
    .values(
      rows.map((n) => ({
        id: uuidv7(),
        userId: n.userId,
        type: n.type,
        actorId: n.actorId,
        data: JSON.stringify(n.data),
      })),
    )
    .execute();
}
