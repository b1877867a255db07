import { UpdateTopicInput } from "@p2p/schemas";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useMemo, useRef, useState, useSyncExternalStore } from "react";
import { Link, useLocation, useParams } from "wouter";
import { useTRPC } from "../../api";
import { useSession } from "../../app/session";
import { useI18n } from "../../i18n";
import { ConfirmDialog } from "../../ui/ConfirmDialog";
import { useClientKey } from "../../ui/clientKey";
import { Dialog } from "../../ui/Dialog";
import { errorText } from "../../ui/errors";
import { Field, FormError, SelectField, useZodForm } from "../../ui/form";
import { LoadMore } from "../../ui/LoadMore";
import { PageHeading } from "../../ui/PageHeading";
import { Empty, QueryState } from "../../ui/states";
import { PostForm } from "./PostForm";
import { PostView, type Thread, ThreadContext } from "./PostView";
import { TagsField } from "./TagsField";
import { authorName, TopicBadges, type TopicSummary, TopicTags } from "./TopicItem";
import { findPost } from "./thread";
import { POSTS_PER_PAGE, type ThreadCache, type Topic, useThreadCache, useTopicLive } from "./useThread";

/** At most one "typing" call per this interval; the server throttles to the same. */
const TYPING_EVERY_MS = 3_000;

const subscribeHash = (onChange: () => void) => {
  window.addEventListener("hashchange", onChange);
  return () => window.removeEventListener("hashchange", onChange);
};

/** The post a deep link points at: /forums/topics/<topicId>#post-<postId> (the notifications' links). */
function useTargetPost(): string | null {
  const hash = useSyncExternalStore(subscribeHash, () => window.location.hash);
  return /^#post-([0-9a-f-]{36})$/i.exec(hash)?.[1]?.toLowerCase() ?? null;
}

export default function TopicPage() {
  const { id } = useParams<{ id: string }>();
  const trpc = useTRPC();
  const topic = useQuery(trpc.forums.getTopic.queryOptions({ id }));
  return (
    <QueryState query={topic} feature="forums">
      {(data) => <TopicView topic={data} />}
    </QueryState>
  );
}

function TopicView({ topic }: { topic: Topic }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const session = useSession();
  const cache = useThreadCache(topic.id);
  const targetId = useTargetPost();
  const [problem, setProblem] = useState<string | null>(null);
  const posts = useInfiniteQuery(
    trpc.forums.listPosts.infiniteQueryOptions(
      { topicId: topic.id, limit: POSTS_PER_PAGE },
      {
        getNextPageParam: (page) => page.nextCursor,
        // The first page came with the topic.
        initialData: { pages: [topic.posts], pageParams: [null] },
      },
    ),
  );
  const live = useTopicLive(topic.id, cache, session.user.id);
  const setTyping = useMutation(trpc.forums.setTyping.mutationOptions());
  const createPost = useMutation(trpc.forums.createPost.mutationOptions());
  const replyKey = useClientKey();
  const lastTyping = useRef(0);

  const pages = posts.data;
  const [question, ...firstReplies] = pages?.pages[0]?.items ?? [];
  const replies = [...firstReplies, ...(pages?.pages.slice(1).flatMap((p) => p.items) ?? [])];

  // A deep link to a post not on the loaded pages: fetched alone and shown above the thread.
  const loaded = targetId ? findPost(pages, targetId) : undefined;
  const linked = useQuery(
    trpc.forums.getPost.queryOptions({ postId: targetId ?? "" }, { enabled: !!targetId && !loaded }),
  );
  const linkedPost = !loaded && linked.data?.topicId === topic.id ? linked.data : undefined;
  const targetShown = !!(loaded || linkedPost);
  useEffect(() => {
    if (!targetId || !targetShown) return;
    const element = document.getElementById(`post-${targetId}`);
    element?.scrollIntoView({ block: "start" });
    element?.focus({ preventScroll: true });
  }, [targetId, targetShown]);

  const thread = useMemo<Thread>(
    () => ({
      topic,
      firstPostId: question?.id,
      targetId,
      cache,
      session,
      report: (error) => setProblem(errorText(t, error, "forums")),
      onTyping: () => {
        if (Date.now() - lastTyping.current < TYPING_EVERY_MS) return;
        lastTyping.current = Date.now();
        setTyping.mutate({ topicId: topic.id });
      },
    }),
    [topic, question?.id, targetId, cache, session, t, setTyping.mutate],
  );

  if (live.deleted) {
    return (
      <section>
        <PageHeading title={topic.title} />
        <p role="alert">{t("forums.topic.topicDeleted")}</p>
        <Link href="/forums">{t("forums.topic.backToForums")}</Link>
      </section>
    );
  }

  return (
    <ThreadContext.Provider value={thread}>
      <article className="forums-topic-page" aria-labelledby="forums-topic-title">
        <TopicHeader topic={topic} cache={cache} />
        <LivePeople typing={live.typing} viewers={live.viewers} />
        <p className="visually-hidden" role="status">
          {live.announcement && t("forums.topic.newReply", { author: live.announcement.author })}
        </p>
        {problem && (
          <p role="alert" className="notice error">
            {problem}
          </p>
        )}
        {question && <PostView post={question} />}
        {targetId && !loaded && linked.error && (
          <p role="alert" className="notice error">
            {errorText(t, linked.error, "forums")}
          </p>
        )}
        {linkedPost && (
          <section aria-labelledby="forums-linked" className="forums-linked">
            <h2 id="forums-linked">{t("forums.topic.linked")}</h2>
            <p className="muted">{t("forums.topic.linkedHint")}</p>
            <PostView post={linkedPost} />
          </section>
        )}
        <section aria-labelledby="forums-replies">
          <h2 id="forums-replies">
            {t("forums.topic.replies")}{" "}
            <span className="muted">({t("forums.replyCount", { count: topic.replyCount })})</span>
          </h2>
          {replies.length === 0 ? (
            <Empty>{t("forums.topic.noReplies")}</Empty>
          ) : (
            <ol className="forums-thread">
              {replies.map((post) => (
                <li key={post.id}>
                  <PostView post={post} />
                </li>
              ))}
            </ol>
          )}
          <LoadMore query={posts} feature="forums" />
        </section>
        <section aria-labelledby="forums-your-reply">
          <h2 id="forums-your-reply">{t("forums.topic.yourReply")}</h2>
          {topic.can.reply ? (
            <PostForm
              label={t("forums.topic.yourReply")}
              labelHidden
              submitLabel={t("forums.topic.send")}
              onTyping={thread.onTyping}
              onSubmit={async (body) => {
                const input = { topicId: topic.id, body };
                cache.receive(await createPost.mutateAsync({ ...input, clientMessageId: replyKey.for(input) }));
                replyKey.made();
              }}
            />
          ) : (
            <p className="notice">{t("forums.topic.locked")}</p>
          )}
        </section>
      </article>
    </ThreadContext.Provider>
  );
}

/** Who else is here: "Ada is typing…" and how many people view the topic. */
function LivePeople({ typing, viewers }: Pick<ReturnType<typeof useTopicLive>, "typing" | "viewers">) {
  const { t } = useI18n();
  return (
    <div className="forums-live">
      <p role="status" className="forums-typing">
        {typing.length > 0 &&
          t("forums.live.typing", { count: typing.length, names: typing.map(authorName).join(", ") })}
      </p>
      {viewers && (
        <p className="muted">
          {t("forums.live.viewers", { count: viewers.count })}
          {viewers.viewers.length > 0 && `: ${viewers.viewers.map(authorName).join(", ")}`}
        </p>
      )}
    </div>
  );
}

/** Title, state, author and where it is visible; pin, lock, edit and delete for those allowed. */
function TopicHeader({ topic, cache }: { topic: Topic; cache: ThreadCache }) {
  const { t, format } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [, navigate] = useLocation();
  const [dialog, setDialog] = useState<"edit" | "delete" | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const pin = useMutation(trpc.forums.pinTopic.mutationOptions());
  const lock = useMutation(trpc.forums.lockTopic.mutationOptions());
  const deleteTopic = useMutation(trpc.forums.deleteTopic.mutationOptions());
  const applied = {
    onSuccess: (summary: TopicSummary) =>
      cache.setTopic((old) => ({ ...old, ...summary, can: { ...old.can, reply: !summary.locked } })),
    onError: (error: unknown) => setProblem(errorText(t, error, "forums")),
  };
  const listsChanged = () => queryClient.invalidateQueries(trpc.forums.listTopics.pathFilter());
  return (
    <header className="forums-topic-header">
      <PageHeading id="forums-topic-title" title={topic.title}>
        {" "}
        <TopicBadges topic={topic} />
      </PageHeading>
      <p className="muted forums-topic-meta">
        <span>{topic.category.name}</span>
        <span>
          {t("forums.byline", { author: authorName(topic.author), organization: topic.author.organization.name })}
        </span>
        <span>
          <time dateTime={topic.createdAt.toISOString()}>{format.dateTime(topic.createdAt)}</time>
        </span>
        <span>
          {topic.visibility === "organization"
            ? t("forums.topic.visibility.organization", { organization: topic.author.organization.name })
            : t("forums.topic.visibility.platform")}
        </span>
        <span>{t("forums.viewCount", { count: topic.viewCount })}</span>
      </p>
      <TopicTags tags={topic.tags} />
      {(topic.can.moderate || topic.can.edit) && (
        <div className="forums-actions">
          {topic.can.moderate && (
            <>
              <button
                type="button"
                aria-pressed={topic.pinned}
                disabled={pin.isPending}
                onClick={() => pin.mutate({ id: topic.id, pinned: !topic.pinned }, applied)}
              >
                {t("forums.topic.pin")}
              </button>
              <button
                type="button"
                aria-pressed={topic.locked}
                disabled={lock.isPending}
                onClick={() => lock.mutate({ id: topic.id, locked: !topic.locked }, applied)}
              >
                {t("forums.topic.lock")}
              </button>
            </>
          )}
          {topic.can.edit && (
            <>
              <button type="button" onClick={() => setDialog("edit")}>
                {t("forums.topic.edit")}
              </button>
              <button type="button" className="danger" onClick={() => setDialog("delete")}>
                {t("forums.topic.delete")}
              </button>
            </>
          )}
        </div>
      )}
      {problem && (
        <p role="alert" className="form-error">
          {problem}
        </p>
      )}
      {dialog === "edit" && (
        <Dialog open title={t("forums.topic.edit")} onClose={() => setDialog(null)}>
          <EditTopicForm
            topic={topic}
            onSaved={(summary) => {
              applied.onSuccess(summary);
              void listsChanged();
              setDialog(null);
            }}
          />
        </Dialog>
      )}
      {dialog === "delete" && (
        <ConfirmDialog
          open
          title={t("forums.topic.delete")}
          body={t("forums.topic.deleteTopicConfirm")}
          confirmLabel={t("action.delete")}
          danger
          feature="forums"
          onClose={() => setDialog(null)}
          onConfirm={async () => {
            await deleteTopic.mutateAsync({ id: topic.id });
            await listsChanged();
            navigate("/forums", { replace: true });
          }}
        />
      )}
    </header>
  );
}

/** The topic's title, category and tags (its body is the first post: edited there). */
function EditTopicForm({ topic, onSaved }: { topic: Topic; onSaved(summary: TopicSummary): void }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const categories = useQuery(trpc.forums.listCategories.queryOptions());
  const update = useMutation(trpc.forums.updateTopic.mutationOptions());
  const form = useZodForm({
    schema: UpdateTopicInput,
    initial: { id: topic.id, title: topic.title, categoryId: topic.category.id, tags: topic.tags },
    feature: "forums",
    onSubmit: async (input) => onSaved(await update.mutateAsync(input)),
  });
  return (
    <form onSubmit={form.submit} noValidate>
      <FormError message={form.formError} />
      <Field label={t("forums.field.title")} {...form.field("title")} />
      <SelectField
        label={t("forums.field.category")}
        {...form.field("categoryId")}
        options={(categories.data ?? [topic.category]).map((c) => ({ value: c.id, label: c.name }))}
      />
      <TagsField initial={topic.tags} error={form.field("tags").error} onChange={(tags) => form.set("tags", tags)} />
      <button type="submit" className="primary" disabled={form.submitting}>
        {form.submitting ? t("state.saving") : t("action.save")}
      </button>
    </form>
  );
}
