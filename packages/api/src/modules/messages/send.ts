import type { DirectMessage, SendMessageInput } from "@p2p/schemas";
import { v7 as uuidv7 } from "uuid";
import type { z } from "zod";
import type { AppDeps } from "../../deps";
import type { Principal } from "../../infra/auth/authenticator";
import { consume } from "../../infra/ratelimit";
import { appError, fieldError } from "../../lib/errors";
import { createOnce, requestHash } from "../../lib/idempotency";
import { rateLimited } from "../auth/attempts";
import { hasBlocked } from "../contacts/repo";
import { assertOwnFiles, holdOwnFiles } from "../files/service";
import { activeUserIds } from "../users/repo";
import { publishToUser } from "./channel";
import { toMessage } from "./dto";
import { stopTyping } from "./live";
import { remindLater } from "./notifications";
import { findByClientId, insertMessage, touchConversation } from "./repo";

/** Someone who blocked the sender answers like an unknown or deactivated person: a block can't be detected. */
export const cannotReceive = () => appError("NOT_FOUND", "This person can't receive messages");

/**
 * Refuses what would reach `otherId` from the caller (a message, an edit, a reaction) while either
 * blocks the other: their block answers like an unknown person, the caller's own says so.
 */
export async function assertNotBlocked(deps: AppDeps, callerId: string, otherId: string): Promise<void> {
  const [theyBlocked, iBlocked] = await Promise.all([
    hasBlocked(deps.db, otherId, callerId),
    hasBlocked(deps.db, callerId, otherId),
  ]);
  if (theyBlocked) throw cannotReceive();
  if (iBlocked) throw appError("FORBIDDEN", "You blocked this person; unblock them to message them");
}

/**
 * Sends a direct message. Idempotent on (sender, clientMessageId): a retried send returns the same
 * message, also when two retries race (the unique key decides); the key with another send (text,
 * attachments or recipient) is CONFLICT (lib/idempotency.ts).
 */
export async function sendMessage(
  deps: AppDeps,
  caller: Principal,
  input: z.output<typeof SendMessageInput>,
): Promise<DirectMessage> {
  const senderId = caller.userId;
  if (input.recipientId === senderId) throw fieldError("recipientId", "You can't message yourself");
  const hash = requestHash({ recipientId: input.recipientId, body: input.body, attachmentIds: input.attachmentIds });
  return createOnce({
    key: input.clientMessageId,
    hash,
    find: (key) => findByClientId(deps.db, senderId, key),
    create: () => writeMessage(deps, senderId, input, hash),
    replay: (row) => toMessage(deps.db, senderId, row),
  });
}

/**
 * The first send of a message; undefined when a concurrent send with its key committed first. The
 * message and both participants' conversation rows are one transaction; the live events follow the
 * commit.
 */
async function writeMessage(
  deps: AppDeps,
  senderId: string,
  input: z.output<typeof SendMessageInput>,
  requestHash: string,
): Promise<DirectMessage | undefined> {
  const [active] = await Promise.all([
    activeUserIds(deps.db, [input.recipientId]),
    assertNotBlocked(deps, senderId, input.recipientId),
  ]);
  if (!active.has(input.recipientId)) throw cannotReceive();
  await assertOwnFiles(deps.db, senderId, input.attachmentIds);

  const row = await deps.db.transaction().execute(async (trx) => {
    await holdOwnFiles(trx, senderId, input.attachmentIds);
    const inserted = await insertMessage(trx, {
      id: uuidv7(),
      senderId,
      recipientId: input.recipientId,
      clientMessageId: input.clientMessageId,
      requestHash,
      body: input.body,
      attachmentIds: input.attachmentIds,
      // Milliseconds, as clients see it: cursors and read markers compare it exactly.
      createdAt: new Date(),
    });
    if (!inserted) return undefined;
    // Counted only by the send that writes the message (a refusal rolls it back): a retry, also
    // one racing the first attempt, waits for it on the unique key and costs nothing.
    const limits = await Promise.all(deps.rateLimits.messagesPerUser.map((limiter) => consume(limiter, senderId)));
    const retryAfter = Math.max(...limits.filter((l) => l.rejected).map((l) => l.retryAfter));
    if (retryAfter > -Infinity) throw rateLimited("messages", retryAfter);
    await touchConversation(trx, senderId, input.recipientId, inserted.createdAt);
    return inserted;
  });
  if (!row) return undefined;

  // New: no receipts yet, so both participants see the same message.
  const message = await toMessage(deps.db, senderId, row);
  await Promise.all([
    publishToUser(deps, input.recipientId, { type: "message.new", message }),
    publishToUser(deps, senderId, { type: "message.new", message }),
    stopTyping(deps, senderId, input.recipientId),
    remindLater(deps, row),
  ]);
  return message;
}
