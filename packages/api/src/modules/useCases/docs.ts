import type { Outcomes, Vendor } from "@p2p/schemas";
import type { Collection } from "mongodb";
import type { Mongo } from "../../deps";
import type { MongoIndexes } from "../../infra/mongo/mongo";

/** A use case's rich content, in MongoDB under the same id as its PostgreSQL row. */
export interface UseCaseContent {
  problem: string;
  solution: string;
  outcomes: Outcomes | null;
  vendor: Vendor | null;
}

export const EMPTY_CONTENT: UseCaseContent = { problem: "", solution: "", outcomes: null, vendor: null };

export interface MediaItem {
  fileId: string;
  caption: string;
}

export interface UseCaseDoc {
  _id: string;
  /** The content revision `content` is; the PostgreSQL row names the revision that counts. */
  rev: string | null;
  content: UseCaseContent | null;
  /** A revision being written (the two-phase write in write.ts): it counts once the row names it. */
  pending: { rev: string; content: UseCaseContent; at: Date } | null;
  /** In display order. */
  media: MediaItem[];
}

const COLLECTION = "use_case_docs";
export const useCaseDocIndexes: MongoIndexes = {
  [COLLECTION]: [{ key: { "pending.at": 1 } }],
};

export const docsOf = (mongo: Mongo): Collection<UseCaseDoc> => mongo.db.collection<UseCaseDoc>(COLLECTION);

/** The content the row's revision names: the released one, or the pending one once its row committed. */
export function contentAt(doc: UseCaseDoc | null | undefined, rev: string): UseCaseContent {
  if (doc?.rev === rev && doc.content) return doc.content;
  if (doc?.pending?.rev === rev) return doc.pending.content;
  return doc?.content ?? EMPTY_CONTENT;
}
