import { v7 as uuidv7 } from "uuid";
import type { Mongo, MongoIndexes } from "../../infra/mongo/mongo";
import { groupedWrites } from "../../lib/concurrency";

/** One thing that happened, for the dashboard's activity feed. */
export interface ActivityEvent {
  _id: string;
  type: string;
  actorId: string;
  organizationId: string;
  /** Who may see it: everyone signed in, or only the actor's organization. */
  visibility: "platform" | "organization";
  subjectId: string;
  data: Record<string, unknown>;
  createdAt: Date;
}

export const ACTIVITY = "activity";
export const activityIndexes: MongoIndexes = {
  [ACTIVITY]: [
    { key: { createdAt: -1 } },
    { key: { organizationId: 1, createdAt: -1 } },
    { key: { actorId: 1, createdAt: -1 } },
    // The dashboard's feeds page by id (time-ordered v7) within one actor, organization or visibility.
    { key: { actorId: 1, _id: -1 } },
    { key: { organizationId: 1, _id: -1 } },
    { key: { visibility: 1, _id: -1 } },
    { key: { type: 1, createdAt: -1 } },
  ],
};

const activityOf = (mongo: Mongo) => mongo.db.collection<ActivityEvent>(ACTIVITY);

/**
 * Events being stored, per MongoDB client: those recorded while one insert is under way go
 * together in the next (every reply and like records one; on FerretDB each insert is a transaction
 * of its own in PostgreSQL).
 */
const inserts = new WeakMap<Mongo, (event: ActivityEvent) => Promise<void>>();

/** Stores one event; answers it as stored. */
export async function recordActivity(
  mongo: Mongo,
  event: Omit<ActivityEvent, "_id" | "createdAt">,
): Promise<ActivityEvent> {
  const stored = { _id: uuidv7(), createdAt: new Date(), ...event };
  let insert = inserts.get(mongo);
  if (!insert) {
    insert = groupedWrites(async (events) => {
      await activityOf(mongo).insertMany(events);
    });
    inserts.set(mongo, insert);
  }
  await insert(stored);
  return stored;
}

/**
 * Events of one actor, organization or visibility, of these types, newest first, before the id
 * `before` (a keyset: ids are time-ordered), at most `limit`.
 */
export function listActivity(
  mongo: Mongo,
  filter: { actorId?: string; organizationId?: string; visibility?: "platform" },
  types: readonly string[],
  before: string | null,
  limit: number,
) {
  return activityOf(mongo)
    .find({ ...filter, type: { $in: [...types] }, ...(before ? { _id: { $lt: before } } : {}) })
    .sort({ _id: -1 })
    .limit(limit)
    .toArray();
}

/** Events of one type since `since` (the trending job's best answers): subject, data and time only. */
export const activitySince = (mongo: Mongo, type: string, since: Date) =>
  activityOf(mongo)
    .find({ type, createdAt: { $gte: since } }, { projection: { _id: 0, subjectId: 1, data: 1, createdAt: 1 } })
    .toArray();
