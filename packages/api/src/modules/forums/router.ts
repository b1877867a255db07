import {
  BestAnswerResult,
  CreatePostInput,
  CreateTopicInput,
  ForumCategoryList,
  ForumSearchInput,
  ForumSearchResult,
  LikeResult,
  ListPostsInput,
  ListRepliesInput,
  ListTopicsInput,
  LockTopicInput,
  MarkBestAnswerInput,
  Ok,
  OnTopicInput,
  PinTopicInput,
  Post,
  PostIdInput,
  PostPage,
  SetTypingInput,
  TopicDetail,
  TopicIdInput,
  TopicList,
  TopicSummary,
  UpdatePostInput,
  UpdateTopicInput,
} from "@p2p/schemas";
import { router } from "../../trpc/init";
import { rest, retriable } from "../../trpc/meta";
import { orgProcedure } from "../../trpc/procedures";
import { trackedStream } from "../../trpc/subscriptions";
import { setTyping, topicEvents } from "./live";
import * as posts from "./posts";
import { searchForums } from "./search";
import * as topics from "./topics";

/** Every forum procedure acts for a signed-in member; visibility rules live in the service. */
export const forumsRouter = router({
  listCategories: orgProcedure
    .meta(rest("GET", "/forums/categories", "The forum categories"))
    .output(ForumCategoryList)
    .query(({ ctx }) => topics.listCategories(ctx.deps, ctx.principal)),
  createTopic: orgProcedure
    .meta(rest("POST", "/forums/topics", "Start a topic"))
    .meta(retriable)
    .input(CreateTopicInput)
    .output(TopicDetail)
    .mutation(({ ctx, input }) => topics.createTopic(ctx.deps, ctx.principal, input)),
  listTopics: orgProcedure
    .meta(rest("GET", "/forums/topics", "Topics you can see, filtered and sorted"))
    .input(ListTopicsInput)
    .output(TopicList)
    .query(({ ctx, input }) => topics.listTopics(ctx.deps, ctx.principal, input)),
  getTopic: orgProcedure
    .meta(rest("GET", "/forums/topics/{id}", "A topic with its first page of posts"))
    .input(TopicIdInput)
    .output(TopicDetail)
    .query(({ ctx, input }) => topics.getTopic(ctx.deps, ctx.principal, input.id)),
  updateTopic: orgProcedure
    .meta(rest("PATCH", "/forums/topics/{id}", "Edit a topic (author, admin of the author's organization, moderator)"))
    .input(UpdateTopicInput)
    .output(TopicSummary)
    .mutation(({ ctx, input }) => topics.updateTopic(ctx.deps, ctx.principal, input, ctx.ip)),
  deleteTopic: orgProcedure
    .meta(rest("DELETE", "/forums/topics/{id}", "Delete a topic"))
    .input(TopicIdInput)
    .output(Ok)
    .mutation(({ ctx, input }) => topics.deleteTopic(ctx.deps, ctx.principal, input.id, ctx.ip)),
  pinTopic: orgProcedure
    .meta(rest("POST", "/forums/topics/{id}/pin", "Pin or unpin a topic"))
    .input(PinTopicInput)
    .output(TopicSummary)
    .mutation(({ ctx, input }) =>
      topics.setTopicFlag(ctx.deps, ctx.principal, input.id, { pinned: input.pinned }, ctx.ip),
    ),
  lockTopic: orgProcedure
    .meta(rest("POST", "/forums/topics/{id}/lock", "Lock or unlock a topic"))
    .input(LockTopicInput)
    .output(TopicSummary)
    .mutation(({ ctx, input }) =>
      topics.setTopicFlag(ctx.deps, ctx.principal, input.id, { locked: input.locked }, ctx.ip),
    ),
  listPosts: orgProcedure
    .meta(rest("GET", "/forums/topics/{topicId}/posts", "A topic's posts and their replies"))
    .input(ListPostsInput)
    .output(PostPage)
    .query(({ ctx, input }) => posts.listPosts(ctx.deps, ctx.principal, input)),
  listReplies: orgProcedure
    .meta(
      rest("GET", "/forums/posts/{postId}/replies", "The replies of one thread, oldest first (past listPosts' share)"),
    )
    .input(ListRepliesInput)
    .output(PostPage)
    .query(({ ctx, input }) => posts.listReplies(ctx.deps, ctx.principal, input)),
  getPost: orgProcedure
    .meta(rest("GET", "/forums/posts/{postId}", "One post or reply (a deep link), with its topicId"))
    .input(PostIdInput)
    .output(Post)
    .query(({ ctx, input }) => posts.getPost(ctx.deps, ctx.principal, input.postId)),
  createPost: orgProcedure
    .meta(rest("POST", "/forums/topics/{topicId}/posts", "Post to a topic, or reply to a post (parentId)"))
    .meta(retriable)
    .input(CreatePostInput)
    .output(Post)
    .mutation(({ ctx, input }) => posts.createPost(ctx.deps, ctx.principal, input)),
  updatePost: orgProcedure
    .meta(rest("PATCH", "/forums/posts/{id}", "Edit your post or reply"))
    .input(UpdatePostInput)
    .output(Post)
    .mutation(({ ctx, input }) => posts.updatePost(ctx.deps, ctx.principal, input)),
  deletePost: orgProcedure
    .meta(rest("DELETE", "/forums/posts/{postId}", "Delete a post or reply"))
    .input(PostIdInput)
    .output(Ok)
    .mutation(({ ctx, input }) => posts.deletePost(ctx.deps, ctx.principal, input.postId, ctx.ip)),
  likePost: orgProcedure
    .meta(rest("POST", "/forums/posts/{postId}/like", "Like a post"))
    .input(PostIdInput)
    .output(LikeResult)
    .mutation(({ ctx, input }) => posts.setLike(ctx.deps, ctx.principal, input.postId, true)),
  unlikePost: orgProcedure
    .meta(rest("DELETE", "/forums/posts/{postId}/like", "Take back a like"))
    .input(PostIdInput)
    .output(LikeResult)
    .mutation(({ ctx, input }) => posts.setLike(ctx.deps, ctx.principal, input.postId, false)),
  markBestAnswer: orgProcedure
    .meta(
      rest(
        "PATCH",
        "/forums/topics/{topicId}/best-answer",
        "Mark (or with null, unmark) the best answer of your topic",
      ),
    )
    .input(MarkBestAnswerInput)
    .output(BestAnswerResult)
    .mutation(({ ctx, input }) => posts.markBestAnswer(ctx.deps, ctx.principal, input)),
  search: orgProcedure
    .meta(rest("GET", "/search/forums", "Search the topics and posts you can see"))
    .input(ForumSearchInput)
    .output(ForumSearchResult)
    .query(({ ctx, input }) => searchForums(ctx.deps, ctx.principal, input)),
  setTyping: orgProcedure
    .meta(rest("POST", "/forums/topics/{topicId}/typing", "Tell the topic's live viewers you are typing"))
    .input(SetTypingInput)
    .output(Ok)
    .mutation(({ ctx, input }) => setTyping(ctx.deps, ctx.principal, input.topicId)),
  onTopic: orgProcedure
    .input(OnTopicInput)
    .subscription(async ({ ctx, input }) => trackedStream(await topicEvents(ctx.deps, ctx.principal, input))),
});
