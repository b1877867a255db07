import { sql } from "kysely";
import type { Db } from "../../infra/postgres/db";
import { preparedQuery } from "../../infra/postgres/prepared";
import { authorColumn, personMatches, sortNameColumn } from "../users/authors";

/** Contacts (a personal, one-way address book) and blocks; both keyed by the person who made them. */

export const addContact = (db: Db, ownerId: string, contactId: string) =>
  db
    .insertInto("contacts")
    .values({ ownerId, contactId })
    .onConflict((oc) => oc.doNothing())
    .execute();

export const removeContact = (db: Db, ownerId: string, contactId: string) =>
  db.deleteFrom("contacts").where("ownerId", "=", ownerId).where("contactId", "=", contactId).execute();

/** One page of an address book by name (last, first; then id), optionally filtered by name or title. */
export function listContacts(
  db: Db,
  ownerId: string,
  q: string | undefined,
  after: [string, string] | null,
  limit: number,
) {
  return db
    .selectFrom("contacts as c")
    .select((eb) => [
      "c.createdAt as addedAt",
      "c.contactId",
      sortNameColumn(db, eb.ref("c.contactId")).as("sortName"),
      authorColumn(db, eb.ref("c.contactId")).as("person"),
    ])
    .where("c.ownerId", "=", ownerId)
    .where((eb) => personMatches(db, eb.ref("c.contactId"), { q, activeOnly: true }))
    .$if(after !== null, (qb) =>
      qb.where((eb) =>
        eb(
          eb.tuple(sortNameColumn(db, eb.ref("c.contactId")), eb.ref("c.contactId")),
          ">",
          eb.tuple(...(after as [string, string])),
        ),
      ),
    )
    .orderBy("sortName")
    .orderBy("c.contactId")
    .limit(limit + 1)
    .execute();
}

/** Everyone `ownerId` added (for the audience of their presence). */
export async function contactIdsOf(db: Db, ownerId: string): Promise<string[]> {
  const rows = await db.selectFrom("contacts").select("contactId").where("ownerId", "=", ownerId).execute();
  return rows.map((r) => r.contactId);
}

/** Which of `ownerIds` have `contactId` in their address book. */
export async function ownersOf(db: Db, contactId: string, ownerIds: readonly string[]): Promise<Set<string>> {
  if (!ownerIds.length) return new Set();
  const rows = await db
    .selectFrom("contacts")
    .select("ownerId")
    .where("contactId", "=", contactId)
    .where("ownerId", "in", ownerIds)
    .execute();
  return new Set(rows.map((r) => r.ownerId));
}

export const block = (db: Db, blockerId: string, blockedId: string) =>
  db
    .insertInto("blocks")
    .values({ blockerId, blockedId })
    .onConflict((oc) => oc.doNothing())
    .execute();

export const unblock = (db: Db, blockerId: string, blockedId: string) =>
  db.deleteFrom("blocks").where("blockerId", "=", blockerId).where("blockedId", "=", blockedId).execute();

/** Newest blocks first. */
export function listBlocked(db: Db, blockerId: string, after: [string, string] | null, limit: number) {
  let query = db
    .selectFrom("blocks as b")
    .select((eb) => ["b.createdAt", "b.blockedId", authorColumn(db, eb.ref("b.blockedId")).as("person")])
    .where("b.blockerId", "=", blockerId)
    .orderBy("b.createdAt", "desc")
    .orderBy("b.blockedId", "desc")
    .limit(limit + 1);
  if (after) {
    query = query.where((eb) =>
      eb(eb.refTuple("b.createdAt", "b.blockedId"), "<", eb.tuple(new Date(after[0]), after[1])),
    );
  }
  return query.execute();
}

/** Whether `blockerId` blocked `blockedId`. */
export async function hasBlocked(db: Db, blockerId: string, blockedId: string): Promise<boolean> {
  const row = await db
    .selectFrom("blocks")
    .select("blockerId")
    .where("blockerId", "=", blockerId)
    .where("blockedId", "=", blockedId)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Which of `others` blocked `userId` or were blocked by them, each with since when (the earlier
 * block when both did): what was true before a block stays as it was shown, what happens under it
 * does not cross it.
 */
export async function blockedEitherWay(db: Db, userId: string, others: readonly string[]): Promise<Map<string, Date>> {
  const since = new Map<string, Date>();
  if (!others.length) return since;
  const rows = await db
    .selectFrom("blocks")
    .select(["blockerId", "blockedId", "createdAt"])
    .where((eb) =>
      eb.or([
        eb.and([eb("blockerId", "=", userId), eb("blockedId", "in", others)]),
        eb.and([eb("blockedId", "=", userId), eb("blockerId", "in", others)]),
      ]),
    )
    .execute();
  for (const row of rows) {
    const other = row.blockerId === userId ? row.blockedId : row.blockerId;
    const earlier = since.get(other);
    if (!earlier || row.createdAt < earlier) since.set(other, row.createdAt);
  }
  return since;
}

const blockersQuery = preparedQuery("blockers_among", (db, actorId: string, userIds: readonly string[]) =>
  db
    .selectFrom("blocks")
    .select("blockerId")
    .where("blockedId", "=", actorId)
    .where(sql<boolean>`blocker_id = any(${userIds}::uuid[])`),
);

/** Which of `userIds` blocked `actorId`. */
export async function blockersAmong(db: Db, actorId: string, userIds: readonly string[]): Promise<Set<string>> {
  if (!userIds.length) return new Set();
  return new Set((await blockersQuery(db, actorId, userIds)).map((r) => r.blockerId));
}
