import type { Db } from "../../infra/postgres/db";

export interface PresenceSettingsRow {
  away: boolean;
  hidden: boolean;
  lastSeenAt: Date | null;
}

const NONE: PresenceSettingsRow = { away: false, hidden: false, lastSeenAt: null };

/** Presence choices and last-seen times of many users in one query; users without a row get defaults. */
export async function settingsOf(db: Db, userIds: readonly string[]): Promise<Map<string, PresenceSettingsRow>> {
  const rows = userIds.length
    ? await db
        .selectFrom("presenceSettings")
        .select(["userId", "away", "hidden", "lastSeenAt"])
        .where("userId", "in", userIds)
        .execute()
    : [];
  const found = new Map(rows.map(({ userId, ...row }) => [userId, row]));
  return new Map(userIds.map((id) => [id, found.get(id) ?? NONE]));
}

export const saveSettings = (db: Db, userId: string, changes: { away?: boolean; hidden?: boolean }) =>
  db
    .insertInto("presenceSettings")
    .values({ userId, ...changes })
    .onConflict((oc) => oc.column("userId").doUpdateSet(changes))
    .returning(["away", "hidden", "lastSeenAt"])
    .executeTakeFirstOrThrow();

/** The last time the user was connected (kept when they go offline); not while they hide it. */
export const markSeen = (db: Db, userId: string, at: Date) =>
  db
    .insertInto("presenceSettings")
    .values({ userId, lastSeenAt: at })
    .onConflict((oc) =>
      oc.column("userId").doUpdateSet({ lastSeenAt: at }).where("presenceSettings.hidden", "=", false),
    )
    .execute();
