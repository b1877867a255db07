import {
  CreatePostInput,
  CreateTopicInput,
  ForumCategory,
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
import { z } from "zod";
import { router } from "../../trpc/init";
import { orgProcedure } from "../../trpc/procedures";
import { topicEvents } from "./live";
import { searchForums } from "./search";
import * as forums from "./service";

/** Every forum procedure acts for a signed-in member; visibility rules live in the service. */
export const forumsRouter = router({
  listCategories: orgProcedure
    .output(z.array(ForumCategory))
    .query(({ ctx }) => forums.listCategories(ctx.deps, ctx.principal)),
  createTopic: orgProcedure
    .input(CreateTopicInput)
    .output(TopicDetail)
    .mutation(({ ctx, input }) => forums.createTopic(ctx.deps, ctx.principal, input)),
  listTopics: orgProcedure
    .input(ListTopicsInput)
    .output(TopicList)
    .query(({ ctx, input }) => forums.listTopics(ctx.deps, ctx.principal, input)),
  getTopic: orgProcedure
    .input(TopicIdInput)
    .output(TopicDetail)
    .query(({ ctx, input }) => forums.getTopic(ctx.deps, ctx.principal, input.id)),
  updateTopic: orgProcedure
    .input(UpdateTopicInput)
    .output(TopicSummary)
    .mutation(({ ctx, input }) => forums.updateTopic(ctx.deps, ctx.principal, input)),
  deleteTopic: orgProcedure
    .input(TopicIdInput)
    .output(Ok)
    .mutation(({ ctx, input }) => forums.deleteTopic(ctx.deps, ctx.principal, input.id)),
  pinTopic: orgProcedure
    .input(PinTopicInput)
    .output(TopicSummary)
    .mutation(({ ctx, input }) => forums.setTopicFlag(ctx.deps, ctx.principal, input.id, { pinned: input.pinned })),
  lockTopic: orgProcedure
    .input(LockTopicInput)
    .output(TopicSummary)
    .mutation(({ ctx, input }) => forums.setTopicFlag(ctx.deps, ctx.principal, input.id, { locked: input.locked })),
  listPosts: orgProcedure
    .input(ListPostsInput)
    .output(PostPage)
    .query(({ ctx, input }) => forums.listPosts(ctx.deps, ctx.principal, input)),
  createPost: orgProcedure
    .input(CreatePostInput)
    .output(Post)
    .mutation(({ ctx, input }) => forums.createPost(ctx.deps, ctx.principal, input)),
  updatePost: orgProcedure
    .input(UpdatePostInput)
    .output(Post)
    .mutation(({ ctx, input }) => forums.updatePost(ctx.deps, ctx.principal, input)),
  deletePost: orgProcedure
    .input(PostIdInput)
    .output(Ok)
    .mutation(({ ctx, input }) => forums.deletePost(ctx.deps, ctx.principal, input.postId)),
  likePost: orgProcedure
    .input(PostIdInput)
    .output(LikeResult)
    .mutation(({ ctx, input }) => forums.setLike(ctx.deps, ctx.principal, input.postId, true)),
  unlikePost: orgProcedure
    .input(PostIdInput)
    .output(LikeResult)
    .mutation(({ ctx, input }) => forums.setLike(ctx.deps, ctx.principal, input.postId, false)),
  markBestAnswer: orgProcedure
    .input(MarkBestAnswerInput)
    .output(z.object({ topicId: z.uuid(), bestPostId: z.uuid().nullable(), answered: z.boolean() }))
    .mutation(({ ctx, input }) => forums.markBestAnswer(ctx.deps, ctx.principal, input)),
  search: orgProcedure
    .input(ForumSearchInput)
    .output(ForumSearchResult)
    .query(({ ctx, input }) => searchForums(ctx.deps, ctx.principal, input)),
  setTyping: orgProcedure
    .input(SetTypingInput)
    .output(Ok)
    .mutation(({ ctx, input }) => forums.setTyping(ctx.deps, ctx.principal, input.topicId)),
  onTopic: orgProcedure
    .input(OnTopicInput)
    .subscription(({ ctx, input, signal }) => topicEvents(ctx.deps, ctx.principal, input, signal)),
});
