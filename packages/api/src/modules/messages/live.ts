import type { MyEvent } from "@p2p/schemas";
import type { AppDeps } from "../../deps";
import type { Principal } from "../../infra/auth/authenticator";
import type { BusEvent, Resync } from "../../infra/events/bus";
import { streamChannel, withCurrentSubjects } from "../../infra/events/stream";
import { typingEnded, typingStarted } from "../../infra/presence/typing";
import { wrapIterator } from "../../lib/iterators";
import { blockedEitherWay } from "../contacts/repo";
import { connect } from "../presence/service";
import { activeUserIds } from "../users/repo";
import { personalChannel, signalToUser } from "./channel";
import { toMessages } from "./dto";
import { confirmDelivery } from "./receipts";
import { findMessagesShownTo } from "./repo";

// ---------------------------------------------------------------- typing

/**
 * Tells `userId` the caller is typing to them: at most one signal every few seconds; clients end
 * it after a few seconds without another. Nothing is sent across a block (either way), and the
 * answer is the same, so the caller can't tell.
 */
export async function setTyping(deps: AppDeps, caller: Principal, userId: string) {
  const [active, blocked] = await Promise.all([
    activeUserIds(deps.db, [userId]),
    blockedEitherWay(deps.db, caller.userId, [userId]),
  ]);
  if (userId === caller.userId || !active.has(userId) || blocked.size) return { ok: true as const };
  if (await typingStarted(deps.redis, "dm", `${caller.userId}:${userId}`))
    await signalToUser(deps, userId, { type: "typing", userId: caller.userId, active: true });
  return { ok: true as const };
}

/** Sending ends "typing" at once. */
export async function stopTyping(deps: AppDeps, from: string, to: string) {
  if (await typingEnded(deps.redis, "dm", `${from}:${to}`)) {
    await signalToUser(deps, to, { type: "typing", userId: from, active: false });
  }
}

// ---------------------------------------------------------------- the personal stream

/**
 * The caller's personal stream, resumable from `lastEventId` (infra/events/stream). While it is open
 * the caller is online (presence), and each new message to them it carries is confirmed delivered.
 */
export function myEvents(
  deps: AppDeps,
  caller: Principal,
  input: { lastEventId?: string | null },
  signal?: AbortSignal,
) {
  const { userId } = caller;
  const stream = streamChannel(deps.events, personalChannel, userId, {
    lastEventId: input.lastEventId,
    signal,
    current: (events) => messagesAsTheyAreNow(deps, userId, events),
  });
  return wrapIterator(stream, {
    start: () => connect(deps, userId),
    map: (event: BusEvent<MyEvent | Resync>) => {
      const { data } = event;
      if (data.type === "message.new" && data.message.recipientId === userId && data.message.status === "sent") {
        confirmDelivery(deps, userId, data.message.id);
      }
      return event;
    },
  });
}

/**
 * Replayed message events with each message as it is now (edited; deleted for everyone: a
 * tombstone), so resuming from an old id brings back no text its sender took back; one the caller
 * deleted for themselves since is left out.
 */
const messagesAsTheyAreNow = (deps: AppDeps, userId: string, events: BusEvent<MyEvent>[]) =>
  withCurrentSubjects(
    events,
    (data) => (data.type === "message.new" || data.type === "message.updated" ? data.message.id : null),
    async (ids) =>
      new Map(
        (await toMessages(deps.db, userId, await findMessagesShownTo(deps.db, userId, ids))).map((m) => [m.id, m]),
      ),
    (data, message) => ({ type: (data as MessageEvent).type, message }),
  );

type MessageEvent = Extract<MyEvent, { type: "message.new" | "message.updated" }>;
