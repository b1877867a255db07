import type { Notification, NotificationType } from "@p2p/schemas";
import { z } from "zod";
import type { AppDeps } from "../../deps";
import { decodeCursor, toPage } from "../../lib/pagination";
import { publishToUser } from "../messages/channel";
import { loadAuthors } from "../users/authors";
import { kindOf } from "./preferences";
import * as repo from "./repo";

type Row = Awaited<ReturnType<typeof repo.listNotifications>>[number];
export interface Viewer {
  userId: string;
  organizationId: string;
}

/**
 * Notifications as their readers, members of `reader.organizationId`, see them now: each kind says
 * where its notifications lead (with the target's current title) or that the target is gone; one
 * its reader may no longer see is left out. Actors and targets are loaded per kind in one batch
 * each, for the rows of any number of readers of the organization.
 */
export async function render(
  deps: AppDeps,
  reader: { organizationId: string },
  rows: readonly Row[],
): Promise<Notification[]> {
  const types = [...new Set(rows.map((r) => r.type))];
  const [actors, ...targetMaps] = await Promise.all([
    loadAuthors(
      deps,
      rows.flatMap((r) => r.actorId ?? []),
    ),
    ...types.map((type) =>
      kindOf(deps, type).targets(
        deps,
        reader,
        rows.filter((r) => r.type === type),
      ),
    ),
  ]);
  const targets = new Map(types.map((type, i) => [type, targetMaps[i] as (typeof targetMaps)[number]]));
  return rows.flatMap((row) => {
    const target = targets.get(row.type)?.get(row.id);
    if (!target) return [];
    const actor = row.actorId ? (actors.get(row.actorId) ?? null) : null;
    const name = actor ? `${actor.firstName} ${actor.lastName}` : "Someone";
    // A gone target shows the title it had when the notification was made, if the kind kept one.
    const kept = typeof row.data.title === "string" ? row.data.title : "something that was deleted";
    const title = target === "gone" ? kept : target.title;
    return [
      {
        id: row.id,
        type: row.type as NotificationType,
        actor,
        text: kindOf(deps, row.type).text(name, title, row.data),
        target: target === "gone" ? null : target,
        createdAt: row.createdAt,
        readAt: row.readAt,
      },
    ];
  });
}

const IdCursor = z.tuple([z.uuid()]);

export async function listNotifications(
  deps: AppDeps,
  viewer: Viewer,
  input: { cursor?: string | null; limit: number; unreadOnly: boolean; type?: string },
) {
  const [before] = decodeCursor(input.cursor, IdCursor) ?? [null];
  const rows = await repo.listNotifications(deps.db, viewer.userId, input, before, input.limit);
  const { items, nextCursor } = toPage(
    rows,
    input.limit,
    (r) => [r.id],
    (r) => r,
  );
  return { items: await render(deps, viewer, items), nextCursor };
}

export const unreadCount = async (deps: AppDeps, userId: string) => ({
  unread: await repo.unreadCount(deps.db, userId),
});

/** Marks read and tells the user's other devices the new count. */
export async function markRead(deps: AppDeps, userId: string, filter: repo.ReadFilter) {
  const updated = await repo.markRead(deps.db, userId, filter);
  const unread = await repo.unreadCount(deps.db, userId);
  if (updated) await publishToUser(deps, userId, { type: "notification.count", unread });
  return { updated, unread };
}

/** After a block: nothing the blocked person caused stays among the blocker's notifications. */
export async function forgetActor(deps: AppDeps, userId: string, actorId: string): Promise<void> {
  await repo.deleteFromActor(deps.db, userId, actorId);
  await publishToUser(deps, userId, { type: "notification.count", unread: await repo.unreadCount(deps.db, userId) });
}
