import {
  BestAnswerResult,
  CreatePostInput,
  CreateTopicInput,
  ForumCategoryList,
  ForumSearchInput,
  ForumSearchResult,
  LikeResult,
  ListPostsInput,
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
import { orgProcedure } from "../../trpc/procedures";
import { trackedStream } from "../../trpc/subscriptions";
import { setTyping, topicEvents } from "./live";
import * as posts from "./posts";
import { searchForums } from "./search";
import * as topics from "./topics";

/** Every forum procedure acts for a signed-in member; visibility rules live in the service. */
export const forumsRouter = router({
  listCategories: orgProcedure
    .output(ForumCategoryList)
    .query(({ ctx }) => topics.listCategories(ctx.deps, ctx.principal)),
  createTopic: orgProcedure
    .input(CreateTopicInput)
    .output(TopicDetail)
    .mutation(({ ctx, input }) => topics.createTopic(ctx.deps, ctx.principal, input)),
  listTopics: orgProcedure
    .input(ListTopicsInput)
    .output(TopicList)
    .query(({ ctx, input }) => topics.listTopics(ctx.deps, ctx.principal, input)),
  getTopic: orgProcedure
    .input(TopicIdInput)
    .output(TopicDetail)
    .query(({ ctx, input }) => topics.getTopic(ctx.deps, ctx.principal, input.id)),
  updateTopic: orgProcedure
    .input(UpdateTopicInput)
    .output(TopicSummary)
    .mutation(({ ctx, input }) => topics.updateTopic(ctx.deps, ctx.principal, input)),
  deleteTopic: orgProcedure
    .input(TopicIdInput)
    .output(Ok)
    .mutation(({ ctx, input }) => topics.deleteTopic(ctx.deps, ctx.principal, input.id)),
  pinTopic: orgProcedure
    .input(PinTopicInput)
    .output(TopicSummary)
    .mutation(({ ctx, input }) => topics.setTopicFlag(ctx.deps, ctx.principal, input.id, { pinned: input.pinned })),
  lockTopic: orgProcedure
    .input(LockTopicInput)
    .output(TopicSummary)
    .mutation(({ ctx, input }) => topics.setTopicFlag(ctx.deps, ctx.principal, input.id, { locked: input.locked })),
  listPosts: orgProcedure
    .input(ListPostsInput)
    .output(PostPage)
    .query(({ ctx, input }) => posts.listPosts(ctx.deps, ctx.principal, input)),
  createPost: orgProcedure
    .input(CreatePostInput)
    .output(Post)
    .mutation(({ ctx, input }) => posts.createPost(ctx.deps, ctx.principal, input)),
  updatePost: orgProcedure
    .input(UpdatePostInput)
    .output(Post)
    .mutation(({ ctx, input }) => posts.updatePost(ctx.deps, ctx.principal, input)),
  deletePost: orgProcedure
    .input(PostIdInput)
    .output(Ok)
    .mutation(({ ctx, input }) => posts.deletePost(ctx.deps, ctx.principal, input.postId)),
  likePost: orgProcedure
    .input(PostIdInput)
    .output(LikeResult)
    .mutation(({ ctx, input }) => posts.setLike(ctx.deps, ctx.principal, input.postId, true)),
  unlikePost: orgProcedure
    .input(PostIdInput)
    .output(LikeResult)
    .mutation(({ ctx, input }) => posts.setLike(ctx.deps, ctx.principal, input.postId, false)),
  markBestAnswer: orgProcedure
    .input(MarkBestAnswerInput)
    .output(BestAnswerResult)
    .mutation(({ ctx, input }) => posts.markBestAnswer(ctx.deps, ctx.principal, input)),
  search: orgProcedure
    .input(ForumSearchInput)
    .output(ForumSearchResult)
    .query(({ ctx, input }) => searchForums(ctx.deps, ctx.principal, input)),
  setTyping: orgProcedure
    .input(SetTypingInput)
    .output(Ok)
    .mutation(({ ctx, input }) => setTyping(ctx.deps, ctx.principal, input.topicId)),
  onTopic: orgProcedure
    .input(OnTopicInput)
    .subscription(({ ctx, input }) => trackedStream(topicEvents(ctx.deps, ctx.principal, input, ctx.signal))),
});
