import type {
  CreatePostInput,
  CreateTopicInput,
  ListPostsInput,
  ListTopicsInput,
  Post,
  TopicEvent,
  TopicSummary,
  UpdateTopicInput,
} from "@p2p/schemas";
import { sql } from "kysely";
import { v7 as uuidv7 } from "uuid";
import { z } from "zod";
import type { AppDeps } from "../../deps";
import { defineChannel } from "../../infra/events/bus";
import type { Db } from "../../infra/postgres/db";
import { appError, fieldError, notFound } from "../../lib/errors";
import { decodeCursor, toPage } from "../../lib/pagination";
import { recordActivity } from "../activity/repo";
import type { Principal } from "../../infra/auth/authenticator";
import { assertOwnFiles } from "../files/service";
import { createNotifications, type NewNotification } from "../notifications/repo";
import { loadAuthors } from "../users/authors";
import { type PostDoc, placeReply, postsOf } from "./posts";
import { nest, toPosts } from "./posts-view";
import { listTopicsQuery, selectTopics, sortKeyOf, type TopicRow, toTopicSummary, visibleTo } from "./repo";
import { type CleanRichText, cleanRichText } from "./rich-text";

export const topicChannel = defineChannel<TopicEvent>("forum.topic");

// ---------------------------------------------------------------- access rules

/** A visible, live topic, or NOT_FOUND (also for topics the caller may not see: ids cannot be probed). */
export async function findVisibleTopic(db: Db, caller: Principal, id: string): Promise<TopicRow> {
  const topic = await selectTopics(db)
    .where("forumTopics.id", "=", id)
    .where(visibleTo(caller.organizationId))
    .executeTakeFirst();
  if (!topic) throw notFound("Topic");
  return topic;
}

/** Author, an admin of the author's organization, or a platform moderator. */
const canEdit = (topic: TopicRow, caller: Principal) =>
  topic.authorId === caller.userId ||
  (caller.role === "admin" && topic.organizationId === caller.organizationId) ||
  caller.isModerator;

/** Pin and lock: moderators anywhere; org admins for their organization's own (org-visible) topics. */
const canModerate = (topic: TopicRow, caller: Principal) =>
  caller.isModerator ||
  (caller.role === "admin" && topic.organizationId === caller.organizationId && topic.visibility === "organization");

async function summaries(deps: AppDeps, rows: TopicRow[]): Promise<TopicSummary[]> {
  const authors = await loadAuthors(
    deps.db,
    rows.map((r) => r.authorId),
  );
  return rows.map((r) => toTopicSummary(r, authors.get(r.authorId) as TopicSummary["author"]));
}

/** Every forum write lands in the activity feed, visible to whoever may see the topic. */
const track = (
  deps: AppDeps,
  caller: Principal,
  topic: Pick<TopicRow, "id" | "title" | "visibility">,
  type: string,
  data: Record<string, unknown> = {},
) =>
  recordActivity(deps.mongo, {
    type: `forum.${type}`,
    actorId: caller.userId,
    organizationId: caller.organizationId,
    visibility: topic.visibility,
    subjectId: topic.id,
    data: { title: topic.title, ...data },
  });

const publish = (deps: AppDeps, topicId: string, event: TopicEvent) =>
  deps.events.publish(topicChannel, topicId, event);

/** Notifications only for people who can see the topic and exist. */
async function notifyReaders(db: Db, topic: Pick<TopicRow, "visibility" | "organizationId">, items: NewNotification[]) {
  const ids = [...new Set(items.map((n) => n.userId))];
  if (!ids.length) return;
  let query = db.selectFrom("users").select("id").where("id", "in", ids).where("status", "=", "active");
  if (topic.visibility === "organization") query = query.where("organizationId", "=", topic.organizationId);
  const allowed = new Set((await query.execute()).map((u) => u.id));
  await createNotifications(
    db,
    items.filter((n) => allowed.has(n.userId)),
  );
}

async function assertCategory(db: Db, categoryId: string): Promise<void> {
  const category = await db.selectFrom("forumCategories").select("id").where("id", "=", categoryId).executeTakeFirst();
  if (!category) throw fieldError("categoryId", "No such category");
}

const notifyMentions = (
  db: Db,
  caller: Principal,
  topic: Pick<TopicRow, "visibility" | "organizationId">,
  body: CleanRichText,
  data: { topicId: string; postId: string },
) =>
  notifyReaders(
    db,
    topic,
    body.mentions.map((userId) => ({ userId, type: "forum.mention", actorId: caller.userId, data })),
  );

/**
 * The two-phase write every post goes through (a topic's first post too): the document is
 * inserted into MongoDB as `pending` (never shown), then `inTransaction` and the post's search row
 * commit together in PostgreSQL, then the post is released. A crash in between leaves only an
 * invisible pending post, which the repair job finishes or removes.
 */
async function writePost(
  deps: AppDeps,
  caller: Principal,
  draft: { topicId: string; title: string; body: CleanRichText; attachmentIds: string[]; parent: PostDoc | null },
  inTransaction: (trx: Db, post: PostDoc) => Promise<unknown>,
): Promise<PostDoc> {
  const id = uuidv7();
  const post: PostDoc = {
    _id: id,
    topicId: draft.topicId,
    authorId: caller.userId,
    organizationId: caller.organizationId,
    ...(draft.parent ? placeReply(draft.parent) : { parentId: null, treeParentId: null, rootId: id, depth: 0 }),
    bodyHtml: draft.body.html,
    attachmentIds: draft.attachmentIds,
    createdAt: new Date(),
    editedAt: null,
    deletedAt: null,
    pending: true,
  };
  await postsOf(deps.mongo).insertOne(post);
  await deps.db.transaction().execute(async (trx) => {
    await inTransaction(trx, post);
    await trx
      .insertInto("forumSearch")
      .values({
        postId: id,
        topicId: draft.topicId,
        title: draft.title,
        body: draft.body.text,
        createdAt: post.createdAt,
      })
      .execute();
  });
  await postsOf(deps.mongo).updateOne({ _id: id }, { $set: { pending: false } });
  return { ...post, pending: false };
}

function cleanBody(body: string) {
  const clean = cleanRichText(body);
  if (!clean.text && !/<img /.test(clean.html))
    throw fieldError("body", "The text is empty once formatting is removed");
  return clean;
}

// ---------------------------------------------------------------- categories and topics

export async function listCategories(deps: AppDeps, caller: Principal) {
  return deps.db
    .selectFrom("forumCategories as c")
    .leftJoin("forumTopics", (join) =>
      join.onRef("forumTopics.categoryId", "=", "c.id").on(visibleTo(caller.organizationId)),
    )
    .select((eb) => [
      "c.id",
      "c.slug",
      "c.name",
      "c.description",
      eb.fn.count<number>("forumTopics.id").as("topicCount"),
    ])
    .groupBy(["c.id", "c.slug", "c.name", "c.description", "c.position"])
    .orderBy("c.position")
    .execute()
    .then((rows) => rows.map((r) => ({ ...r, topicCount: Number(r.topicCount) })));
}

/** Creates the topic row (PostgreSQL) and its first post (MongoDB) in one two-phase write. */
export async function createTopic(deps: AppDeps, caller: Principal, input: z.infer<typeof CreateTopicInput>) {
  const body = cleanBody(input.body);
  await assertCategory(deps.db, input.categoryId);
  await assertOwnFiles(deps.db, caller.userId, input.attachmentIds);

  const topicId = uuidv7();
  const topic = { visibility: input.visibility, organizationId: caller.organizationId };
  await writePost(
    deps,
    caller,
    { topicId, title: input.title, body, attachmentIds: input.attachmentIds, parent: null },
    (trx, post) =>
      trx
        .insertInto("forumTopics")
        .values({
          id: topicId,
          categoryId: input.categoryId,
          authorId: caller.userId,
          organizationId: caller.organizationId,
          visibility: input.visibility,
          title: input.title,
          tags: [...new Set(input.tags)],
          firstPostId: post._id,
          lastPosterId: caller.userId,
          lastActivityAt: post.createdAt,
          // Millisecond precision, like the cursor that pages by it: the database's own now() has
          // microseconds, and a cursor rounded to the millisecond skipped topics created in the same one.
          createdAt: post.createdAt,
        })
        .execute()
        .then(() => notifyMentions(trx, caller, topic, body, { topicId, postId: post._id })),
  );
  await track(deps, caller, { id: topicId, title: input.title, visibility: input.visibility }, "topic.created");
  return getTopic(deps, caller, topicId, { countView: false });
}

/** The sort key a cursor carries, one shape per sort (see sortKeyOf): a forged or mismatched one is a BAD_REQUEST. */
const Instant = z.iso.datetime({ offset: true });
const ByTime = z.tuple([z.boolean(), Instant, z.uuid()]);
const TopicCursor = {
  latest: ByTime,
  unanswered: ByTime,
  active: ByTime,
  top: z.tuple([z.boolean(), z.number().int(), z.number().int(), z.uuid()]),
} as const;

export async function listTopics(deps: AppDeps, caller: Principal, input: z.infer<typeof ListTopicsInput>) {
  const cursor = decodeCursor(input.cursor, TopicCursor[input.sort]);
  const rows = await listTopicsQuery(deps.db, caller.organizationId, input, cursor).execute();
  const page = toPage(
    rows,
    input.limit,
    (r) => sortKeyOf(r, input.sort),
    (r) => r,
  );
  return { items: await summaries(deps, page.items), nextCursor: page.nextCursor };
}

/** The topic, the caller's abilities and its first page of posts. Counts one view per viewer per day. */
export async function getTopic(deps: AppDeps, caller: Principal, id: string, options = { countView: true }) {
  let topic = await findVisibleTopic(deps.db, caller, id);
  if (options.countView) {
    // The view row and the counter move together; a repeat visit the same day changes nothing.
    const counted = await sql<{ viewCount: number }>`
      with seen as (
        insert into forum_topic_views (topic_id, viewer_id, day) values (${id}, ${caller.userId}, current_date)
        on conflict do nothing returning 1
      )
      update forum_topics set view_count = view_count + 1 where id = ${id} and exists (select 1 from seen)
      returning view_count`.execute(deps.db);
    const viewCount = counted.rows[0]?.viewCount;
    if (viewCount !== undefined) topic = { ...topic, viewCount };
  }
  const [summary] = await summaries(deps, [topic]);
  const posts = await listPostsOf(deps, caller, topic, { limit: 20, cursor: null });
  return {
    ...(summary as TopicSummary),
    bestPostId: topic.bestPostId,
    can: {
      edit: canEdit(topic, caller),
      moderate: canModerate(topic, caller),
      reply: !topic.locked,
      markBestAnswer: topic.authorId === caller.userId,
    },
    posts,
  };
}

export async function updateTopic(deps: AppDeps, caller: Principal, input: z.infer<typeof UpdateTopicInput>) {
  const topic = await findVisibleTopic(deps.db, caller, input.id);
  if (!canEdit(topic, caller))
    throw appError("FORBIDDEN", "Only the author, their organization's admin or a moderator can edit this topic");
  if (input.categoryId) await assertCategory(deps.db, input.categoryId);
  await deps.db.transaction().execute(async (trx) => {
    await trx
      .updateTable("forumTopics")
      .set({
        ...(input.title ? { title: input.title } : {}),
        ...(input.categoryId ? { categoryId: input.categoryId } : {}),
        ...(input.tags ? { tags: [...new Set(input.tags)] } : {}),
        updatedAt: new Date(),
      })
      .where("id", "=", topic.id)
      .execute();
    if (input.title)
      await trx
        .updateTable("forumSearch")
        .set({ title: input.title })
        .where("postId", "=", topic.firstPostId)
        .execute();
  });
  return announceTopicChange(deps, caller, await findVisibleTopic(deps.db, caller, topic.id), "topic.updated");
}

/** Tells the topic's subscribers what changed and answers with the updated summary. */
async function announceTopicChange(deps: AppDeps, caller: Principal, topic: TopicRow, activity: string) {
  const event = { type: "topic.updated" as const, title: topic.title, locked: topic.locked, pinned: topic.pinned };
  await Promise.all([publish(deps, topic.id, event), track(deps, caller, topic, activity)]);
  const [summary] = await summaries(deps, [topic]);
  return summary as TopicSummary;
}

/** Soft delete: the topic disappears from lists, search and reads; its rows stay for audit and restore. */
export async function deleteTopic(deps: AppDeps, caller: Principal, id: string) {
  const topic = await findVisibleTopic(deps.db, caller, id);
  if (!canEdit(topic, caller))
    throw appError("FORBIDDEN", "Only the author, their organization's admin or a moderator can delete this topic");
  await deps.db.updateTable("forumTopics").set({ deletedAt: new Date() }).where("id", "=", id).execute();
  await Promise.all([publish(deps, id, { type: "topic.deleted" }), track(deps, caller, topic, "topic.deleted")]);
  return { ok: true as const };
}

export async function setTopicFlag(
  deps: AppDeps,
  caller: Principal,
  id: string,
  flag: { pinned: boolean } | { locked: boolean },
) {
  const topic = await findVisibleTopic(deps.db, caller, id);
  if (!canModerate(topic, caller))
    throw appError("FORBIDDEN", "Only a moderator (or your admin, for your organization's topics) can do this");
  await deps.db.updateTable("forumTopics").set(flag).where("id", "=", id).execute();
  const change = "pinned" in flag ? (flag.pinned ? "pinned" : "unpinned") : flag.locked ? "locked" : "unlocked";
  return announceTopicChange(deps, caller, { ...topic, ...flag }, `topic.${change}`);
}

// ---------------------------------------------------------------- posts

const PostCursor = z.tuple([Instant, z.uuid()]);
/** Replies loaded with one page of top-level posts; a longer thread shows its oldest part. */
const MAX_REPLIES_PER_PAGE = 500;

async function listPostsOf(
  deps: AppDeps,
  caller: Principal,
  topic: TopicRow,
  page: { limit: number; cursor?: string | null },
) {
  const cursor = decodeCursor(page.cursor, PostCursor);
  const posts = postsOf(deps.mongo);
  const after = cursor
    ? {
        $or: [{ createdAt: { $gt: new Date(cursor[0]) } }, { createdAt: new Date(cursor[0]), _id: { $gt: cursor[1] } }],
      }
    : {};
  const tops = await posts
    .find({ topicId: topic.id, depth: 0, pending: false, ...after })
    .sort({ createdAt: 1, _id: 1 })
    .limit(page.limit + 1)
    .toArray();
  const shown = tops.slice(0, page.limit);
  const replies = shown.length
    ? await posts
        .find({ rootId: { $in: shown.map((p) => p._id) }, depth: { $gt: 0 }, pending: false })
        .sort({ createdAt: 1 })
        .limit(MAX_REPLIES_PER_PAGE)
        .toArray()
    : [];
  const docs = [...shown, ...replies];
  const dtos = await toPosts(deps, docs, { viewerId: caller.userId, bestPostId: topic.bestPostId });
  const last = shown.at(-1);
  return {
    items: nest(dtos, docs),
    nextCursor:
      tops.length > page.limit && last
        ? Buffer.from(JSON.stringify([last.createdAt.toISOString(), last._id])).toString("base64url")
        : null,
  };
}

export async function listPosts(deps: AppDeps, caller: Principal, input: z.infer<typeof ListPostsInput>) {
  const topic = await findVisibleTopic(deps.db, caller, input.topicId);
  return listPostsOf(deps, caller, topic, input);
}

async function findPost(deps: AppDeps, caller: Principal, postId: string) {
  const post = await postsOf(deps.mongo).findOne({ _id: postId, pending: false });
  if (!post) throw notFound("Post");
  const topic = await findVisibleTopic(deps.db, caller, post.topicId).catch(() => {
    throw notFound("Post");
  });
  return { post, topic };
}

async function postDto(deps: AppDeps, doc: PostDoc, bestPostId: string | null): Promise<Post> {
  const [post] = await toPosts(deps, [doc], { viewerId: null, bestPostId });
  return post as Post;
}

export async function createPost(deps: AppDeps, caller: Principal, input: z.infer<typeof CreatePostInput>) {
  const topic = await findVisibleTopic(deps.db, caller, input.topicId);
  if (topic.locked) throw appError("FORBIDDEN", "This topic is locked; it takes no new posts");
  const body = cleanBody(input.body);
  await assertOwnFiles(deps.db, caller.userId, input.attachmentIds);
  const parent = input.parentId
    ? await postsOf(deps.mongo).findOne({ _id: input.parentId, topicId: topic.id, pending: false })
    : null;
  if (input.parentId && !parent) throw fieldError("parentId", "No such post in this topic");

  const draft = { topicId: topic.id, title: topic.title, body, attachmentIds: input.attachmentIds, parent };
  const doc = await writePost(deps, caller, draft, async (trx, post) => {
    await trx
      .updateTable("forumTopics")
      .set((eb) => ({
        replyCount: eb("replyCount", "+", 1),
        lastActivityAt: post.createdAt,
        lastPosterId: caller.userId,
      }))
      .where("id", "=", topic.id)
      .execute();
    const data = { topicId: topic.id, postId: post._id };
    // The author of the post answered and the topic's author, each once.
    const repliedTo = new Set([parent?.authorId ?? topic.authorId, topic.authorId]);
    await notifyReaders(
      trx,
      topic,
      [...repliedTo].map((userId) => ({ userId, type: "forum.reply", actorId: caller.userId, data })),
    );
    await notifyMentions(trx, caller, topic, body, data);
  });
  const post = await postDto(deps, doc, topic.bestPostId);
  await Promise.all([
    publish(deps, topic.id, { type: "post.created", post }),
    stopTyping(deps, topic.id, caller.userId),
    track(deps, caller, topic, "post.created", { postId: doc._id }),
  ]);
  return post;
}

export async function updatePost(deps: AppDeps, caller: Principal, input: { id: string; body: string }) {
  const { post, topic } = await findPost(deps, caller, input.id);
  if (post.authorId !== caller.userId) throw appError("FORBIDDEN", "Only the author can edit a post");
  if (post.deletedAt) throw appError("CONFLICT", "This post was deleted");
  const body = cleanBody(input.body);
  const editedAt = new Date();
  await deps.db.updateTable("forumSearch").set({ body: body.text }).where("postId", "=", post._id).execute();
  await postsOf(deps.mongo).updateOne({ _id: post._id }, { $set: { bodyHtml: body.html, editedAt } });
  const dto = await postDto(deps, { ...post, bodyHtml: body.html, editedAt }, topic.bestPostId);
  await Promise.all([
    publish(deps, topic.id, { type: "post.updated", post: dto }),
    track(deps, caller, topic, "post.updated", { postId: post._id }),
  ]);
  return dto;
}

/** Leaves a tombstone so the thread keeps its shape; the first post goes only with its topic. */
export async function deletePost(deps: AppDeps, caller: Principal, postId: string) {
  const { post, topic } = await findPost(deps, caller, postId);
  const allowed =
    post.authorId === caller.userId ||
    (caller.role === "admin" && post.organizationId === caller.organizationId) ||
    caller.isModerator;
  if (!allowed)
    throw appError("FORBIDDEN", "Only the author, their organization's admin or a moderator can delete this post");
  if (post._id === topic.firstPostId) throw appError("CONFLICT", "Delete the topic instead of its first post");
  if (post.deletedAt) return { ok: true as const };
  await deps.db.transaction().execute(async (trx) => {
    await trx.deleteFrom("forumSearch").where("postId", "=", post._id).execute();
    // A tombstone carries no likes: they leave the topic's count with it.
    const unliked = await trx.deleteFrom("forumPostLikes").where("postId", "=", post._id).executeTakeFirst();
    await trx
      .updateTable("forumTopics")
      .set((eb) => ({
        replyCount: eb("replyCount", "-", 1),
        likeCount: eb("likeCount", "-", Number(unliked.numDeletedRows)),
        ...(topic.bestPostId === post._id ? { bestPostId: null, answered: false } : {}),
      }))
      .where("id", "=", topic.id)
      .execute();
  });
  await postsOf(deps.mongo).updateOne({ _id: post._id }, { $set: { deletedAt: new Date(), bodyHtml: "" } });
  await Promise.all([
    publish(deps, topic.id, { type: "post.deleted", postId: post._id }),
    track(deps, caller, topic, "post.deleted", { postId: post._id }),
  ]);
  if (topic.bestPostId === post._id) await publish(deps, topic.id, { type: "bestAnswer.changed", postId: null });
  return { ok: true as const };
}

/** One like per user per post (the primary key says so); liking twice changes nothing. */
export async function setLike(deps: AppDeps, caller: Principal, postId: string, like: boolean) {
  const { post, topic } = await findPost(deps, caller, postId);
  if (post.deletedAt) throw notFound("Post");
  if (like && post.authorId === caller.userId) throw appError("FORBIDDEN", "You cannot like your own post");
  const likeCount = await deps.db.transaction().execute(async (trx) => {
    const changed = like
      ? await trx
          .insertInto("forumPostLikes")
          .values({ postId, userId: caller.userId, topicId: topic.id })
          .onConflict((oc) => oc.doNothing())
          .returning("postId")
          .execute()
      : await trx
          .deleteFrom("forumPostLikes")
          .where("postId", "=", postId)
          .where("userId", "=", caller.userId)
          .returning("postId")
          .execute();
    if (changed.length) {
      await trx
        .updateTable("forumTopics")
        .set((eb) => ({ likeCount: eb("likeCount", like ? "+" : "-", 1) }))
        .where("id", "=", topic.id)
        .execute();
    }
    const row = await trx
      .selectFrom("forumPostLikes")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("postId", "=", postId)
      .executeTakeFirstOrThrow();
    return { count: Number(row.n), changed: changed.length > 0 };
  });
  if (likeCount.changed) {
    await Promise.all([
      publish(deps, topic.id, { type: "post.liked", postId, likeCount: likeCount.count }),
      track(deps, caller, topic, like ? "post.liked" : "post.unliked", { postId }),
    ]);
  }
  return { postId, likeCount: likeCount.count, likedByMe: like };
}

/** Only the topic's author picks (or clears) the best answer; it sets the answered flag. */
export async function markBestAnswer(
  deps: AppDeps,
  caller: Principal,
  input: { topicId: string; postId: string | null },
) {
  const topic = await findVisibleTopic(deps.db, caller, input.topicId);
  if (topic.authorId !== caller.userId)
    throw appError("FORBIDDEN", "Only the topic's author can choose the best answer");
  let answerAuthor: string | null = null;
  if (input.postId) {
    const post = await postsOf(deps.mongo).findOne({
      _id: input.postId,
      topicId: topic.id,
      pending: false,
      deletedAt: null,
    });
    if (!post) throw fieldError("postId", "No such post in this topic");
    if (post._id === topic.firstPostId) throw fieldError("postId", "The question cannot be its own answer");
    answerAuthor = post.authorId;
  }
  await deps.db.transaction().execute(async (trx) => {
    await trx
      .updateTable("forumTopics")
      .set({ bestPostId: input.postId, answered: input.postId !== null })
      .where("id", "=", topic.id)
      .execute();
    if (answerAuthor) {
      await createNotifications(trx, [
        {
          userId: answerAuthor,
          type: "forum.bestAnswer",
          actorId: caller.userId,
          data: { topicId: topic.id, postId: input.postId },
        },
      ]);
    }
  });
  await Promise.all([
    publish(deps, topic.id, { type: "bestAnswer.changed", postId: input.postId }),
    track(deps, caller, topic, "bestAnswer.changed", { postId: input.postId }),
  ]);
  return { topicId: topic.id, bestPostId: input.postId, answered: input.postId !== null };
}

/** Finishes or removes posts whose two-phase write was interrupted (see createTopic). */
export async function repairPendingPosts(
  deps: AppDeps,
  olderThanMs = 60_000,
): Promise<{ released: number; removed: number }> {
  const stale = await postsOf(deps.mongo)
    .find({ pending: true, createdAt: { $lt: new Date(Date.now() - olderThanMs) } })
    .limit(500)
    .toArray();
  if (!stale.length) return { released: 0, removed: 0 };
  const committed = new Set(
    (
      await deps.db
        .selectFrom("forumSearch")
        .select("postId")
        .where(
          "postId",
          "in",
          stale.map((p) => p._id),
        )
        .execute()
    ).map((r) => r.postId),
  );
  const release = stale.filter((p) => committed.has(p._id)).map((p) => p._id);
  const remove = stale.filter((p) => !committed.has(p._id)).map((p) => p._id);
  await Promise.all([
    release.length && postsOf(deps.mongo).updateMany({ _id: { $in: release } }, { $set: { pending: false } }),
    remove.length && postsOf(deps.mongo).deleteMany({ _id: { $in: remove }, pending: true }),
  ]);
  return { released: release.length, removed: remove.length };
}

// ---------------------------------------------------------------- typing (see live.ts for the subscription)

const TYPING_THROTTLE_S = 3;

/** Throttled per user and topic: at most one "typing" broadcast every few seconds. */
export async function setTyping(deps: AppDeps, caller: Principal, topicId: string) {
  await findVisibleTopic(deps.db, caller, topicId);
  const first = await deps.redis.command.set(
    typingKey(deps, topicId, caller.userId),
    "1",
    "EX",
    TYPING_THROTTLE_S,
    "NX",
  );
  if (first) await broadcastTyping(deps, topicId, caller.userId, true);
  return { ok: true as const };
}

const typingKey = (deps: AppDeps, topicId: string, userId: string) => `${deps.redis.prefix}typing:${topicId}:${userId}`;

/** Posting ends "typing" at once instead of letting clients time it out. */
async function stopTyping(deps: AppDeps, topicId: string, userId: string) {
  if (await deps.redis.command.del(typingKey(deps, topicId, userId)))
    await broadcastTyping(deps, topicId, userId, false);
}

async function broadcastTyping(deps: AppDeps, topicId: string, userId: string, active: boolean) {
  const author = (await loadAuthors(deps.db, [userId])).get(userId);
  if (!author) return;
  const user = { id: author.id, firstName: author.firstName, lastName: author.lastName };
  await deps.events.broadcast(topicChannel, topicId, { type: "typing", user, active });
}
