import type { MongoIndexes } from "../infra/mongo/mongo";

/** Mongo indexes declared by every domain module; created at start (idempotent). */
export const mongoIndexes: MongoIndexes = {};
