import type { AcceptInvitationInput, CreateInvitationInput, Invitation, PageInput } from "@p2p/schemas";
import type { Selectable } from "kysely";
import { v7 as uuidv7 } from "uuid";
import type { z } from "zod";
import type { AppDeps } from "../../deps";
import { invalidateProfiles, type Principal } from "../../infra/auth/authenticator";
import { randomToken, sha256 } from "../../infra/auth/crypto";
import type { Db } from "../../infra/postgres/db";
import { isUniqueViolation } from "../../infra/postgres/errors";
import type { InvitationsTable } from "../../infra/postgres/schema";
import { consume } from "../../infra/ratelimit";
import { appError, notFound } from "../../lib/errors";
import { cursorKeys, decodeCursor, keyCursor, toPage } from "../../lib/pagination";
import type { RequestMeta } from "../../lib/request-meta";
import { recordAudit } from "../audit/repo";
import { assertPasswordAllowed, startSession } from "../auth/service";
import { dashboardChanged } from "../dashboard/invalidate";
import { notify } from "../notifications/create";
import { findOrganization } from "../organizations/repo";
import { findUser, findUserByEmail, insertUser } from "../users/repo";
import * as repo from "./repo";

const INVITATION_TTL_MS = 7 * 24 * 60 * 60 * 1000;

const emailTaken = () => appError("EMAIL_TAKEN", "An account with this email already exists");
const invalidToken = () => appError("INVALID_TOKEN", "This invitation is invalid, used or expired");

function toInvitation(row: Selectable<InvitationsTable>): Invitation {
  let status: Invitation["status"] = "pending";
  if (row.acceptedAt) status = "accepted";
  else if (row.revokedAt) status = "revoked";
  else if (row.expiresAt <= new Date()) status = "expired";
  return {
    id: row.id,
    email: row.email,
    role: row.role,
    status,
    invitedBy: row.invitedBy,
    expiresAt: row.expiresAt,
    createdAt: row.createdAt,
  };
}

/**
 * Emails a single-use link; a new invitation to the same address replaces the open one.
 *
 * The answer never tells whether the address already has an account (in any organization): such an
 * invitation is stored and answered like any other, with the same queries and writes, but its mail
 * tells the owner they already have an account and carries no link, so it can never be accepted.
 * Only a verified inviter may send invitations, at most `MAIL_PER_SENDER_PER_HOUR` an hour.
 */
export async function createInvitation(
  deps: AppDeps,
  admin: Principal,
  input: z.infer<typeof CreateInvitationInput>,
  ip: string | null,
) {
  const inviter = await findUser(deps.db, admin.userId);
  if (!inviter.emailVerifiedAt) {
    throw appError("FORBIDDEN", "Confirm your email address before inviting people", {
      reason: "EMAIL_NOT_VERIFIED",
    });
  }
  const sender = await consume(deps.rateLimits.mailPerSender, admin.userId);
  if (sender.rejected) {
    throw appError("RATE_LIMITED", `Too many invitations. Try again in ${sender.retryAfter} seconds.`, {
      retryAfter: sender.retryAfter,
    });
  }
  // Per inviting organization: one organization cannot hold up another's invitations to an address.
  const { rejected, retryAfter } = await consume(
    deps.rateLimits.emailsPerAddress,
    `invite:${admin.organizationId}:${input.email}`,
  );
  if (rejected) {
    throw appError("RATE_LIMITED", `Too many emails to this address. Try again in ${retryAfter} seconds.`, {
      retryAfter,
    });
  }
  const token = randomToken();
  try {
    return await deps.db.transaction().execute(async (trx) => {
      const [org, existing] = await Promise.all([
        findOrganization(trx, admin.organizationId),
        findUserByEmail(trx, input.email),
      ]);
      await repo.revokeUnused(trx, org.id, { email: input.email });
      const invitation = await repo.insertInvitation(trx, {
        id: uuidv7(),
        organizationId: org.id,
        email: input.email,
        role: input.role,
        tokenHash: sha256(token),
        invitedBy: admin.userId,
        expiresAt: new Date(Date.now() + INVITATION_TTL_MS),
      });
      const invited = `${inviter.firstName} ${inviter.lastName} invited you to join ${org.name} on P2P Sandbox.`;
      await deps.mail.send(
        {
          to: input.email,
          subject: `${inviter.firstName} ${inviter.lastName} invited you to ${org.name} on P2P Sandbox`,
          text: existing
            ? `${invited}\n\nThis address already has a P2P Sandbox account, and an account belongs to one organization, so this invitation cannot be accepted with it. To join ${org.name}, ask ${inviter.firstName} ${inviter.lastName} to invite another address of yours.\n\nIf you did not expect this, ignore this email.\n`
            : `${invited}\n\nOpen this link within 7 days to create your account:\n${deps.config.publicUrl}/accept-invite?token=${token}\n\nIf you did not expect this, ignore this email.\n`,
        },
        trx,
      );
      await audit(trx, admin, invitation, "invitations.created", ip);
      return toInvitation(invitation);
    });
  } catch (err) {
    // Two admins inviting the same address at the same moment: the unique index keeps one.
    if (isUniqueViolation(err)) throw appError("CONFLICT", "This address was just invited; see the invitation list");
    throw err;
  }
}

const audit = (
  db: Db,
  admin: Principal,
  invitation: { id: string; email: string },
  action: string,
  ip: string | null,
) =>
  recordAudit(db, {
    organizationId: admin.organizationId,
    actorId: admin.userId,
    action,
    targetType: "invitation",
    targetId: invitation.id,
    ip,
    metadata: { email: invitation.email },
  });

const InvitationCursor = keyCursor(cursorKeys.instant);

export async function listInvitations(db: Db, orgId: string, input: PageInput) {
  const after = decodeCursor(input.cursor, InvitationCursor);
  const rows = await repo.listRecentQuery(db, orgId, after, input.limit + 1).execute();
  return toPage(rows, input.limit, (r) => [r.createdAt.toISOString(), r.id], toInvitation);
}

/** Revoking an invitation that is already revoked or expired is a no-op; an accepted one is a conflict. */
export async function revokeInvitation(deps: AppDeps, admin: Principal, id: string, ip: string | null) {
  return deps.db.transaction().execute(async (trx) => {
    const [revoked] = await repo.revokeUnused(trx, admin.organizationId, { id });
    if (revoked) {
      await audit(trx, admin, revoked, "invitations.revoked", ip);
      return toInvitation(revoked);
    }
    const invitation = await repo.findInOrg(trx, admin.organizationId, id);
    if (!invitation) throw notFound("Invitation");
    if (invitation.acceptedAt) throw appError("CONFLICT", "This invitation was already accepted");
    return toInvitation(invitation);
  });
}

/** Creates the invited account (email verified: the link proves it) and signs it in. */
export async function acceptInvitation(deps: AppDeps, input: z.infer<typeof AcceptInvitationInput>, meta: RequestMeta) {
  const tokenHash = sha256(input.token);
  const pending = await repo.findUsable(deps.db, tokenHash);
  if (!pending) throw invalidToken();
  // Checked before the link is used up, so a refused password leaves the link working.
  assertPasswordAllowed(input.password, pending.email);
  const userId = uuidv7();
  // Hash (slow) before the transaction so it holds no locks while hashing.
  const credentials = await deps.identity.createCredentials({ id: userId, email: pending.email }, input.password);
  try {
    await deps.db.transaction().execute(async (trx) => {
      const invitation = await repo.markAccepted(trx, tokenHash);
      if (!invitation) throw invalidToken();
      await insertUser(trx, {
        id: userId,
        organizationId: invitation.organizationId,
        email: invitation.email,
        emailVerifiedAt: new Date(),
        firstName: input.firstName,
        lastName: input.lastName,
        role: invitation.role,
        ...credentials,
      });
      await recordAudit(trx, {
        organizationId: invitation.organizationId,
        actorId: userId,
        action: "invitations.accepted",
        targetType: "invitation",
        targetId: invitation.id,
        ip: meta.ip,
      });
      await notify(deps, trx, [
        {
          userId: invitation.invitedBy,
          type: "invitation.accepted",
          actorId: userId,
          subjectId: invitation.id,
          data: {},
        },
      ]);
    });
  } catch (err) {
    // The address signed up (or accepted another organization's invitation) in the meantime.
    if (isUniqueViolation(err)) throw emailTaken();
    throw err;
  }
  // A new person: every node drops what shows or searches people.
  await Promise.all([
    dashboardChanged(deps, { orgs: [pending.organizationId], platform: true }),
    invalidateProfiles(deps.events, [userId]),
  ]);
  return startSession(deps, userId, false, meta, input.tokenType);
}
