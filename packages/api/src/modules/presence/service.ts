import type { Author, Person, Presence } from "@p2p/schemas";
import type { AppDeps } from "../../deps";
import { defineChannel } from "../../infra/events/bus";
import type { PresenceScope } from "../../infra/presence/presence";
import { blockedEitherWay, contactIdsOf, ownersOf } from "../contacts/repo";
import { signalToUser } from "../messages/channel";
import { deliverWhatWaited } from "../messages/receipts";
import { peersAmong, peersOf } from "../messages/repo";
import { markSeen, type PresenceSettingsRow, saveSettings, settingsOf } from "./repo";

/**
 * Who is online. A user is online while they have at least one live personal stream (`me.onEvents`)
 * on any node: the same coalesced presence as a forum topic's viewers (infra/presence), keyed by
 * the user, so a flapping connection costs at most one announcement per interval. Their presence
 * is shown to people who have a conversation with them and to people they added as contacts,
 * unless they hide it or a block stands between them (either way).
 */
const SCOPE = "user";

/** Whether the user has a live connection on any node now. */
export const anyoneConnected = async (deps: AppDeps, userId: string) =>
  (await deps.presence.anyPresent(SCOPE, [userId]))[0] ?? false;

/** Counts one live connection of `userId` in; returns its leave. */
export const connect = (deps: AppDeps, userId: string) => deps.presence.join(SCOPE, userId, userId);

/** Tells the people who may see it that a user came online or went offline (infra/presence calls it). */
export const userPresence: PresenceScope<AppDeps> = {
  name: SCOPE,
  async publish(deps, userId, { count }) {
    if (count === 0) await markSeen(deps.db, userId, new Date());
    await announce(deps, userId);
  },
};

const status = (online: boolean, settings: PresenceSettingsRow): Presence["status"] =>
  !online ? "offline" : settings.away ? "away" : "online";

const unknown = (userId: string): Presence => ({ userId, status: "offline", lastSeenAt: null });

/**
 * Whether `userId`'s activity is kept from `viewerId`: they hide their presence, or a block stands
 * between the two (either way). A block looks exactly like hiding, so the blocked person can't
 * tell which it is (the blocker knows).
 */
const keptFrom = (viewerId: string, userId: string, settings: PresenceSettingsRow, blocked: Map<string, Date>) =>
  userId !== viewerId && (settings.hidden || blocked.has(userId));

/** Which of `userIds` keep their activity (online, last seen, last active) from `viewerId`. */
export async function activityKeptFrom(deps: AppDeps, viewerId: string, userIds: readonly string[]) {
  const [settings, blocked] = await Promise.all([
    settingsOf(deps.db, userIds),
    blockedEitherWay(deps.db, viewerId, userIds),
  ]);
  return new Set(userIds.filter((id) => keptFrom(viewerId, id, settings.get(id) as PresenceSettingsRow, blocked)));
}

/** The presence of `userIds` as `viewerId` may see it (see the rule above); in the order asked. */
export async function presenceFor(deps: AppDeps, viewerId: string, userIds: readonly string[]): Promise<Presence[]> {
  const ids = [...new Set(userIds)];
  const others = ids.filter((id) => id !== viewerId);
  const [settings, online, peers, addedViewer, blocked] = await Promise.all([
    settingsOf(deps.db, ids),
    deps.presence.anyPresent(SCOPE, ids),
    peersAmong(deps.db, viewerId, others),
    ownersOf(deps.db, viewerId, others),
    blockedEitherWay(deps.db, viewerId, others),
  ]);
  const byId = new Map<string, Presence>();
  ids.forEach((id, i) => {
    const s = settings.get(id) as PresenceSettingsRow;
    const visible = id === viewerId || (!keptFrom(viewerId, id, s, blocked) && (peers.has(id) || addedViewer.has(id)));
    byId.set(
      id,
      visible ? { userId: id, status: status(online[i] ?? false, s), lastSeenAt: s.lastSeenAt } : unknown(id),
    );
  });
  return userIds.map((id) => byId.get(id) ?? unknown(id));
}

/** People (display info) with their presence as `viewerId` sees it. */
export async function withPresence<T extends Author>(deps: AppDeps, viewerId: string, people: T[]) {
  const presence = await presenceFor(
    deps,
    viewerId,
    people.map((p) => p.id),
  );
  return people.map((p, i) => ({ ...p, presence: presence[i] ?? unknown(p.id) })) satisfies Person[];
}

/**
 * The caller's own presence choices; changing them tells their audience at once. Showing oneself
 * again while connected delivers what reached one's apps while hidden (messages/receipts.ts).
 */
export async function updatePresence(deps: AppDeps, userId: string, changes: { away?: boolean; hidden?: boolean }) {
  const wasHidden = changes.hidden === false && (await settingsOf(deps.db, [userId])).get(userId)?.hidden;
  const { away, hidden } = await saveSettings(deps.db, userId, changes);
  const deliver = wasHidden && !hidden && (await anyoneConnected(deps, userId));
  await Promise.all([
    announce(deps, userId),
    deps.events.broadcast(presenceChoicesChanged, "all", { userId }),
    deliver ? deliverWhatWaited(deps, userId) : null,
  ]);
  return { away, hidden };
}

/** Someone changed their presence choices: every node shows them again where it lists viewers. */
export const presenceChoicesChanged = defineChannel<{ userId: string }>("presence.choices");

/**
 * Sends a user's presence to everyone who may see it (conversation peers and their own contacts,
 * without anyone blocked either way): online, away, or offline with the last-seen time. A hidden
 * user is announced as offline without a time, like someone never seen.
 */
export async function announce(deps: AppDeps, userId: string): Promise<void> {
  const [peers, contacts, settings, [online]] = await Promise.all([
    peersOf(deps.db, userId),
    contactIdsOf(deps.db, userId),
    settingsOf(deps.db, [userId]),
    deps.presence.anyPresent(SCOPE, [userId]),
  ]);
  const audience = [...new Set([...peers, ...contacts])];
  const blocked = await blockedEitherWay(deps.db, userId, audience);
  const s = settings.get(userId) as PresenceSettingsRow;
  const presence: Presence = s.hidden
    ? unknown(userId)
    : { userId, status: status(online ?? false, s), lastSeenAt: s.lastSeenAt };
  await Promise.all(
    audience.filter((id) => !blocked.has(id)).map((id) => signalToUser(deps, id, { type: "presence", presence })),
  );
}

/** After a block, each of the two sees the other as unknown (offline, never seen). */
export const hideFromEachOther = (deps: AppDeps, a: string, b: string) =>
  Promise.all([
    signalToUser(deps, a, { type: "presence", presence: unknown(b) }),
    signalToUser(deps, b, { type: "presence", presence: unknown(a) }),
  ]);
