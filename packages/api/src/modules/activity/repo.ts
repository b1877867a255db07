import { v7 as uuidv7 } from "uuid";
import type { Mongo, MongoIndexes } from "../../infra/mongo/mongo";

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
  ],
};

export async function recordActivity(mongo: Mongo, event: Omit<ActivityEvent, "_id" | "createdAt">): Promise<void> {
  await mongo.db.collection<ActivityEvent>(ACTIVITY).insertOne({ _id: uuidv7(), createdAt: new Date(), ...event });
}
