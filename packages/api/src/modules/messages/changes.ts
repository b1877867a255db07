import type { DirectMessage } from "@p2p/schemas";
import type { AppDeps } from "../../deps";
import type { Principal } from "../../infra/auth/authenticator";
import { appError, fieldError, notFound } from "../../lib/errors";
import { markRead as markNotificationsRead } from "../notifications/read";
import { publishToUser } from "./channel";
import { toMessage } from "./dto";
import {
  deleteForEveryone,
  editBody,
  findParticipantMessage,
  hiddenFor,
  hideFor,
  lockForReactions,
  type MessageRow,
  reactionEmoji,
  setReaction,
  unreadTotalQuery,
} from "./repo";
import { assertNotBlocked } from "./send";

/**
 * Edits, deletes and reactions: by participants only; anyone else gets NOT_FOUND. An edit or a
 * reaction reaches the other participant, so a block between them refuses it as it refuses a new
 * message; deleting one's own message stays possible.
 */

const EDIT_WINDOW = { ms: 15 * 60 * 1000, label: "15 minutes" };
/** Different emoji on one message (Mattermost's default limit): the message's size stays bounded. */
export const MAX_REACTION_KINDS = 50;
const DELETE_FOR_EVERYONE_WINDOW = { ms: 24 * 60 * 60 * 1000, label: "24 hours" };

async function participantMessage(
  deps: AppDeps,
  caller: Principal,
  id: string,
  hiddenToo = false,
): Promise<MessageRow> {
  const message = await findParticipantMessage(deps.db, caller.userId, id, hiddenToo);
  if (!message) throw notFound("Message");
  return message;
}

function assertSenderWithin(
  message: MessageRow,
  caller: Principal,
  window: { ms: number; label: string },
  action: "edit a message" | "delete a message for everyone",
) {
  if (message.senderId !== caller.userId) throw appError("FORBIDDEN", `Only the sender can ${action}`);
  if (Date.now() - message.createdAt.getTime() > window.ms) {
    throw appError("FORBIDDEN", `You can ${action} only within ${window.label} of sending it`);
  }
}

const assertLive = (message: MessageRow) => {
  if (message.deletedAt) throw appError("CONFLICT", "This message was deleted");
};

/**
 * Tells both participants (all their devices) what the message looks like now, each as they may see
 * it (receipts), but one who deleted it for themselves; answers with the caller's view.
 */
async function updated(deps: AppDeps, caller: Principal, row: MessageRow): Promise<DirectMessage> {
  const participants = [row.senderId, row.recipientId];
  const [views, hidden] = await Promise.all([
    Promise.all(participants.map((userId) => toMessage(deps.db, userId, row))),
    hiddenFor(deps.db, row.id, participants),
  ]);
  await Promise.all(
    participants.map((userId, i) =>
      hidden.has(userId)
        ? null
        : publishToUser(deps, userId, { type: "message.updated", message: views[i] as DirectMessage }),
    ),
  );
  return views[participants.indexOf(caller.userId)] as DirectMessage;
}

export async function editMessage(deps: AppDeps, caller: Principal, input: { id: string; body: string }) {
  const message = await participantMessage(deps, caller, input.id);
  assertLive(message);
  assertSenderWithin(message, caller, EDIT_WINDOW, "edit a message");
  await assertNotBlocked(deps, caller.userId, message.recipientId);
  const row = await editBody(deps.db, message.id, input.body);
  if (!row) throw appError("CONFLICT", "This message was deleted");
  return updated(deps, caller, row);
}

/** For me: hidden from my history only. For everyone (the sender, within 24 hours): a tombstone for both. */
export async function deleteMessage(deps: AppDeps, caller: Principal, input: { id: string; forEveryone: boolean }) {
  // Deleting for me twice (a retry) is done, not NOT_FOUND.
  const message = await participantMessage(deps, caller, input.id, !input.forEveryone);
  if (!input.forEveryone) {
    await hideFor(deps.db, caller.userId, message.id);
    await publishToUser(deps, caller.userId, { type: "message.hidden", messageId: message.id });
    if (message.recipientId === caller.userId) await readReminderIfNoneUnread(deps, message);
    return { ok: true as const };
  }
  assertSenderWithin(message, caller, DELETE_FOR_EVERYONE_WINDOW, "delete a message for everyone");
  if (message.deletedAt) return { ok: true as const };
  await updated(deps, caller, await deleteForEveryone(deps.db, message.id));
  await readReminderIfNoneUnread(deps, message);
  return { ok: true as const };
}

/**
 * The last unread message from its sender gone (for everyone, or for the recipient): the "sent you
 * a message" reminder is read with it, as reading the conversation does, so the next one reminds again.
 */
async function readReminderIfNoneUnread(deps: AppDeps, message: MessageRow) {
  const unread = await unreadTotalQuery(deps.db, message.recipientId, message.senderId).executeTakeFirst();
  if (!unread?.n)
    await markNotificationsRead(deps, message.recipientId, {
      from: { type: "message.direct", actorId: message.senderId },
    });
}

/** One reaction per user per emoji: adding it twice or removing it when absent changes nothing. */
export async function react(
  deps: AppDeps,
  caller: Principal,
  input: { messageId: string; emoji: string },
  on: boolean,
) {
  const message = await participantMessage(deps, caller, input.messageId);
  assertLive(message);
  await assertNotBlocked(
    deps,
    caller.userId,
    message.senderId === caller.userId ? message.recipientId : message.senderId,
  );
  const changed = await deps.db.transaction().execute(async (trx) => {
    if (on) {
      // Under the message's lock, the limit of kinds holds for reactions added at once.
      await lockForReactions(trx, message.id);
      const { kinds, used } = await reactionEmoji(trx, message.id, input.emoji);
      if (!used && kinds >= MAX_REACTION_KINDS)
        throw fieldError("emoji", `A message takes at most ${MAX_REACTION_KINDS} different reactions`);
    }
    return setReaction(trx, message.id, caller.userId, input.emoji, on);
  });
  return changed ? updated(deps, caller, message) : toMessage(deps.db, caller.userId, message);
}
