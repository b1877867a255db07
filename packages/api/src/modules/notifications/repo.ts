import type { EmailFrequency } from "@p2p/schemas";
import { type Expression, type RawBuilder, sql } from "kysely";
import type { Db } from "../../infra/postgres/db";
import { preparedQuery } from "../../infra/postgres/prepared";
import type { NotificationsTable } from "../../infra/postgres/schema";
import { mailProfileColumn } from "../users/repo";

const listColumns = ["id", "userId", "type", "actorId", "subjectId", "data", "readAt", "createdAt"] as const;

/** A new row: its data as JSON text, whether it shows in the app, when it was made (as its id says). */
export type NewNotificationRow = Pick<NotificationsTable, "id" | "userId" | "type" | "actorId" | "subjectId"> & {
  data: string;
  inApp: boolean;
  createdAt: Date;
};

/** New rows as one array per column, in this order: one statement shape for any number of rows. */
export type NotificationColumns = [
  ids: string[],
  userIds: string[],
  types: string[],
  actorIds: (string | null)[],
  subjectIds: (string | null)[],
  data: string[],
  inApp: boolean[],
  createdAt: Date[],
];

export const notificationColumns = (rows: readonly NewNotificationRow[]): NotificationColumns => [
  rows.map((r) => r.id),
  rows.map((r) => r.userId),
  rows.map((r) => r.type),
  rows.map((r) => r.actorId),
  rows.map((r) => r.subjectId),
  rows.map((r) => r.data),
  rows.map((r) => r.inApp),
  rows.map((r) => r.createdAt),
];

/**
 * The insert of new rows, for a statement of the caller's too (a forum reply writes its
 * notifications in the statement that writes the reply); only if `when` holds in that statement.
 */
export const insertNotificationsSql = (
  [ids, userIds, types, actorIds, subjectIds, data, inApp, createdAt]: NotificationColumns,
  when: RawBuilder<unknown> = sql`true`,
) => sql`
  insert into notifications (id, user_id, type, actor_id, subject_id, data, in_app, created_at)
  select * from unnest(${ids}::uuid[], ${userIds}::uuid[], ${types}::text[], ${actorIds}::uuid[],
    ${subjectIds}::uuid[], ${data}::jsonb[], ${inApp}::boolean[], ${createdAt}::timestamptz[])
  where ${when}`;

/** New rows, any number of them, in one prepared statement. */
export async function insertNotifications(db: Db, rows: readonly NewNotificationRow[]): Promise<void> {
  await insertNotificationsQuery(db, ...notificationColumns(rows));
}

const insertNotificationsQuery = preparedQuery("insert_notifications", (db, ...columns: NotificationColumns) => ({
  compile: () => insertNotificationsSql(columns).compile(db),
}));

/** A page of a user's in-app notifications, newest first (ids are time-ordered). */
export function listNotifications(
  db: Db,
  userId: string,
  filter: { unreadOnly: boolean; type?: string },
  before: string | null,
  limit: number,
) {
  let query = db
    .selectFrom("notifications")
    .select(listColumns)
    .where("userId", "=", userId)
    .where("inApp", "=", true)
    .orderBy("id", "desc")
    .limit(limit + 1);
  if (filter.unreadOnly) query = query.where("readAt", "is", null);
  if (filter.type) query = query.where("type", "=", filter.type);
  if (before) query = query.where("id", "<", before);
  return query.execute();
}

/** The person's unread in-app notifications (the notifications_unread index), as a query (`n`) other reads can join. */
export const unreadCountQuery = (db: Db, userId: string | Expression<string>) =>
  db
    .selectFrom("notifications")
    .select(sql<number>`count(*)::int`.as("n"))
    .where("userId", "=", userId)
    .where("inApp", "=", true)
    .where("readAt", "is", null);

/** The person's unread in-app notifications. */
export async function unreadCount(db: Db, userId: string): Promise<number> {
  return (await unreadCountQuery(db, userId).executeTakeFirstOrThrow()).n;
}

/** Which notifications to mark read: these, those before a time, those of one type from one actor. */
export interface ReadFilter {
  ids?: readonly string[];
  before?: Date;
  from?: { type: string; actorId: string };
}

/** Marks the user's own notifications read; how many changed. */
export async function markRead(db: Db, userId: string, filter: ReadFilter) {
  let query = db
    .updateTable("notifications")
    .set({ readAt: sql`now()` })
    .where("userId", "=", userId)
    .where("readAt", "is", null);
  if (filter.ids) query = query.where("id", "in", filter.ids);
  if (filter.before) query = query.where("createdAt", "<", filter.before);
  if (filter.from) query = query.where("type", "=", filter.from.type).where("actorId", "=", filter.from.actorId);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Whether the user has an unread notification of `type` from `actorId`. */
export async function hasUnreadFrom(db: Db, userId: string, type: string, actorId: string): Promise<boolean> {
  const row = await db
    .selectFrom("notifications")
    .select("id")
    .where("userId", "=", userId)
    .where("readAt", "is", null)
    .where("type", "=", type)
    .where("actorId", "=", actorId)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

// ---------------------------------------------------------------- delivery

/**
 * Rows not delivered yet, marked delivered and locked for this dispatcher in one statement (another
 * node skips them). The mark commits with the caller's transaction, after the delivery: a delivery
 * that fails rolls it back, and the sweeper tries again.
 */
export const claimUndelivered = (db: Db, filter: { ids?: readonly string[]; olderThanMs?: number }, limit = 500) => {
  let undelivered = db
    .selectFrom("notifications")
    .select("id")
    .where("deliveredAt", "is", null)
    .orderBy("id")
    .limit(limit)
    .forUpdate()
    .skipLocked();
  if (filter.ids) undelivered = undelivered.where("id", "in", filter.ids);
  if (filter.olderThanMs) undelivered = undelivered.where("createdAt", "<", new Date(Date.now() - filter.olderThanMs));
  return db
    .updateTable("notifications")
    .set({ deliveredAt: sql`now()` })
    .where("id", "in", undelivered)
    .returning([...listColumns, "inApp"])
    .execute()
    .then((rows) => rows.sort((a, b) => (a.id < b.id ? -1 : 1))); // in the order they were made (v7 ids)
};

/** Marks delivered rows (one a sweeper marked meanwhile keeps its time). */
export async function markDelivered(db: Db, ids: string[]): Promise<void> {
  if (ids.length) await markDeliveredQuery(db, ids);
}

const markDeliveredQuery = preparedQuery("mark_notifications_delivered", (db, ids: string[]) =>
  db
    .updateTable("notifications")
    .set({ deliveredAt: sql`now()` })
    .where(sql<boolean>`id = any(${ids}::uuid[])`)
    .where("deliveredAt", "is", null),
);

export const findNotification = (db: Db, id: string) =>
  db
    .selectFrom("notifications")
    .select([...listColumns, "emailedAt"])
    .where("id", "=", id)
    .executeTakeFirst();

/**
 * Emailed, or settled with no email due (its type's email off, its reader not active): no email or
 * digest will carry them. Answers the ids this call marked (one marked already is left as it is).
 */
export async function markEmailed(db: Db, ids: readonly string[]): Promise<string[]> {
  if (!ids.length) return [];
  const rows = await db
    .updateTable("notifications")
    .set({ emailedAt: sql`now()` })
    .where(sql<boolean>`id = any(${[...ids]}::uuid[])`)
    .where("emailedAt", "is", null)
    .returning("id")
    .execute();
  return rows.map((r) => r.id);
}

/** Every unread notification of these people that waits for an email, settled with none (see markEmailed). */
export async function settlePendingEmail(db: Db, userIds: readonly string[]): Promise<void> {
  if (!userIds.length) return;
  await db
    .updateTable("notifications")
    .set({ emailedAt: sql`now()` })
    .where(sql<boolean>`user_id = any(${[...userIds]}::uuid[])`)
    .where("emailedAt", "is", null)
    .where("readAt", "is", null)
    .execute();
}

/**
 * Each person's unread, not emailed notifications of their daily types (`daily`: person → types),
 * oldest first, at most `limit` a person: every digest of a page in one statement.
 */
export async function digestItems(db: Db, daily: ReadonlyMap<string, readonly string[]>, limit: number) {
  const pairs = [...daily].flatMap(([userId, types]) => types.map((type) => [userId, type] as const));
  if (!pairs.length) return [];
  const userIds = pairs.map(([userId]) => userId);
  const ranked = db
    .selectFrom("notifications")
    .select([...listColumns, sql<number>`row_number() over (partition by user_id order by id)`.as("rank")])
    .where("emailedAt", "is", null)
    .where("readAt", "is", null)
    .where(sql<boolean>`user_id = any(${userIds}::uuid[])`)
    .where(
      sql<boolean>`(user_id, type) in (select * from unnest(${userIds}::uuid[], ${pairs.map(([, type]) => type)}::text[]))`,
    );
  return db.selectFrom(ranked.as("r")).select(listColumns).where("rank", "<=", limit).orderBy("id").execute();
}

/**
 * A page of the people a digest may be due for, in id order after `after`: with an unread, not
 * emailed notification of a type they get daily (their own choice, else the type's default:
 * `dailyByDefault`) among the `declared` ones, and no digest since `digestedBefore`. Others with unread notifications (email
 * off, or sent at once) are not candidates, so none of them holds a place in the page.
 */
export async function digestCandidates(
  db: Db,
  opts: {
    declared: readonly string[];
    dailyByDefault: readonly string[];
    digestedBefore: Date;
    after: string | null;
    limit: number;
  },
): Promise<string[]> {
  let query = db
    .selectFrom("notifications as n")
    .leftJoin("notificationPreferences as p", (join) =>
      join.onRef("p.userId", "=", "n.userId").onRef("p.type", "=", "n.type"),
    )
    .leftJoin("notificationSettings as s", "s.userId", "n.userId")
    .select("n.userId")
    .distinct()
    .where("n.emailedAt", "is", null)
    .where("n.readAt", "is", null)
    .where((eb) => eb("n.type", "=", eb.fn.any(eb.val([...opts.declared]))))
    .where((eb) =>
      eb.or([
        eb("p.email", "=", "daily"),
        eb.and([eb("p.email", "is", null), eb("n.type", "=", eb.fn.any(eb.val([...opts.dailyByDefault])))]),
      ]),
    )
    .where((eb) => eb.or([eb("s.lastDigestAt", "is", null), eb("s.lastDigestAt", "<", opts.digestedBefore)]))
    .orderBy("n.userId")
    .limit(opts.limit);
  if (opts.after) query = query.where("n.userId", ">", opts.after);
  return (await query.execute()).map((r) => r.userId);
}

/** Read notifications older than `days`: gone. */
export async function pruneRead(db: Db, days: number): Promise<number> {
  const result = await db
    .deleteFrom("notifications")
    .where("readAt", "<", sql<Date>`now() - make_interval(days => ${days})`)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Everything one actor caused for one user (after the user blocked them). */
export const deleteFromActor = (db: Db, userId: string, actorId: string) =>
  db.deleteFrom("notifications").where("userId", "=", userId).where("actorId", "=", actorId).execute();

/** Recipients of notifications about a subject (to drop those who may no longer see it). */
export async function recipientsOf(db: Db, subjectId: string): Promise<string[]> {
  const rows = await db
    .selectFrom("notifications")
    .select("userId")
    .distinct()
    .where("subjectId", "=", subjectId)
    .execute();
  return rows.map((r) => r.userId);
}

export const deleteForSubject = (db: Db, subjectId: string, userIds: readonly string[]) =>
  userIds.length
    ? db.deleteFrom("notifications").where("subjectId", "=", subjectId).where("userId", "in", userIds).execute()
    : null;

// ---------------------------------------------------------------- preferences

export const preferencesOf = (db: Db, userIds: readonly string[], types?: readonly string[]) =>
  userIds.length
    ? db
        .selectFrom("notificationPreferences")
        .select(["userId", "type", "inApp", "email"])
        .where("userId", "in", userIds)
        .$if(types !== undefined, (q) => q.where("type", "in", types as string[]))
        .execute()
    : Promise.resolve([]);

export const savePreference = (db: Db, userId: string, type: string, pref: { inApp: boolean; email: EmailFrequency }) =>
  db
    .insertInto("notificationPreferences")
    .values({ userId, type, ...pref })
    .onConflict((oc) => oc.columns(["userId", "type"]).doUpdateSet(pref))
    .execute();

export const settingsOf = (db: Db, userId: string) =>
  db
    .selectFrom("notificationSettings")
    .select(["quietStart", "quietEnd", "lastDigestAt"])
    .where("userId", "=", userId)
    .executeTakeFirst();

/** Quiet hours of many users in one query. */
/**
 * What delivering to these people needs, in one statement: each active one's mail profile (the
 * users module's column), unread count and quiet hours. Inactive people are left out.
 */
export async function deliveryProfiles(db: Db, userIds: readonly string[]) {
  if (!userIds.length) return [];
  const rows = await deliveryProfilesQuery(db, [...userIds]);
  return rows.flatMap(({ profile, unread, quietStart, quietEnd }) =>
    profile ? [{ ...profile, unread: unread ?? 0, quiet: { quietStart, quietEnd } }] : [],
  );
}

const deliveryProfilesQuery = preparedQuery("notification_delivery_profiles", (db, userIds: string[]) => {
  const userId = sql.ref<string>("r.r");
  return db
    .selectFrom(sql<{ r: string }>`unnest(${userIds}::uuid[])`.as("r"))
    .leftJoin("notificationSettings as s", (join) => join.on("s.userId", "=", userId))
    .select([
      mailProfileColumn(db, userId).as("profile"),
      unreadCountQuery(db, userId).as("unread"),
      "s.quietStart",
      "s.quietEnd",
    ]);
});

export const saveSettings = (
  db: Db,
  userId: string,
  changes: { quietStart?: number | null; quietEnd?: number | null; lastDigestAt?: Date },
) =>
  db
    .insertInto("notificationSettings")
    .values({ userId, ...changes })
    .onConflict((oc) => oc.column("userId").doUpdateSet(changes))
    .execute();
