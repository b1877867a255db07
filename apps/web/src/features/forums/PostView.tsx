import { useMutation } from "@tanstack/react-query";
import { createContext, useContext, useRef, useState } from "react";
import { useTRPC, useTRPCClient } from "../../api";
import type { Session } from "../../app/session";
import { useI18n, useT } from "../../i18n";
import { ConfirmDialog } from "../../ui/ConfirmDialog";
import { useClientKey } from "../../ui/clientKey";
import { errorText } from "../../ui/errors";
import { PostForm } from "./PostForm";
import { authorName } from "./TopicItem";
import type { Post } from "./thread";
import { REPLIES_PER_PAGE, type ThreadCache, type Topic } from "./useThread";

/** What every post of the thread needs from its page. */
export interface Thread {
  topic: Topic;
  /** The topic's first post (the question): no best answer, no delete (delete the topic instead). */
  firstPostId: string | undefined;
  /** The post a deep link points at (#post-<id>). */
  targetId: string | null;
  cache: ThreadCache;
  session: Session;
  /** Shows why an action failed (like, best answer), above the thread. */
  report(error: unknown): void;
  onTyping(): void;
}

export const ThreadContext = createContext<Thread | null>(null);

function useThread(): Thread {
  const thread = useContext(ThreadContext);
  if (!thread) throw new Error("PostView outside ThreadContext");
  return thread;
}

/** The server's post HTML, as it was sanitized on write (packages/api/src/modules/forums/rich-text.ts). */
export function PostBody({ html }: { html: string }) {
  // biome-ignore lint/security/noDangerouslySetInnerHtml: sanitized by the server (forums/rich-text.ts, sanitize-html allow-list)
  return <div className="forums-post-body" dangerouslySetInnerHTML={{ __html: html }} />;
}

/**
 * One post with what the reader may do to it (like, best answer, reply, edit, delete), and its
 * replies nested under it. The buttons follow the session; the server decides again.
 */
export function PostView({ post }: { post: Post }) {
  const { t, format } = useI18n();
  const trpc = useTRPC();
  const { topic, firstPostId, targetId, cache, session, report, onTyping } = useThread();
  const [mode, setMode] = useState<"read" | "reply" | "edit">("read");
  const [confirmDelete, setConfirmDelete] = useState(false);
  const like = useMutation(trpc.forums.likePost.mutationOptions());
  const unlike = useMutation(trpc.forums.unlikePost.mutationOptions());
  const markBest = useMutation(trpc.forums.markBestAnswer.mutationOptions());
  const createPost = useMutation(trpc.forums.createPost.mutationOptions());
  const replyKey = useClientKey();
  const updatePost = useMutation(trpc.forums.updatePost.mutationOptions());
  const deletePost = useMutation(trpc.forums.deletePost.mutationOptions());

  const author = authorName(post.author);
  const mine = post.author.id === session.user.id;
  const isQuestion = post.id === firstPostId;
  const canDelete =
    !isQuestion &&
    (mine ||
      (session.role === "admin" && post.author.organization.id === session.organization.id) ||
      session.permissions.includes("content.moderate"));
  const headingId = `post-${post.id}-author`;

  const toggleLike = () =>
    (post.likedByMe ? unlike : like).mutate(
      { postId: post.id },
      {
        onSuccess: (r) => cache.changePost(r.postId, (p) => ({ ...p, likeCount: r.likeCount, likedByMe: r.likedByMe })),
        onError: report,
      },
    );
  const toggleBest = () =>
    markBest.mutate(
      { topicId: topic.id, postId: post.isBestAnswer ? null : post.id },
      { onSuccess: (r) => cache.setBest(r.bestPostId), onError: report },
    );

  return (
    <article
      id={`post-${post.id}`}
      tabIndex={-1}
      aria-labelledby={headingId}
      className={`forums-post${post.isBestAnswer ? " forums-post-best" : ""}${post.id === targetId ? " forums-post-target" : ""}`}
    >
      <header className="forums-post-header">
        <strong id={headingId}>{author}</strong>
        <span className="muted">{post.author.organization.name}</span>
        <a href={`#post-${post.id}`} className="muted" title={t("forums.topic.permalink")}>
          <time dateTime={post.createdAt.toISOString()}>{format.relative(post.createdAt)}</time>
        </a>
        {post.editedAt && <span className="muted">({t("forums.topic.edited")})</span>}
        {post.isBestAnswer && <span className="forums-badge forums-badge-best">{t("forums.topic.bestAnswer")}</span>}
      </header>
      {post.deleted ? (
        <p className="muted">{t("forums.topic.deleted")}</p>
      ) : mode === "edit" ? (
        <PostForm
          label={t("action.edit")}
          submitLabel={t("forums.topic.saveEdit")}
          initial={post.bodyHtml ?? ""}
          autoFocus
          onCancel={() => setMode("read")}
          onSubmit={async (body) => {
            const saved = await updatePost.mutateAsync({ id: post.id, body });
            cache.changePost(saved.id, (p) => ({ ...p, bodyHtml: saved.bodyHtml, editedAt: saved.editedAt }));
            setMode("read");
          }}
        />
      ) : (
        <PostBody html={post.bodyHtml ?? ""} />
      )}
      {post.attachments.length > 0 && (
        <ul className="forums-attachments" aria-label={t("forums.topic.attachments")}>
          {post.attachments.map((file) => (
            <li key={file.id}>
              <a href={`/files/${file.id}`}>{file.name}</a>
            </li>
          ))}
        </ul>
      )}
      {!post.deleted && mode === "read" && (
        <div className="forums-post-actions">
          {mine ? (
            <span className="muted">{t("forums.likeCount", { count: post.likeCount })}</span>
          ) : (
            <button
              type="button"
              aria-pressed={post.likedByMe}
              disabled={like.isPending || unlike.isPending}
              onClick={toggleLike}
            >
              {t("forums.topic.like")} <span className="forums-count">{format.number(post.likeCount)}</span>
            </button>
          )}
          {topic.can.markBestAnswer && !isQuestion && (
            <button type="button" aria-pressed={post.isBestAnswer} disabled={markBest.isPending} onClick={toggleBest}>
              {t("forums.topic.markBest")}
            </button>
          )}
          {topic.can.reply && (
            <button type="button" onClick={() => setMode("reply")}>
              {t("forums.topic.reply")}
            </button>
          )}
          {mine && (
            <button type="button" onClick={() => setMode("edit")}>
              {t("action.edit")}
            </button>
          )}
          {canDelete && (
            <button type="button" className="danger" onClick={() => setConfirmDelete(true)}>
              {t("action.delete")}
            </button>
          )}
        </div>
      )}
      {mode === "reply" && (
        <PostForm
          label={t("forums.topic.replyTo", { author })}
          submitLabel={t("forums.topic.send")}
          autoFocus
          onTyping={onTyping}
          onCancel={() => setMode("read")}
          onSubmit={async (body) => {
            const input = { topicId: topic.id, parentId: post.id, body };
            cache.receive(await createPost.mutateAsync({ ...input, clientMessageId: replyKey.for(input) }));
            replyKey.made();
            setMode("read");
          }}
        />
      )}
      {confirmDelete && (
        <ConfirmDialog
          open
          title={t("action.delete")}
          body={t("forums.topic.deleteConfirm")}
          confirmLabel={t("action.delete")}
          danger
          feature="forums"
          onClose={() => setConfirmDelete(false)}
          onConfirm={async () => {
            await deletePost.mutateAsync({ postId: post.id });
            cache.remove(post.id);
          }}
        />
      )}
      {post.replies.length > 0 && (
        <ol className="forums-replies">
          {post.replies.map((reply) => (
            <li key={reply.id}>
              <PostView post={reply} />
            </li>
          ))}
        </ol>
      )}
      {post.depth === 0 && post.moreReplies && <MoreReplies postId={post.id} />}
    </article>
  );
}

/**
 * "Show more replies" under a thread the topic's page cut short: its next replies are read
 * (forums.listReplies) and put in place, until the thread has no more.
 */
function MoreReplies({ postId }: { postId: string }) {
  const t = useT();
  const client = useTRPCClient();
  const { cache } = useThread();
  const cursor = useRef<string | null>(null);
  const more = useMutation({
    mutationFn: async () => {
      // Its cursor is opaque: the thread is read from its start, skipping pages already shown.
      let added = 0;
      do {
        const page = await client.forums.listReplies.query({ postId, limit: REPLIES_PER_PAGE, cursor: cursor.current });
        cursor.current = page.nextCursor;
        added += cache.addReplies(page.items);
      } while (added === 0 && cursor.current);
      if (!cursor.current) cache.changePost(postId, (p) => ({ ...p, moreReplies: false }));
    },
  });
  return (
    <div className="load-more">
      {more.isError && (
        <p role="alert" className="form-error">
          {errorText(t, more.error, "forums")}
        </p>
      )}
      <button type="button" onClick={() => more.mutate()} disabled={more.isPending}>
        {more.isPending ? t("state.loading") : t("forums.topic.moreReplies")}
      </button>
    </div>
  );
}
