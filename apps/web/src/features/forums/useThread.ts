import type { RouterOutputs } from "@p2p/client";
import type { TopicEvent } from "@p2p/schemas";
import { useQueryClient } from "@tanstack/react-query";
import { useSubscription } from "@trpc/tanstack-react-query";
import { useEffect, useMemo, useState } from "react";
import { useTRPC } from "../../api";
import { authorName } from "./TopicItem";
import { addPost, findPost, mapPosts, type Pages, type Post } from "./thread";

export type Topic = RouterOutputs["forums"]["getTopic"];

/** Top-level posts per page: the first page comes with the topic (getTopic loads 20). */
export const POSTS_PER_PAGE = 20;
/** Replies per listReplies page when a thread is read on past its first share (the most a page holds). */
export const REPLIES_PER_PAGE = 100;

/**
 * The topic and its loaded thread in the query cache, changed in place by the page's own writes
 * and by the topic's live events alike (a post already there is not added twice). A post shown
 * alone (a deep link, forums.getPost) changes with it.
 */
export function useThreadCache(topicId: string) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return useMemo(() => {
    const topicKey = trpc.forums.getTopic.queryKey({ id: topicId });
    const postsKey = trpc.forums.listPosts.infiniteQueryKey({ topicId, limit: POSTS_PER_PAGE });
    const setTopic = (change: (topic: Topic) => Topic) =>
      queryClient.setQueryData(topicKey, (old) => (old ? change(old) : old));
    const pages = () => queryClient.getQueryData<Pages>(postsKey);
    const changePosts = (change: (post: Post) => Post) => {
      queryClient.setQueryData<Pages>(postsKey, (old) => (old ? mapPosts(old, change) : old));
      queryClient.setQueriesData<Post>(trpc.forums.getPost.pathFilter(), (old) => (old ? change(old) : old));
    };
    const changePost = (id: string, change: (post: Post) => Post) => changePosts((p) => (p.id === id ? change(p) : p));
    const countReplies = (delta: number) => setTopic((t) => ({ ...t, replyCount: Math.max(0, t.replyCount + delta) }));
    return {
      postsKey,
      setTopic,
      changePost,
      /** A new post (ours, or another's from the stream): added and counted once. */
      receive(post: Post) {
        if (findPost(pages(), post.id)) return false;
        queryClient.setQueryData<Pages>(postsKey, (old) => (old ? addPost(old, post) : old));
        countReplies(1);
        return true;
      },
      /**
       * Replies read on in a thread (listReplies), put in place as new ones are but not counted (the
       * topic's count has them); answers how many were not shown yet.
       */
      addReplies(posts: Post[]) {
        const before = pages();
        if (!before) return 0;
        queryClient.setQueryData<Pages>(postsKey, posts.reduce(addPost, before));
        return posts.filter((p) => !findPost(before, p.id)).length;
      },
      /** A deleted post keeps its place as a tombstone, as the server shows it. */
      remove(id: string) {
        const known = findPost(pages(), id);
        if (known?.deleted) return;
        changePost(id, (p) => ({ ...p, deleted: true, bodyHtml: null, attachments: [] }));
        countReplies(-1);
      },
      setBest(postId: string | null) {
        setTopic((t) => ({ ...t, bestPostId: postId, answered: postId !== null }));
        changePosts((p) => (p.isBestAnswer === (p.id === postId) ? p : { ...p, isBestAnswer: p.id === postId }));
      },
      refetch: () =>
        Promise.all([
          queryClient.invalidateQueries({ queryKey: topicKey }),
          queryClient.invalidateQueries({ queryKey: postsKey }),
          queryClient.invalidateQueries(trpc.forums.getPost.pathFilter()),
        ]),
    };
  }, [trpc, queryClient, topicId]);
}

export type ThreadCache = ReturnType<typeof useThreadCache>;

type Person = { id: string; firstName: string; lastName: string };

/** How long "typing…" stays without a new signal (the server sends one at most every 3 s while typing). */
const TYPING_SHOWN_MS = 6_000;

/**
 * The topic's live stream (forums.onTopic), resumed by the client from its last event id after a
 * drop: posts, edits, deletions, likes, best answer and topic changes go into the cache; typing,
 * viewers, a deleted topic and a sentence for screen readers come back as state.
 */
export function useTopicLive(topicId: string, cache: ThreadCache, me: string) {
  const trpc = useTRPC();
  const [typing, setTyping] = useState<Record<string, { person: Person; until: number }>>({});
  const [viewers, setViewers] = useState<{ count: number; viewers: Person[] } | null>(null);
  const [deleted, setDeleted] = useState(false);
  const [announcement, setAnnouncement] = useState<{ author: string } | null>(null);

  const stopTyping = (userId: string) =>
    setTyping((current) => {
      if (!(userId in current)) return current;
      const { [userId]: _, ...rest } = current;
      return rest;
    });

  const onEvent = (event: TopicEvent) => {
    switch (event.type) {
      case "post.created":
        stopTyping(event.post.author.id);
        if (cache.receive(event.post) && event.post.author.id !== me)
          setAnnouncement({ author: authorName(event.post.author) });
        return;
      case "post.updated":
        // Events carry no reader's own like: keep ours, and the replies loaded under it.
        return cache.changePost(event.post.id, (p) => ({
          ...p,
          bodyHtml: event.post.bodyHtml,
          editedAt: event.post.editedAt,
          attachments: event.post.attachments,
        }));
      case "post.deleted":
        return cache.remove(event.postId);
      case "post.liked":
        return cache.changePost(event.postId, (p) => ({ ...p, likeCount: event.likeCount }));
      case "bestAnswer.changed":
        return cache.setBest(event.postId);
      case "topic.updated":
        return cache.setTopic((t) => ({
          ...t,
          title: event.title,
          locked: event.locked,
          pinned: event.pinned,
          can: { ...t.can, reply: !event.locked },
        }));
      case "topic.deleted":
        return setDeleted(true);
      case "typing":
        if (event.user.id === me) return;
        if (!event.active) return stopTyping(event.user.id);
        return setTyping((current) => ({
          ...current,
          [event.user.id]: { person: event.user, until: Date.now() + TYPING_SHOWN_MS },
        }));
      case "presence":
        return setViewers({ count: event.count, viewers: event.viewers });
      case "resync":
        return void cache.refetch();
    }
  };

  useSubscription(trpc.forums.onTopic.subscriptionOptions({ topicId }, { onData: ({ data }) => onEvent(data) }));

  // "Typing…" ends by itself when no new signal came in time.
  useEffect(() => {
    const next = Math.min(...Object.values(typing).map((t) => t.until));
    if (!Number.isFinite(next)) return;
    const timer = setTimeout(
      () => setTyping((current) => Object.fromEntries(Object.entries(current).filter(([, t]) => t.until > Date.now()))),
      Math.max(0, next - Date.now()) + 50,
    );
    return () => clearTimeout(timer);
  }, [typing]);

  return {
    typing: Object.values(typing).map((t) => t.person),
    viewers,
    deleted,
    announcement,
  };
}
