import type { MongoIndexes } from "../infra/mongo/mongo";
import { ACTIVITY, activityIndexes } from "./activity/repo";
import { postIndexes } from "./forums/posts";

/** Mongo indexes declared by every domain module; created at start (idempotent). */
export const mongoIndexes: MongoIndexes = {
  ...postIndexes,
  [ACTIVITY]: activityIndexes,
};
