import type { CreateTopicInput, ListTopicsInput, TopicSummary, UpdateTopicInput } from "@p2p/schemas";
import { v7 as uuidv7 } from "uuid";
import { z } from "zod";
import type { AppDeps, Db } from "../../deps";
import type { Principal } from "../../infra/auth/authenticator";
import { refusedBy } from "../../infra/postgres/errors";
import { appError, fieldError, notFound } from "../../lib/errors";
import { createOnce, requestHash } from "../../lib/idempotency";
import { decodeCursor, toPage } from "../../lib/pagination";
import { assertOwnFiles } from "../files/service";
import { loadAuthors } from "../users/authors";
import { canEditTopic, canMarkBestAnswer, canModerate, findVisibleTopic } from "./access";
import { auditModeration, notifyMentions, notifyReaders, track } from "./effects";
import { publishTopicEvent } from "./live";
import { attachPostFiles, writePost } from "./post-write";
import { cleanBody, findTopicWithCachedPage, listPostsOf } from "./posts";
import type { TopicRow } from "./repo";
import * as repo from "./repo";
import type { CleanRichText } from "./rich-text";
import { cachedTopicPage, topicListsChanged } from "./topic-lists";

/** Topic rows as summaries, with their authors loaded in one query. */
export async function summaries(deps: AppDeps, rows: TopicRow[]): Promise<TopicSummary[]> {
  const authors = await loadAuthors(
    deps,
    rows.map((r) => r.authorId),
  );
  return rows.map((r) => repo.toTopicSummary(r, authors.get(r.authorId) as TopicSummary["author"]));
}

export const listCategories = (deps: AppDeps, caller: Principal) => repo.listCategories(deps.db, caller.organizationId);

async function assertCategory(db: Db, categoryId: string): Promise<void> {
  if (!(await repo.categoryExists(db, categoryId))) throw fieldError("categoryId", "No such category");
}

/**
 * Creates a topic; with a client key, once: a retry answers with the topic the key made, and the
 * key with another request is CONFLICT (lib/idempotency.ts).
 */
export async function createTopic(deps: AppDeps, caller: Principal, input: z.infer<typeof CreateTopicInput>) {
  const body = cleanBody(input.body);
  const tags = [...new Set(input.tags)];
  const request = { ...input, body: body.html, tags: [...tags].sort(), clientMessageId: undefined };
  const hash = requestHash(request);
  const topicId = await createOnce({
    key: input.clientMessageId,
    hash,
    find: (key) => repo.findTopicByClientKey(deps.db, caller.userId, key),
    create: () => writeTopic(deps, caller, input, { body, tags, hash }).catch(refusedBy("forum_topics_client_key")),
    replay: async (topic) => topic.id,
  });
  return getTopic(deps, caller, topicId, { countView: false });
}

/** Writes the topic row (PostgreSQL) and its first post (MongoDB) in one two-phase write; answers its id. */
async function writeTopic(
  deps: AppDeps,
  caller: Principal,
  input: z.infer<typeof CreateTopicInput>,
  clean: { body: CleanRichText; tags: string[]; hash: string },
): Promise<string> {
  const { body, tags } = clean;
  await assertCategory(deps.db, input.categoryId);
  await assertOwnFiles(deps.db, caller.userId, input.attachmentIds);

  const topicId = uuidv7();
  const topic = { id: topicId, visibility: input.visibility, organizationId: caller.organizationId };
  await writePost(
    deps,
    caller,
    { topicId, body, attachmentIds: input.attachmentIds, parent: null, opening: true },
    (post, row) =>
      deps.db.transaction().execute(async (trx) => {
        await repo.insertTopic(trx, {
          id: topicId,
          categoryId: input.categoryId,
          authorId: caller.userId,
          organizationId: caller.organizationId,
          visibility: input.visibility,
          title: input.title,
          tags,
          firstPostId: post._id,
          lastPosterId: caller.userId,
          lastActivityAt: post.createdAt,
          // Millisecond precision, like the cursor that pages by it: the database's own now() has
          // microseconds, and a cursor rounded to the millisecond skipped topics created in the same one.
          createdAt: post.createdAt,
          ...(input.clientMessageId ? { clientMessageId: input.clientMessageId, requestHash: clean.hash } : {}),
        });
        await notifyMentions(deps, trx, caller, topic, body, { topicId, postId: post._id });
        await repo.insertSearchRow(trx, row);
        await attachPostFiles(trx, post);
      }),
  );
  await Promise.all([
    topicListsChanged(deps),
    track(deps, caller, { id: topicId, title: input.title, visibility: input.visibility }, "topic.created"),
  ]);
  return topicId;
}

/** The sort key a cursor carries, one shape per sort (see sortKeyOf): a forged or mismatched one is a BAD_REQUEST. */
const Instant = z.iso.datetime({ offset: true });
const ByTime = z.tuple([z.boolean(), Instant, z.uuid()]);
// Like and reply counts are PostgreSQL integers: a larger number in a cursor is an error there.
const Count = z.number().int().min(0).max(2_147_483_647);
const TopicCursor = {
  latest: ByTime,
  unanswered: ByTime,
  active: ByTime,
  top: z.tuple([z.boolean(), Count, Count, z.uuid()]),
} as const;

export async function listTopics(deps: AppDeps, caller: Principal, input: z.infer<typeof ListTopicsInput>) {
  const cursor = decodeCursor(input.cursor, TopicCursor[input.sort]);
  // What the caller's organization sees: the same page for each of its members (topic-lists.ts).
  return cachedTopicPage(deps, caller.organizationId, input, async () => {
    const rows = await repo.listTopicRows(deps.db, caller.organizationId, input, cursor);
    // One query: the page (and one row more), each with its category and author.
    return toPage(
      rows,
      input.limit,
      (r) => repo.sortKeyOf(r, input.sort),
      (r) => repo.toTopicSummary(r, r.author),
    );
  });
}

/** The topic, the caller's abilities and its first page of posts. Counts one view per viewer per day. */
export async function getTopic(deps: AppDeps, caller: Principal, id: string, options = { countView: true }) {
  const firstPage = { limit: 20, cursor: null };
  const { topic, cached } = await findTopicWithCachedPage(deps, caller, id, firstPage);
  // The view is counted while the posts are read: one wait for the stores instead of two.
  const [viewCount, posts, [summary]] = await Promise.all([
    options.countView ? countView(deps, topic.id, caller.userId) : undefined,
    listPostsOf(deps, caller, topic, firstPage, cached),
    summaries(deps, [topic]),
  ]);
  return {
    ...(summary as TopicSummary),
    ...(viewCount === undefined ? {} : { viewCount }),
    bestPostId: topic.bestPostId,
    can: {
      edit: canEditTopic(topic, caller),
      moderate: canModerate(topic, caller),
      reply: !topic.locked,
      markBestAnswer: canMarkBestAnswer(topic, caller),
    },
    posts,
  };
}

/** The topic's view count when this was the viewer's first view today (the lists show it: dropped), else undefined. */
async function countView(deps: AppDeps, topicId: string, viewerId: string): Promise<number | undefined> {
  const viewCount = await repo.countView(deps.db, topicId, viewerId);
  if (viewCount !== undefined) await topicListsChanged(deps);
  return viewCount;
}

export async function updateTopic(
  deps: AppDeps,
  caller: Principal,
  input: z.infer<typeof UpdateTopicInput>,
  ip: string | null,
) {
  const topic = await findVisibleTopic(deps.db, caller, input.id);
  if (!canEditTopic(topic, caller))
    throw appError("FORBIDDEN", "Only the author, their organization's admin or a moderator can edit this topic");
  if (input.categoryId) await assertCategory(deps.db, input.categoryId);
  const changes = {
    ...(input.title ? { title: input.title } : {}),
    ...(input.categoryId ? { categoryId: input.categoryId } : {}),
    ...(input.tags ? { tags: [...new Set(input.tags)] } : {}),
  };
  await deps.db.transaction().execute(async (trx) => {
    await repo.updateTopic(trx, topic.id, { ...changes, updatedAt: new Date() });
    // Every post's search row carries the title that search matches and shows.
    if (input.title) await repo.retitleSearchRows(trx, topic.id, input.title);
    if (topic.authorId !== caller.userId) {
      await auditModeration(trx, caller, ip, "topic.updated", topicTarget(topic), {
        title: topic.title,
        fields: Object.keys(changes),
      });
    }
  });
  return announceTopicChange(deps, caller, await findVisibleTopic(deps.db, caller, topic.id), "topic.updated");
}

/** Tells the topic's subscribers what changed and answers with the updated summary. */
async function announceTopicChange(deps: AppDeps, caller: Principal, topic: TopicRow, activity: string) {
  const event = { type: "topic.updated" as const, title: topic.title, locked: topic.locked, pinned: topic.pinned };
  await Promise.all([
    topicListsChanged(deps),
    publishTopicEvent(deps, topic.id, event),
    track(deps, caller, topic, activity),
  ]);
  const [summary] = await summaries(deps, [topic]);
  return summary as TopicSummary;
}

const topicTarget = ({ id, authorId, organizationId }: TopicRow) => ({
  type: "topic" as const,
  id,
  authorId,
  organizationId,
});

/** The author hears of what a moderator or admin (not they themselves) did to their topic. */
const notifyModeration = (deps: AppDeps, trx: Db, caller: Principal, topic: TopicRow, action: string) =>
  notifyReaders(deps, trx, topic, [
    { userId: topic.authorId, type: "forum.moderation", actorId: caller.userId, data: { action, title: topic.title } },
  ]);

/** Soft delete: the topic disappears from lists, search and reads; its rows stay for audit and restore. */
export async function deleteTopic(deps: AppDeps, caller: Principal, id: string, ip: string | null) {
  const topic = await findVisibleTopic(deps.db, caller, id);
  if (!canEditTopic(topic, caller))
    throw appError("FORBIDDEN", "Only the author, their organization's admin or a moderator can delete this topic");
  const posters = await deps.db.transaction().execute(async (trx) => {
    // Deleted meanwhile (a double click): nothing more to do, nobody to tell again.
    if (!(await repo.lockLiveTopic(trx, id))) return null;
    await repo.updateTopic(trx, id, { deletedAt: new Date() });
    await notifyModeration(deps, trx, caller, topic, "deleted");
    if (topic.authorId !== caller.userId) {
      await auditModeration(trx, caller, ip, "topic.deleted", topicTarget(topic), { title: topic.title });
    }
    return repo.removeTopicPosts(trx, id);
  });
  if (!posters) return { ok: true as const };
  await Promise.all([
    topicListsChanged(deps),
    publishTopicEvent(deps, id, { type: "topic.deleted" }),
    // Everyone who posted in it counts one post less.
    track(deps, caller, topic, "topic.deleted", {}, posters),
  ]);
  return { ok: true as const };
}

export async function setTopicFlag(
  deps: AppDeps,
  caller: Principal,
  id: string,
  flag: { pinned: boolean } | { locked: boolean },
  ip: string | null,
) {
  const topic = await findVisibleTopic(deps.db, caller, id);
  if (!canModerate(topic, caller))
    throw appError("FORBIDDEN", "Only a moderator (or your admin, for your organization's topics) can do this");
  const change = "pinned" in flag ? (flag.pinned ? "pinned" : "unpinned") : flag.locked ? "locked" : "unlocked";
  const { live, changed } = await deps.db.transaction().execute(async (trx) => {
    const live = await repo.lockLiveTopic(trx, id);
    if (!live) throw notFound("Topic");
    // Already so (a double click): nothing changes, nobody is told again.
    if ("pinned" in flag ? live.pinned === flag.pinned : live.locked === flag.locked) return { live, changed: false };
    await repo.updateTopic(trx, id, flag);
    await notifyModeration(deps, trx, caller, topic, change);
    // Only moderators and admins pin and lock: always moderation, on one's own topic too.
    await auditModeration(trx, caller, ip, `topic.${change}`, topicTarget(topic), { title: live.title });
    return { live, changed: true };
  });
  // As it is under the lock, with this change: another flag or title changed at the same moment
  // is in the answer and in what subscribers are told, not the row read before.
  const now = { ...topic, pinned: live.pinned, locked: live.locked, title: live.title, ...flag };
  if (!changed) {
    const [summary] = await summaries(deps, [now]);
    return summary as TopicSummary;
  }
  return announceTopicChange(deps, caller, now, `topic.${change}`);
}
