import { type InsertObject, type RawBuilder, type SqlBool, sql, type UpdateObject } from "kysely";
import type { Db } from "../../infra/postgres/db";
import type { Database } from "../../infra/postgres/schema";
import { queryText } from "../../lib/search-text";

/**
 * Start of the owner's today and tomorrow (of the day `at`, by default now), as instants: their
 * time zone's midnights. The day is added in local time: a day with a daylight-saving change is 23
 * or 25 hours long. Exported for its test.
 */
export const today = (tz: string, at: RawBuilder<Date> = sql`now()`) =>
  sql<Date>`(date_trunc('day', ${at} at time zone ${tz}) at time zone ${tz})`;
export const tomorrow = (tz: string, at: RawBuilder<Date> = sql`now()`) =>
  sql<Date>`((date_trunc('day', ${at} at time zone ${tz}) + interval '1 day') at time zone ${tz})`;

/** Computed per row in the owner's time zone. */
const flags = (tz: string) =>
  [
    sql<boolean>`(completed_at is null and due_at < now())`.as("overdue"),
    sql<boolean>`(due_at >= ${today(tz)} and due_at < ${tomorrow(tz)})`.as("dueToday"),
  ] as const;

const columns = [
  "id",
  "ownerId",
  "title",
  "description",
  "dueAt",
  "priority",
  "tags",
  "linkKind",
  "linkId",
  "remindAt",
  "completedAt",
  "createdAt",
  "updatedAt",
] as const;

/** Inserts unless the owner's client key already made a task (tasks_client_key); answers the id, or undefined for a retry. */
export const insertTask = async (db: Db, task: InsertObject<Database, "tasks">) =>
  (
    await db
      .insertInto("tasks")
      .values(task)
      .onConflict((oc) =>
        oc.columns(["ownerId", "clientMessageId"]).where("clientMessageId", "is not", null).doNothing(),
      )
      .returning("id")
      .executeTakeFirst()
  )?.id;

/** The owner's task made with this client key (tasks_client_key), and the fingerprint of its request. */
export const findTaskByClientKey = (db: Db, ownerId: string, clientMessageId: string) =>
  db
    .selectFrom("tasks")
    .select(["id", "requestHash"])
    .where("ownerId", "=", ownerId)
    .where("clientMessageId", "=", clientMessageId)
    .executeTakeFirst();

/** The owner's task, or undefined (someone else's is as absent as a missing one). */
export const findTask = (db: Db, ownerId: string, id: string, tz: string) =>
  db
    .selectFrom("tasks")
    .select(columns)
    .select(flags(tz))
    .where("id", "=", id)
    .where("ownerId", "=", ownerId)
    .executeTakeFirst();

export type TaskRow = NonNullable<Awaited<ReturnType<typeof findTask>>>;

export const updateTask = (db: Db, ownerId: string, id: string, changes: UpdateObject<Database, "tasks">) =>
  db
    .updateTable("tasks")
    .set({ ...changes, updatedAt: new Date() })
    .where("id", "=", id)
    .where("ownerId", "=", ownerId)
    .executeTakeFirst();

export async function deleteTask(db: Db, ownerId: string, id: string): Promise<boolean> {
  const result = await db.deleteFrom("tasks").where("id", "=", id).where("ownerId", "=", ownerId).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** A time zone's name, or an expression giving it (the owner's as stored: users/repo `timezoneColumn`). */
type Zone = string | RawBuilder<string>;

/** 9:00 on the due day in the owner's time zone: the default reminder. */
export const defaultRemindAt = (dueAt: Date, tz: Zone) => nineOnTheDay(sql`${dueAt}::timestamptz`, tz);

const nineOnTheDay = (due: RawBuilder<unknown>, tz: Zone) =>
  sql<Date>`(date_trunc('day', ${due} at time zone ${tz}) + interval '9 hours') at time zone ${tz}`;

/**
 * After the owner's time zone changed from `from` to `to`, in one statement: the default reminder
 * of each open task (9:00 on the due day in `from`) becomes 9:00 in `to`; a chosen time stays, and
 * one already sent is not sent again. Runs in the transaction that changes the zone, under the
 * user's row lock that task writes wait for (they read the zone with `timezoneColumn`).
 */
export const followTimezone = (db: Db, ownerId: string, from: string, to: string) =>
  db
    .updateTable("tasks")
    .set({ remindAt: nineOnTheDay(sql`due_at`, to) })
    .where("ownerId", "=", ownerId)
    .where("completedAt", "is", null)
    .where("remindAt", "=", nineOnTheDay(sql`due_at`, from))
    .execute();

/**
 * The reminder after the due date moves to `dueAt` (an update's SET: the columns hold the old
 * values): the default one follows the due date, one set to no reminder stays off, and a chosen time
 * moves with the due date (two days before stays two days before); one chosen before there was a
 * due date stays as it is.
 */
export const movedReminder = (dueAt: Date | null, tz: Zone) => sql<Date | null>`case
    when due_at is null then coalesce(remind_at, ${dueAt === null ? sql`null` : defaultRemindAt(dueAt, tz)})
    when remind_at is null then null
    when remind_at = ${nineOnTheDay(sql`due_at`, tz)} then ${dueAt === null ? sql`null` : defaultRemindAt(dueAt, tz)}
    else remind_at + (${dueAt}::timestamptz - due_at)
  end`;

export interface TaskFilter {
  completed?: boolean;
  dueBefore?: Date;
  dueAfter?: Date;
  overdue?: boolean;
  dueToday?: boolean;
  priority?: number;
  tag?: string;
  q?: string;
}

type Sort = "created" | "due" | "priority" | "title";

/**
 * The sort key of each sort and order (the expression the matching index is on). Undated tasks
 * come last both ways: their due key is 'infinity' going forward and '-infinity' going back.
 */
const sortKey = (sort: Sort, order: "asc" | "desc"): RawBuilder<unknown> =>
  ({
    created: sql`created_at`,
    due:
      order === "asc"
        ? sql`coalesce(due_at, 'infinity'::timestamptz)`
        : sql`coalesce(due_at, '-infinity'::timestamptz)`,
    priority: sql`priority`,
    title: sql`lower(title)`,
  })[sort];

function filtered(db: Db, ownerId: string, f: TaskFilter, tz: string) {
  let query = db.selectFrom("tasks").where("ownerId", "=", ownerId);
  if (f.completed !== undefined) query = query.where("completedAt", f.completed ? "is not" : "is", null);
  if (f.dueBefore) query = query.where("dueAt", "<", f.dueBefore);
  if (f.dueAfter) query = query.where("dueAt", ">", f.dueAfter);
  if (f.overdue !== undefined) {
    const overdue = sql<SqlBool>`(completed_at is null and due_at < now())`;
    query = query.where(f.overdue ? overdue : sql<SqlBool>`not coalesce(${overdue}, false)`);
  }
  if (f.dueToday !== undefined) {
    const due = sql<SqlBool>`(due_at >= ${today(tz)} and due_at < ${tomorrow(tz)})`;
    query = query.where(f.dueToday ? due : sql<SqlBool>`not coalesce(${due}, false)`);
  }
  if (f.priority) query = query.where("priority", "=", f.priority);
  // Tags and words are matched with the owner inside one GIN index (tasks_owner_search): a GIN index
  // over all users' tags alone made the planner read a common tag's rows of everyone (a count: 112
  // ms at 1M). A common tag still walks the sort's btree index.
  if (f.tag) query = query.where(sql<SqlBool>`tags @> array[${f.tag}]::text[]`);
  if (f.q) {
    query = query.where(
      sql<SqlBool>`(document @@ websearch_to_tsquery('english', ${queryText(f.q)}) or document @@ websearch_to_tsquery('arabic', ${queryText(f.q)}))`,
    );
  }
  return query;
}

/** One page of the owner's tasks, filtered, in the chosen order (keyset on the sort key and id). */
export function listTasks(
  db: Db,
  ownerId: string,
  f: TaskFilter & { sort: Sort; order: "asc" | "desc" },
  tz: string,
  cursor: [string | number, string] | null,
  limit: number,
) {
  const key = sortKey(f.sort, f.order);
  let query = filtered(db, ownerId, f, tz)
    .select(columns)
    .select(flags(tz))
    .select(key.as("sortKey"))
    .orderBy(key, f.order)
    .orderBy("id", f.order)
    .limit(limit + 1);
  if (cursor) {
    const op = sql.raw(f.order === "asc" ? ">" : "<");
    const value = f.sort === "due" || f.sort === "created" ? sql`${cursor[0]}::timestamptz` : sql`${cursor[0]}`;
    query = query.where(sql<SqlBool>`(${key}, id) ${op} (${value}, ${cursor[1]}::uuid)`);
  }
  return query.execute();
}

export async function countTasks(db: Db, ownerId: string, f: TaskFilter, tz: string): Promise<number> {
  const row = await filtered(db, ownerId, f, tz).select(sql<number>`count(*)::int`.as("n")).executeTakeFirstOrThrow();
  return row.n;
}

/** Open, overdue and due-today tasks of one person (for their dashboard). */
export const taskCountsQuery = (db: Db, userId: string, tz: string) =>
  db
    .selectFrom("tasks")
    .select([
      sql<number>`count(*)::int`.as("open"),
      sql<number>`(count(*) filter (where due_at < now()))::int`.as("overdue"),
      sql<number>`(count(*) filter (where due_at >= ${today(tz)} and due_at < ${tomorrow(tz)}))::int`.as("dueToday"),
    ])
    .where("ownerId", "=", userId)
    .where("completedAt", "is", null);

/** The owner's tasks matching a text query, best first (for global search). */
export const searchTasks = (db: Db, ownerId: string, q: string, limit: number) =>
  filtered(db, ownerId, { q }, "UTC")
    .select(["id", "title", "description", "dueAt", "completedAt"])
    .select(
      sql<number>`ts_rank(document, websearch_to_tsquery('english', ${queryText(q)}) || websearch_to_tsquery('arabic', ${queryText(q)}))`.as(
        "rank",
      ),
    )
    .orderBy("rank", "desc")
    .orderBy("id", "desc")
    .limit(limit)
    .execute();

/** Reminders due now, locked for this runner (another node skips them). */
export const claimDueReminders = (db: Db, limit: number) =>
  db
    .selectFrom("tasks")
    .select(["id", "ownerId", "title", "dueAt"])
    .where("remindAt", "<=", new Date())
    .where("remindedAt", "is", null)
    .where("completedAt", "is", null)
    .orderBy("remindAt")
    .limit(limit)
    .forUpdate()
    .skipLocked()
    .execute();

export const markReminded = (db: Db, ids: readonly string[]) =>
  ids.length ? db.updateTable("tasks").set({ remindedAt: new Date() }).where("id", "in", ids).execute() : null;

export const findTasksById = (db: Db, ids: readonly string[]) =>
  ids.length ? db.selectFrom("tasks").select(["id", "title"]).where("id", "in", ids).execute() : Promise.resolve([]);
