import type { NotificationType } from "@p2p/schemas";
import { v7 as uuidv7 } from "uuid";
import type { AppDeps, Db } from "../../deps";
import { lockUntilCommit } from "../../infra/postgres/commit-lock";
import { unavailableStore } from "../../infra/store-errors";
import { blockersAmong } from "../contacts/repo";
import { effectivePreferences } from "./preferences";
import { insertNotifications, type NewNotificationRow, notificationColumns } from "./repo";

export interface NewNotification {
  userId: string;
  type: NotificationType;
  actorId: string | null;
  /** What it points at (a topic, a message…): a change to it finds its notifications. */
  subjectId: string;
  data: Record<string, unknown>;
}

export const DISPATCH_JOB = "notifications.dispatch";
/** Namespace (int4) of the advisory lock a writer holds on a batch of notifications until it commits. */
export const DISPATCH_LOCK = 0x6e6f7469;

/** A notification `planNotifications` decided to store (its id and time chosen), and whether it shows in the app. */
export type PlannedNotification = NewNotification & { id: string; inApp: boolean; createdAt: Date };

/**
 * Which of `items` are stored, and how: never for the actor themselves, nor for someone who blocked
 * the actor; a type the recipient turned off entirely (in-app and email) stores nothing. Reads
 * only, so a writer can plan before its transaction and hold its connection for the writes alone.
 */
export async function planNotifications(
  deps: AppDeps,
  db: Db,
  items: readonly NewNotification[],
): Promise<PlannedNotification[]> {
  const wanted = items.filter((n) => n.userId !== n.actorId);
  if (!wanted.length) return [];
  const blockedActor = new Set<string>();
  for (const actorId of new Set(wanted.flatMap((n) => n.actorId ?? []))) {
    const blockers = await blockersAmong(
      db,
      actorId,
      wanted.filter((n) => n.actorId === actorId).map((n) => n.userId),
    );
    for (const userId of blockers) blockedActor.add(`${userId}|${actorId}`);
  }
  const prefs = await effectivePreferences(deps, db, [...new Set(wanted.map((n) => n.userId))]);
  const createdAt = new Date();
  return wanted.flatMap((n) => {
    if (n.actorId && blockedActor.has(`${n.userId}|${n.actorId}`)) return [];
    const pref = prefs.get(n.userId)?.get(n.type);
    if (!pref || (!pref.inApp && pref.email === "off")) return [];
    return [{ ...n, id: uuidv7(), inApp: pref.inApp, createdAt }];
  });
}

/**
 * Stores planned notifications (inside the caller's transaction when given one); they are
 * delivered once committed (`notify`, or delivery.ts `deliverCommitted`).
 */
export async function storeNotifications(db: Db, planned: readonly PlannedNotification[]): Promise<void> {
  if (!planned.length) return;
  await insertNotifications(db, planned.map(notificationRow));
}

/** Planned notifications as the columns a statement of the caller's stores them from (repo.insertNotificationsSql). */
export const notificationColumnsOf = (planned: readonly PlannedNotification[]) =>
  notificationColumns(planned.map(notificationRow));

/** The row a planned notification is stored as. */
const notificationRow = (n: PlannedNotification): NewNotificationRow => ({
  id: n.id,
  userId: n.userId,
  type: n.type,
  actorId: n.actorId,
  subjectId: n.subjectId,
  data: JSON.stringify(n.data),
  inApp: n.inApp,
  createdAt: n.createdAt,
});

/**
 * Plans and stores notifications, inside the caller's transaction when given one, and has them
 * delivered (live, and by email as each recipient chose) by a job once it commits: the job waits
 * for an advisory lock the transaction holds until it ends.
 */
export async function notify(deps: AppDeps, db: Db, items: readonly NewNotification[]): Promise<void> {
  const planned = await planNotifications(deps, db, items);
  if (!planned.length) return;
  await storeNotifications(db, planned);
  const batch = planned[0]?.id as string;
  await lockUntilCommit(db, DISPATCH_LOCK, batch);
  // With Redis down the rows stay undelivered and the sweeper delivers them once it is back.
  await deps.jobs
    .enqueue(DISPATCH_JOB, { batch, ids: planned.map((n) => n.id) }, { jobId: `notify-${batch}` })
    .catch((err) => {
      if (!unavailableStore(err)) throw err;
    });
}
