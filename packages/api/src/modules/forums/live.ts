import type { TopicEvent } from "@p2p/schemas";
import type { AppDeps } from "../../deps";
import type { Principal } from "../../infra/auth/authenticator";
import { type BusEvent, defineChannel, RESYNC, type Resync } from "../../infra/events/bus";
import { type StreamChannelOptions, streamChannel, withCurrentSubjects } from "../../infra/events/stream";
import type { PresenceScope } from "../../infra/presence/presence";
import { typingEnded, typingStarted } from "../../infra/presence/typing";
import { type IteratorHooks, wrapIterator } from "../../lib/iterators";
import { settingsOf } from "../presence/repo";
import { presenceChoicesChanged } from "../presence/service";
import { loadAuthors } from "../users/authors";
import { findVisibleTopic } from "./access";
import { postsOf } from "./post-docs";
import { toPosts } from "./posts-view";

/** What every viewer of a topic sees live: posts, likes, best answer, topic changes, typing, presence. */
export const topicChannel = defineChannel<TopicEvent>("forum.topic");

/** Tells the topic's subscribers (on every node) and keeps the event in the topic's backlog for resume. */
export const publishTopicEvent = (deps: AppDeps, topicId: string, event: TopicEvent) =>
  deps.events.publish(topicChannel, topicId, event);

// ---------------------------------------------------------------- typing

/** Throttled per user and topic: at most one "typing" broadcast every few seconds. */
export async function setTyping(deps: AppDeps, caller: Principal, topicId: string) {
  await findVisibleTopic(deps.db, caller, topicId);
  if (await typingStarted(deps.redis, "topic", `${topicId}:${caller.userId}`)) {
    await broadcastTyping(deps, topicId, caller.userId, true);
  }
  return { ok: true as const };
}

/** Posting ends "typing" at once instead of letting clients time it out. */
export async function stopTyping(deps: AppDeps, topicId: string, userId: string) {
  if (await typingEnded(deps.redis, "topic", `${topicId}:${userId}`))
    await broadcastTyping(deps, topicId, userId, false);
}

async function broadcastTyping(deps: AppDeps, topicId: string, userId: string, active: boolean) {
  const author = (await loadAuthors(deps, [userId])).get(userId);
  if (!author) return;
  const user = { id: author.id, firstName: author.firstName, lastName: author.lastName };
  await deps.events.broadcast(topicChannel, topicId, { type: "typing", user, active });
}

// ---------------------------------------------------------------- presence

/**
 * The viewers of a topic (infra/presence): joining and leaving only mark the topic changed; at most
 * once per interval one node broadcasts the count and the first viewers to every subscriber. A
 * viewer who hides their presence (`presence.update({ hidden })`) is neither named nor counted
 * (among the listed first viewers; past them the count is anonymous).
 */
export const topicPresence: PresenceScope<AppDeps> = {
  name: "forum.topic",
  async publish(deps, topicId, { count, userIds }) {
    const [authors, settings] = await Promise.all([loadAuthors(deps, userIds), settingsOf(deps.db, userIds)]);
    const shown = userIds.filter((id) => !settings.get(id)?.hidden);
    const viewers = shown.flatMap((id) => {
      const a = authors.get(id);
      return a ? [{ id: a.id, firstName: a.firstName, lastName: a.lastName }] : [];
    });
    const hidden = userIds.length - shown.length;
    await deps.events.broadcast(topicChannel, topicId, { type: "presence", count: count - hidden, viewers });
  },
};

/** A viewer who hides their presence (or shows it again) leaves (or rejoins) the lists at once, on every node. */
export function watchViewerChoices(deps: AppDeps): void {
  deps.events.subscribe(presenceChoicesChanged, "all", ({ data }) =>
    deps.presence.touchUser(topicPresence.name, data.userId),
  );
}

// ---------------------------------------------------------------- the topic stream

/**
 * The live stream of one topic (resumable from `lastEventId`), plus typing and presence. Access
 * is checked before anything is streamed; the stream ends when it is returned (tRPC returns it when
 * the client leaves; the access guard, trpc/caller.ts, when the caller's access changes: it is
 * fused into this stream, so the stream needs no abort signal of its own). What an idle subscriber
 * holds is kept small (a node carries thousands): the one object of `streamChannel` (its own bus
 * listener, a queue only while behind) and one `TopicViewer`, with ids rather than the topic or the caller.
 */
export async function topicEvents(
  deps: AppDeps,
  caller: Principal,
  input: { topicId: string; lastEventId?: string | null },
) {
  const { id: topicId } = await findVisibleTopic(deps.db, caller, input.topicId);
  const viewer = new TopicViewer(deps, topicId, caller.userId, input.lastEventId);
  const stream = streamChannel(deps.events, topicChannel, topicId, viewer);
  return wrapIterator(wrapIterator(stream, endsWithTopic), viewer);
}

/**
 * Replayed post events with each post as it is now (edited, deleted: a tombstone), so resuming
 * from an old id shows no text that listPosts no longer shows; a post that never settled is left
 * out. Whether it was the best answer stays as published (the replayed bestAnswer events follow).
 */
const postsAsTheyAreNow = (deps: AppDeps, topicId: string, events: BusEvent<TopicEvent>[]) =>
  withCurrentSubjects(
    events,
    (data) => (data.type === "post.created" || data.type === "post.updated" ? data.post.id : null),
    async (ids) => {
      const docs = await postsOf(deps.mongo)
        .find({ _id: { $in: ids }, topicId, pending: false })
        .toArray();
      return new Map((await toPosts(deps, docs, { viewerId: null, bestPostId: null })).map((p) => [p.id, p]));
    },
    (data, post) => {
      const { isBestAnswer } = (data as PostEvent).post;
      return { type: (data as PostEvent).type, post: { ...post, isBestAnswer } };
    },
  );

type PostEvent = Extract<TopicEvent, { type: "post.created" | "post.updated" }>;

const endsWithTopic: IteratorHooks<BusEvent<TopicEvent | Resync>, BusEvent<TopicEvent | Resync>> = {
  last: (event) => event.data !== RESYNC && event.data.type === "topic.deleted",
};

/**
 * One subscriber of a topic, as one object rather than closures (a node holds thousands): the
 * stream's options (`current`) and its presence hook. Joins on the first pull, right after
 * streamChannel attached its listener, so the presence naming this viewer reaches them too; leaves
 * when the stream ends, at the latest once the topic is deleted (nothing more can come).
 */
class TopicViewer implements StreamChannelOptions<TopicEvent>, IteratorHooks<unknown, unknown> {
  private joined = false;

  constructor(
    private readonly deps: AppDeps,
    private readonly topicId: string,
    private readonly userId: string,
    readonly lastEventId: string | null | undefined,
  ) {}

  current(events: BusEvent<TopicEvent>[]) {
    return postsAsTheyAreNow(this.deps, this.topicId, events);
  }

  start() {
    this.joined = true;
    this.deps.presence.join(topicPresence.name, this.topicId, this.userId);
    return undefined;
  }

  end() {
    // Once per join: a second end must not count another of this person's sessions out.
    if (!this.joined) return;
    this.joined = false;
    this.deps.presence.leave(topicPresence.name, this.topicId, this.userId);
  }
}
