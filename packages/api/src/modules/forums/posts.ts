import type { CreatePostInput, ListPostsInput, ListRepliesInput, Post } from "@p2p/schemas";
import { v7 as uuidv7 } from "uuid";
import { z } from "zod";
import type { AppDeps, Db } from "../../deps";
import type { Principal } from "../../infra/auth/authenticator";
import { refusedBy } from "../../infra/postgres/errors";
import { appError, fieldError, notFound } from "../../lib/errors";
import { createOnce, requestHash } from "../../lib/idempotency";
import { decodeCursor, encodeCursor } from "../../lib/pagination";
import { assertOwnFiles } from "../files/service";
import { notificationColumnsOf } from "../notifications/create";
import { deliverCommitted } from "../notifications/delivery";
import { canDeletePost, canEditPost, canMarkBestAnswer, findVisiblePost, findVisibleTopic } from "./access";
import { auditModeration, mentionsIn, notifyReaders, planReaderNotifications, track } from "./effects";
import { publishTopicEvent, stopTyping } from "./live";
import { findPostDoc, findWrittenPostDoc, type PostDoc, postPage, repliesOfThread, updatePostDoc } from "./post-docs";
import { cachedPostPage, type PostPage, postPageIfCached, topicPostsChanged } from "./post-pages";
import { attachPostFiles, writePost } from "./post-write";
import { nest, toPosts } from "./posts-view";
import type { LikeStat, TopicRow } from "./repo";
import * as repo from "./repo";
import { cleanRichText } from "./rich-text";
import { topicListsChanged } from "./topic-lists";

/** Sanitized rich text that still says something once formatting is removed (an image counts). */
export function cleanBody(body: string) {
  const clean = cleanRichText(body);
  if (!clean.text && !/<img /.test(clean.html))
    throw fieldError("body", "The text is empty once formatting is removed");
  return clean;
}

const PostCursor = z.tuple([z.iso.datetime({ offset: true }), z.uuid()]);
/**
 * Replies loaded with one page of top-level posts, oldest first over all its threads. Past it, each
 * top-level post on the page says `moreReplies`, and `listReplies` pages through its thread.
 */
export const MAX_REPLIES_PER_PAGE = 500;

type PageInput = { limit: number; cursor?: string | null };
/** A page's key among its topic's cached pages. */
const pageKey = (page: PageInput) => `${page.cursor ?? ""}|${page.limit}`;
/** What a page shows of a PostPage: its top-level posts, then the replies under them. */
const shownOf = ({ tops, replies }: PostPage, page: PageInput) => ({
  shown: tops.slice(0, page.limit),
  docs: [...tops.slice(0, page.limit), ...replies.slice(0, MAX_REPLIES_PER_PAGE)],
});

/**
 * The topic, if the caller may see it (NOT_FOUND otherwise), and its page of posts when this node
 * has that page cached, with the page's likes: one statement for both (a page read from the cache
 * once its topic was found cost two).
 */
export async function findTopicWithCachedPage(deps: AppDeps, caller: Principal, topicId: string, page: PageInput) {
  const cached = postPageIfCached(deps, topicId, pageKey(page));
  if (!cached) return { topic: await findVisibleTopic(deps.db, caller, topicId), cached: undefined };
  const postIds = shownOf(cached, page).docs.map((d) => d._id);
  const found = await repo.findVisibleTopicWithLikes(deps.db, caller.organizationId, topicId, postIds, caller.userId);
  if (!found) throw notFound("Topic");
  return { topic: found.topic, cached: { page: cached, likes: found.likes } };
}

/**
 * One page of top-level posts in time order, each with its replies nested under it; from `cached`
 * (findTopicWithCachedPage) when given.
 */
export async function listPostsOf(
  deps: AppDeps,
  caller: Principal,
  topic: TopicRow,
  page: PageInput,
  cached?: { page: PostPage; likes: LikeStat[] },
) {
  const cursor = decodeCursor(page.cursor, PostCursor);
  const read =
    cached?.page ??
    (await cachedPostPage(deps, topic.id, pageKey(page), () =>
      postPage(
        deps.mongo,
        topic.id,
        cursor ? { createdAt: new Date(cursor[0]), id: cursor[1] } : null,
        page.limit,
        MAX_REPLIES_PER_PAGE + 1,
      ),
    ));
  const { shown, docs } = shownOf(read, page);
  const cut = read.replies.length > MAX_REPLIES_PER_PAGE;
  const dtos = await toPosts(deps, docs, {
    viewerId: caller.userId,
    bestPostId: topic.bestPostId,
    likes: cached?.likes,
  });
  // Cut short, any thread of the page may go on: each says so (listReplies after its last reply shown).
  if (cut) for (const dto of dtos.slice(0, shown.length)) dto.moreReplies = true;
  const last = shown.at(-1);
  return {
    items: nest(dtos, docs),
    nextCursor: read.tops.length > page.limit && last ? encodeCursor([last.createdAt.toISOString(), last._id]) : null,
  };
}

export async function listPosts(deps: AppDeps, caller: Principal, input: z.infer<typeof ListPostsInput>) {
  const { topic, cached } = await findTopicWithCachedPage(deps, caller, input.topicId, input);
  return listPostsOf(deps, caller, topic, input, cached);
}

/**
 * The replies of one thread, flat (each with its parentId) and oldest first: the rest of a thread
 * `listPosts` cut short (`moreReplies`), after the last reply shown, page by page.
 */
export async function listReplies(deps: AppDeps, caller: Principal, input: z.infer<typeof ListRepliesInput>) {
  const { post, topic } = await findVisiblePost(deps, caller, input.postId);
  if (post.depth !== 0) throw fieldError("postId", "Replies are listed by thread: give its top-level post");
  const cursor = decodeCursor(input.cursor, PostCursor);
  const after = cursor ? { createdAt: new Date(cursor[0]), id: cursor[1] } : null;
  const docs = await repliesOfThread(deps.mongo, topic.id, post._id, after, input.limit);
  const shown = docs.slice(0, input.limit);
  const last = shown.at(-1);
  return {
    items: await toPosts(deps, shown, { viewerId: caller.userId, bestPostId: topic.bestPostId }),
    nextCursor: docs.length > input.limit && last ? encodeCursor([last.createdAt.toISOString(), last._id]) : null,
  };
}

/**
 * One post or reply by id, for a deep link (`/forums/topics/<topicId>#post-<postId>`) to a post that
 * is not on the loaded page: read exactly like its topic, and a deleted one is NOT_FOUND. Its
 * `replies` are left empty: the thread under it comes with listPosts.
 */
export async function getPost(deps: AppDeps, caller: Principal, postId: string): Promise<Post> {
  const { post, topic } = await findVisiblePost(deps, caller, postId);
  if (post.deletedAt) throw notFound("Post");
  const [dto] = await toPosts(deps, [post], { viewerId: caller.userId, bestPostId: topic.bestPostId });
  return dto as Post;
}

async function postDto(deps: AppDeps, doc: PostDoc, bestPostId: string | null, justWritten = false): Promise<Post> {
  const [post] = await toPosts(deps, [doc], { viewerId: null, bestPostId, justWritten });
  return post as Post;
}

const lockedTopic = () => appError("FORBIDDEN", "This topic is locked; it takes no new posts");

/** Why a reply to this topic wrote nothing: it is deleted, or locked (as it is now). */
const whyNotWritten = async (db: Db, topicId: string) =>
  (await repo.lockLiveTopic(db, topicId)) ? lockedTopic() : notFound("Topic");

/**
 * Adds a post or reply; with a client key, once: a retry answers with the post the key made (also
 * to a topic locked since), and the key with another request is CONFLICT (lib/idempotency.ts).
 */
export async function createPost(deps: AppDeps, caller: Principal, input: z.infer<typeof CreatePostInput>) {
  const topic = await findVisibleTopic(deps.db, caller, input.topicId);
  const body = cleanBody(input.body);
  const hash = requestHash({ ...input, parentId: input.parentId ?? null, body: body.html, clientMessageId: undefined });
  return createOnce({
    key: input.clientMessageId,
    hash,
    find: (key) => repo.findPostByClientKey(deps.db, caller.userId, key),
    create: () =>
      writeReply(deps, caller, topic, input, {
        body,
        clientKey: input.clientMessageId ? { clientMessageId: input.clientMessageId, requestHash: hash } : undefined,
      }).catch(refusedBy("forum_search_client_key")),
    replay: async ({ postId }) => {
      const doc = await findWrittenPostDoc(deps.mongo, postId);
      if (!doc) throw notFound("Post");
      return postDto(deps, doc, topic.bestPostId);
    },
  });
}

/** Writes a post (the two-phase write of post-write.ts) and tells the topic's readers. */
async function writeReply(
  deps: AppDeps,
  caller: Principal,
  topic: TopicRow,
  input: z.infer<typeof CreatePostInput>,
  clean: Pick<Parameters<typeof writePost>[2], "body" | "clientKey">,
): Promise<Post> {
  const { body } = clean;
  if (topic.locked) throw lockedTopic();
  await assertOwnFiles(deps.db, caller.userId, input.attachmentIds);
  const parent = input.parentId ? await findPostDoc(deps.mongo, input.parentId, topic.id) : null;
  if (input.parentId && !parent) throw fieldError("parentId", "No such post in this topic");
  if (parent?.deletedAt) throw fieldError("parentId", "This post was deleted");

  const id = uuidv7();
  const data = { topicId: topic.id, postId: id };
  // The author of the post answered and the topic's author, each once; one also mentioned hears
  // of the mention only (one notification a post a person, as Discourse does). Who hears is read
  // before the transaction, which then holds the topic's lock and its connection for writes only.
  const mentioned = new Set(body.mentions);
  const repliedTo = new Set(
    [parent?.authorId ?? topic.authorId, topic.authorId].filter((userId) => !mentioned.has(userId)),
  );
  const notifications = await planReaderNotifications(deps, deps.db, topic, [
    ...[...repliedTo].map((userId) => ({ userId, type: "forum.reply" as const, actorId: caller.userId, data })),
    ...mentionsIn(caller, body, data),
  ]);
  const draft = {
    id,
    topicId: topic.id,
    body,
    attachmentIds: input.attachmentIds,
    parent,
    opening: false,
    clientKey: clean.clientKey,
  };
  // A reply with neither a post it answers nor attachments is one statement (repo.writeReply);
  // otherwise a transaction holds the topic and the answered post first.
  const doc = await writePost(deps, caller, draft, (post, row) => {
    const write = async (db: Db) => {
      if (!(await repo.writeReply(db, row, notificationColumnsOf(notifications))))
        throw await whyNotWritten(db, topic.id);
    };
    if (!parent && !post.attachmentIds.length) return write(deps.db);
    return deps.db.transaction().execute(async (trx) => {
      if (parent && !(await repo.lockAnsweredPost(trx, topic.id, parent._id))) {
        throw (await repo.lockLiveTopic(trx, topic.id))
          ? fieldError("parentId", "This post was deleted")
          : notFound("Topic");
      }
      await write(trx);
      await attachPostFiles(trx, post);
    });
  });
  try {
    const post = await postDto(deps, doc, topic.bestPostId, true);
    await Promise.all([
      topicListsChanged(deps),
      publishTopicEvent(deps, topic.id, { type: "post.created", post }),
      stopTyping(deps, topic.id, caller.userId),
      track(deps, caller, topic, "post.created", { postId: doc._id }),
    ]);
    return post;
  } finally {
    // Committed, so delivered whatever failed above; after the topic's readers were told (its
    // fan-out goes first on this node's thread).
    deliverCommitted(deps, notifications);
  }
}

export async function updatePost(deps: AppDeps, caller: Principal, input: { id: string; body: string }) {
  const { post, topic } = await findVisiblePost(deps, caller, input.id);
  if (!canEditPost(post, caller)) throw appError("FORBIDDEN", "Only the author can edit a post");
  if (post.deletedAt) throw appError("CONFLICT", "This post was deleted");
  const body = cleanBody(input.body);
  const editedAt = new Date();
  // The document is written while the search row's lock is held, and only if the row is still there:
  // FerretDB rewrites documents whole, so an edit written alongside a deletion could undo it.
  const edited = await deps.db.transaction().execute(async (trx) => {
    if (!(await repo.updateSearchRow(trx, post._id, { body: body.text }))) return false;
    await updatePostDoc(deps.mongo, post._id, { bodyHtml: body.html, editedAt });
    return true;
  });
  if (!edited) throw appError("CONFLICT", "This post was deleted");
  const dto = await postDto(deps, { ...post, bodyHtml: body.html, editedAt }, topic.bestPostId);
  await Promise.all([
    // No summary shows a reply's text, but search does (topicListsChannel).
    topicListsChanged(deps),
    topicPostsChanged(deps, topic.id),
    publishTopicEvent(deps, topic.id, { type: "post.updated", post: dto }),
    track(deps, caller, topic, "post.updated", { postId: post._id }),
  ]);
  return dto;
}

/** Leaves a tombstone so the thread keeps its shape; the first post goes only with its topic. */
export async function deletePost(deps: AppDeps, caller: Principal, postId: string, ip: string | null) {
  const { post, topic } = await findVisiblePost(deps, caller, postId);
  if (!canDeletePost(post, caller))
    throw appError("FORBIDDEN", "Only the author, their organization's admin or a moderator can delete this post");
  if (post._id === topic.firstPostId) throw appError("CONFLICT", "Delete the topic instead of its first post");
  if (post.deletedAt) return { ok: true as const };
  // Of two deletions at once, one removes the reply; the other changes nothing.
  const removed = await deps.db.transaction().execute(async (trx) => {
    const removed = await repo.removeReply(trx, topic.id, post._id);
    if (removed && post.authorId !== caller.userId) {
      const target = {
        type: "post" as const,
        id: post._id,
        authorId: post.authorId,
        organizationId: post.organizationId,
      };
      await auditModeration(trx, caller, ip, "post.deleted", target, { topicId: topic.id, title: topic.title });
    }
    return removed;
  });
  if (!removed) return { ok: true as const };
  await updatePostDoc(deps.mongo, post._id, { deletedAt: new Date(), bodyHtml: "" });
  await Promise.all([
    topicListsChanged(deps),
    topicPostsChanged(deps, topic.id),
    publishTopicEvent(deps, topic.id, { type: "post.deleted", postId: post._id }),
    track(
      deps,
      caller,
      topic,
      "post.deleted",
      { postId: post._id },
      { users: [post.authorId], orgs: [post.organizationId] },
    ),
  ]);
  if (removed.wasBest) await publishTopicEvent(deps, topic.id, { type: "bestAnswer.changed", postId: null });
  return { ok: true as const };
}

/**
 * One like per user per post; liking twice changes nothing. The post is found, checked and liked in
 * one PostgreSQL statement under its locks (repo.writeLike): a like is the second most frequent
 * write, and its topic's lock is held for that statement only. The count it answers and publishes
 * is read after it, so it includes every like committed by then.
 */
export async function setLike(deps: AppDeps, caller: Principal, postId: string, like: boolean) {
  const write = (authorChecked: boolean) => repo.writeLike(deps.db, caller, postId, like, authorChecked);
  let written = await write(false);
  let authorId = written?.postAuthorId;
  if (like && written && authorId === null) {
    // A row from before migration 0014 does not know its author yet: its document does.
    authorId = (await findPostDoc(deps.mongo, postId))?.authorId;
    if (authorId !== caller.userId) written = await write(true);
  }
  if (!written) throw notFound("Post");
  if (like && authorId === caller.userId) throw appError("FORBIDDEN", "You cannot like your own post");
  const [stat] = await repo.likeStats(deps.db, [postId], null);
  const likeCount = Number(stat?.count ?? 0);
  if (written.changed) {
    // The statement answered the post's topic.
    await Promise.all([
      topicListsChanged(deps),
      publishTopicEvent(deps, written.id, { type: "post.liked", postId, likeCount }),
      track(deps, caller, written, like ? "post.liked" : "post.unliked", { postId }),
    ]);
  }
  return { postId, likeCount, likedByMe: like };
}

/** Only the topic's author picks (or clears) the best answer; it sets the answered flag. */
export async function markBestAnswer(
  deps: AppDeps,
  caller: Principal,
  input: { topicId: string; postId: string | null },
) {
  const topic = await findVisibleTopic(deps.db, caller, input.topicId);
  if (!canMarkBestAnswer(topic, caller))
    throw appError("FORBIDDEN", "Only the topic's author can choose the best answer");
  let answerAuthor: string | null = null;
  if (input.postId) {
    const post = await findPostDoc(deps.mongo, input.postId, topic.id);
    if (!post || post.deletedAt) throw fieldError("postId", "No such post in this topic");
    if (post._id === topic.firstPostId) throw fieldError("postId", "The question cannot be its own answer");
    answerAuthor = post.authorId;
  }
  // Under the topic's lock: the current best answer, and the post still there (not deleted meanwhile).
  const previous = await deps.db.transaction().execute(async (trx) => {
    const live = await repo.lockLiveTopic(trx, topic.id);
    if (!live) throw notFound("Topic");
    // The same choice again (a double click) changes nothing and tells nobody.
    if (live.bestPostId === input.postId) return undefined;
    if (input.postId && !(await repo.isLivePost(trx, input.postId)))
      throw fieldError("postId", "No such post in this topic");
    await repo.updateTopic(trx, topic.id, { bestPostId: input.postId, answered: input.postId !== null });
    if (answerAuthor) {
      await notifyReaders(deps, trx, topic, [
        {
          userId: answerAuthor,
          type: "forum.bestAnswer",
          actorId: caller.userId,
          data: { topicId: topic.id, postId: input.postId },
        },
      ]);
    }
    return live.bestPostId;
  });
  if (previous !== undefined) {
    const previousAuthor = previous ? ((await findPostDoc(deps.mongo, previous, topic.id))?.authorId ?? null) : null;
    await Promise.all([
      topicListsChanged(deps),
      publishTopicEvent(deps, topic.id, { type: "bestAnswer.changed", postId: input.postId }),
      // The new best answer's author gains one, the previous one's loses one (their dashboard counts).
      track(
        deps,
        caller,
        topic,
        "bestAnswer.changed",
        { postId: input.postId },
        { users: [answerAuthor, previousAuthor] },
      ),
    ]);
  }
  return { topicId: topic.id, bestPostId: input.postId, answered: input.postId !== null };
}
