/**
 * What each domain module declares for the server to pick up: Mongo indexes, background jobs, and
 * the account lookups the authenticator and the SuperTokens provider use. The composition root
 * (`compose.ts`) imports this file and nothing else under modules/ (apart from the routers, through
 * `trpc/router.ts`).
 */
import type { AccountLookup } from "../infra/auth/authenticator";
import type { ExternalAccounts } from "../infra/auth/supertokens";
import type { MongoIndexes } from "../infra/mongo/mongo";
import type { Db } from "../infra/postgres/db";
import { activityIndexes } from "./activity/repo";
import { findActiveKey, markUsed } from "./apiKeys/repo";
import { postIndexes } from "./forums/post-docs";
import { forumJobs } from "./forums/post-write";
import type { ModuleJob } from "./jobs";
import { emailVerifiedByExternalId, externalIdOf, findUserAuth, markActive } from "./users/repo";

/** Mongo indexes of every module; created at start (idempotent). */
export const mongoIndexes: MongoIndexes = {
  ...postIndexes,
  ...activityIndexes,
};

/** Jobs of every module; the server's worker runs them (see `startWorkers`). */
export const moduleJobs: ModuleJob[] = [...forumJobs];

/** Users and API keys as the authenticator sees them; their tables stay with their modules. */
export const accountLookup = (db: Db): AccountLookup => ({
  user: (id) => findUserAuth(db, id),
  markUserActive: (id, at) => markActive(db, id, at),
  apiKey: (id) => findActiveKey(db, id),
  markApiKeyUsed: (id, at) => markUsed(db, id, at),
});

/** Users as the SuperTokens provider sees them, when it is the identity provider. */
export const externalAccounts = (db: Db): ExternalAccounts => ({
  externalIdOf: (userId) => externalIdOf(db, userId),
  emailVerified: (externalId) => emailVerifiedByExternalId(db, externalId),
});
