import { type ExpressionBuilder, type Insertable, sql } from "kysely";
import type { Db } from "../../infra/postgres/db";
import type { Database, InvitationsTable } from "../../infra/postgres/schema";

const RECENT_MS = 30 * 24 * 60 * 60 * 1000;

type Row = ExpressionBuilder<Database, "invitations">;

/** Neither accepted nor revoked: what the one-open-invitation-per-address unique index counts. */
const unused = (eb: Row) => eb.and([eb("acceptedAt", "is", null), eb("revokedAt", "is", null)]);
/** Still usable. Checked on the updated row itself, so of two concurrent uses of a link only one passes. */
const usable = (eb: Row) => eb.and([unused(eb), eb("expiresAt", ">", sql<Date>`now()`)]);

export const findUsable = (db: Db, tokenHash: string) =>
  db.selectFrom("invitations").selectAll().where("tokenHash", "=", tokenHash).where(usable).executeTakeFirst();

export const markAccepted = (db: Db, tokenHash: string) =>
  db
    .updateTable("invitations")
    .set({ acceptedAt: new Date() })
    .where("tokenHash", "=", tokenHash)
    .where(usable)
    .returningAll()
    .executeTakeFirst();

/** Revokes unused invitations of an organization, all to one address or the one with `id`. */
export const revokeUnused = (db: Db, orgId: string, which: { email: string } | { id: string }) =>
  db
    .updateTable("invitations")
    .set({ revokedAt: new Date() })
    .where("organizationId", "=", orgId)
    .where(unused)
    .where((eb) => ("id" in which ? eb("id", "=", which.id) : eb("email", "=", which.email.toLowerCase())))
    .returningAll()
    .execute();

/** Revokes the unused invitations one admin sent in an organization (on deactivation). */
export const revokeUnusedSentBy = (db: Db, orgId: string, invitedBy: string) =>
  db
    .updateTable("invitations")
    .set({ revokedAt: new Date() })
    .where("organizationId", "=", orgId)
    .where("invitedBy", "=", invitedBy)
    .where(unused)
    .returning("id")
    .execute();

export const insertInvitation = (db: Db, values: Insertable<InvitationsTable>) =>
  db.insertInto("invitations").values(values).returningAll().executeTakeFirstOrThrow();

export const findInOrg = (db: Db, orgId: string, id: string) =>
  db.selectFrom("invitations").selectAll().where("organizationId", "=", orgId).where("id", "=", id).executeTakeFirst();

/**
 * A page of the last 30 days of invitations (every open one: they last 7 days; and what became of
 * recent ones), newest first after `after` ([createdAt, id]): a range of invitations_org_page.
 */
export const listRecentQuery = (db: Db, orgId: string, after: readonly [string, string] | null, limit: number) => {
  let query = db
    .selectFrom("invitations")
    .selectAll()
    .where("organizationId", "=", orgId)
    .where("createdAt", ">", new Date(Date.now() - RECENT_MS))
    .orderBy("createdAt", "desc")
    .orderBy("id", "desc")
    .limit(limit);
  if (after)
    query = query.where((eb) => eb(eb.refTuple("createdAt", "id"), "<", eb.tuple(new Date(after[0]), after[1])));
  return query;
};
