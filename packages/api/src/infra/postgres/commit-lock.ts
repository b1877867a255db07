import { sql } from "kysely";
import type { Db } from "./db";

/**
 * Work a job does for rows a transaction wrote must not start before that transaction commits (the
 * job would find nothing) nor after a rollback (it must find nothing). The writer holds a
 * transaction-scoped advisory lock on a key for what it wrote; the job takes the same lock before
 * reading, so it waits for the commit and then sees the committed rows, or none.
 */

/** In the writer's transaction (a no-op outside one). */
export async function lockUntilCommit(db: Db, namespace: number, key: string): Promise<void> {
  if (db.isTransaction) await sql`select pg_advisory_xact_lock(${namespace}, hashtext(${key}))`.execute(db);
}

/** In the job: `read` runs once the writer holding the key has ended. A writer open past 5 s fails the attempt (jobs retry). */
export function readAfterCommit<T>(db: Db, namespace: number, key: string, read: (trx: Db) => Promise<T>): Promise<T> {
  return db.transaction().execute(async (trx) => {
    // One round trip: the time limit is set (for this transaction) before the lock is asked for.
    await sql`select pg_advisory_xact_lock(${namespace}, hashtext(${key}))
      from (select set_config('lock_timeout', '5s', true)) as limited`.execute(trx);
    return read(trx);
  });
}
