import { z } from "zod";
import {
  attachmentIds,
  ClientMessageId,
  EventId,
  Id,
  limits,
  multilineText,
  PageInput,
  page,
  ResyncEvent,
  requiredText,
} from "./common.js";

export const TopicVisibility = z.enum(["platform", "organization"]);
export type TopicVisibility = z.infer<typeof TopicVisibility>;

/**
 * A tag: letters (with their combining marks: Arabic vowel signs, Indic vowel signs, accents),
 * digits and dashes, in one Unicode form (NFC) and lower case, so "école" typed either way is one tag.
 */
export const Tag = z
  .string()
  .trim()
  .normalize("NFC")
  .toLowerCase()
  .regex(/^[\p{L}\p{N}][\p{L}\p{M}\p{N}-]{0,29}$/u, "Tags are 1–30 letters, digits or dashes");
/** Rich text as HTML; the server sanitizes it. */
export const RichText = multilineText(limits.longText).min(1, "Required");
const Attachments = attachmentIds(10);

export const ForumCategory = z.object({
  id: Id,
  slug: z.string(),
  name: z.string(),
  description: z.string(),
  topicCount: z.number().int(),
});
export const ForumCategoryList = z.array(ForumCategory);

/** A person as shown next to their content. */
export const Author = z.object({
  id: Id,
  firstName: z.string(),
  lastName: z.string(),
  title: z.string().nullable(),
  avatarFileId: Id.nullable(),
  organization: z.object({ id: Id, name: z.string() }),
});
export type Author = z.infer<typeof Author>;

export const Attachment = z.object({ id: Id, name: z.string(), contentType: z.string(), size: z.number().int() });

export const TopicSummary = z.object({
  id: Id,
  title: z.string(),
  category: z.object({ id: Id, slug: z.string(), name: z.string() }),
  author: Author,
  visibility: TopicVisibility,
  tags: z.array(z.string()),
  pinned: z.boolean(),
  locked: z.boolean(),
  answered: z.boolean(),
  replyCount: z.number().int(),
  viewCount: z.number().int(),
  likeCount: z.number().int(),
  lastActivityAt: z.date(),
  createdAt: z.date(),
});
export type TopicSummary = z.infer<typeof TopicSummary>;

export interface Post {
  id: string;
  topicId: string;
  parentId: string | null;
  depth: number;
  author: Author;
  /** null for a deleted post: the tombstone keeps the thread's shape. */
  bodyHtml: string | null;
  deleted: boolean;
  editedAt: Date | null;
  likeCount: number;
  likedByMe: boolean;
  isBestAnswer: boolean;
  attachments: z.infer<typeof Attachment>[];
  createdAt: Date;
  replies: Post[];
  /**
   * A top-level post in `listPosts` whose thread goes on past the replies shown: `listReplies`
   * pages through the rest (after the last reply shown). False everywhere else.
   */
  moreReplies: boolean;
}
export const Post: z.ZodType<Post> = z.object({
  id: Id,
  topicId: Id,
  parentId: Id.nullable(),
  depth: z.number().int(),
  author: Author,
  bodyHtml: z.string().nullable(),
  deleted: z.boolean(),
  editedAt: z.date().nullable(),
  likeCount: z.number().int(),
  likedByMe: z.boolean(),
  isBestAnswer: z.boolean(),
  attachments: z.array(Attachment),
  createdAt: z.date(),
  get replies() {
    return z.array(Post);
  },
  moreReplies: z.boolean(),
});
export const PostPage = page(Post);

export const TopicDetail = TopicSummary.extend({
  bestPostId: Id.nullable(),
  /** What the caller may do, so a client can show the right buttons. */
  can: z.object({ edit: z.boolean(), moderate: z.boolean(), reply: z.boolean(), markBestAnswer: z.boolean() }),
  posts: PostPage,
});

export const TopicSort = z.enum(["latest", "active", "top", "unanswered"]);
export const CreateTopicInput = z.object({
  title: requiredText(200).min(5, "Title must be at least 5 characters"),
  categoryId: Id,
  body: RichText,
  tags: z.array(Tag).max(5, "At most 5 tags").default([]),
  visibility: TopicVisibility,
  attachmentIds: Attachments,
  /** Makes a retried create one topic (common.ts). */
  clientMessageId: ClientMessageId.optional(),
});
export const ListTopicsInput = PageInput.extend({
  categoryId: Id.optional(),
  tag: Tag.optional(),
  answered: z.boolean().optional(),
  authorId: Id.optional(),
  organizationId: Id.optional(),
  sort: TopicSort.default("active"),
});
export const TopicList = page(TopicSummary);
export const TopicIdInput = z.object({ id: Id });
export const UpdateTopicInput = z.object({
  id: Id,
  title: requiredText(200).min(5, "Title must be at least 5 characters").optional(),
  categoryId: Id.optional(),
  tags: z.array(Tag).max(5, "At most 5 tags").optional(),
});
export const PinTopicInput = z.object({ id: Id, pinned: z.boolean() });
export const LockTopicInput = z.object({ id: Id, locked: z.boolean() });

export const ListPostsInput = PageInput.extend({ topicId: Id });
/** The replies of one thread (under a top-level post), oldest first, each flat with its parentId. */
export const ListRepliesInput = PageInput.extend({ postId: Id });
export const CreatePostInput = z.object({
  topicId: Id,
  parentId: Id.nullish(),
  body: RichText,
  attachmentIds: Attachments,
  /** Makes a retried create one post (common.ts). */
  clientMessageId: ClientMessageId.optional(),
});
export const UpdatePostInput = z.object({ id: Id, body: RichText });
export const PostIdInput = z.object({ postId: Id });
export const MarkBestAnswerInput = z.object({ topicId: Id, postId: Id.nullable() });
export const BestAnswerResult = z.object({ topicId: Id, bestPostId: Id.nullable(), answered: z.boolean() });
export const LikeResult = z.object({ postId: Id, likeCount: z.number().int(), likedByMe: z.boolean() });

export const ForumSearchInput = PageInput.extend({
  q: requiredText(200),
  categoryId: Id.optional(),
  answered: z.boolean().optional(),
  sort: z.enum(["relevance", "latest"]).default("relevance"),
});
export const ForumSearchHit = z.object({
  topic: TopicSummary,
  postId: Id,
  /** Matched text with `<mark>` around hits; everything else is escaped. */
  snippet: z.string(),
});
export const ForumSearchResult = page(ForumSearchHit);

export const SetTypingInput = z.object({ topicId: Id });
export const OnTopicInput = z.object({ topicId: Id, lastEventId: EventId.nullish() });

/** Everything a topic's live subscribers receive. */
export const TopicEvent = z.discriminatedUnion("type", [
  // likedByMe is always false in events: they are the same for every subscriber.
  z.object({ type: z.literal("post.created"), post: Post }),
  z.object({ type: z.literal("post.updated"), post: Post }),
  z.object({ type: z.literal("post.deleted"), postId: Id }),
  z.object({ type: z.literal("post.liked"), postId: Id, likeCount: z.number().int() }),
  z.object({ type: z.literal("bestAnswer.changed"), postId: Id.nullable() }),
  z.object({ type: z.literal("topic.updated"), locked: z.boolean(), pinned: z.boolean(), title: z.string() }),
  z.object({ type: z.literal("topic.deleted") }),
  z.object({
    type: z.literal("typing"),
    user: Author.pick({ id: true, firstName: true, lastName: true }),
    active: z.boolean(),
  }),
  // Coalesced: at most one per interval per topic (longer for crowded topics), with the number of
  // distinct viewers and the first of them (at most 20).
  z.object({
    type: z.literal("presence"),
    count: z.number().int(),
    viewers: z.array(Author.pick({ id: true, firstName: true, lastName: true })),
  }),
  // Events were missed (resumed from an id older than the backlog, or lost while Redis was down):
  // refetch the topic and its posts, then keep listening.
  ResyncEvent,
]);
export type TopicEvent = z.infer<typeof TopicEvent>;
