import type { RouterOutputs } from "@p2p/client";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import { Link } from "wouter";
import { useTRPC } from "../../api";
import { useI18n } from "../../i18n";
import { ConfirmDialog } from "../../ui/ConfirmDialog";
import { errorText } from "../../ui/errors";
import { TaskEditDialog } from "./TaskEditDialog";
import { type Task, useTaskWrites } from "./writes";

type Page = RouterOutputs["tasks"]["list"];

const linkHref: Record<NonNullable<Task["link"]>["kind"], (id: string) => string> = {
  topic: (id) => `/forums/topics/${id}`,
  useCase: (id) => `/use-cases/${id}`,
  conversation: (id) => `/messages/${id}`,
};

/**
 * One task: a checkbox completes it at once in every list on screen (optimistic; undone if the
 * server refuses), then the lists are asked again so filters and order apply.
 */
export function TaskItem({ task }: { task: Task }) {
  const { t, format } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const refresh = useTaskWrites();
  const id = useId();
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);
  // The box shows the click's state at once, in React state: the cache update (onMutate) waits for
  // list reads in flight, and a controlled box would flip back meanwhile. The lists take over once
  // the server answered (or the refusal put them back).
  const [clicked, setClicked] = useState<boolean | null>(null);
  const lists = trpc.tasks.list.pathFilter();
  const toggle = useMutation(
    trpc.tasks.update.mutationOptions({
      onMutate: async ({ completed }) => {
        await queryClient.cancelQueries(lists);
        const before = queryClient.getQueriesData(lists);
        const mark = (x: Task): Task =>
          x.id === task.id
            ? {
                ...x,
                completed: !!completed,
                completedAt: completed ? new Date() : null,
                overdue: !completed && x.overdue,
              }
            : x;
        queryClient.setQueriesData(lists, (old: unknown) => {
          const data = old as { pages?: Page[] } | Page | undefined;
          if (!data) return old;
          if ("pages" in data && data.pages) {
            return { ...data, pages: data.pages.map((p) => ({ ...p, items: p.items.map(mark) })) };
          }
          return { ...(data as Page), items: (data as Page).items.map(mark) };
        });
        return { before };
      },
      onError: (_error, _input, context) => {
        for (const [key, data] of context?.before ?? []) queryClient.setQueryData(key, data);
      },
      onSettled: () => refresh(),
    }),
  );
  const remove = useMutation(trpc.tasks.delete.mutationOptions({ onSuccess: () => refresh() }));
  return (
    <li className={task.completed ? "tasks-item tasks-done" : "tasks-item"}>
      <input
        id={id}
        type="checkbox"
        checked={clicked ?? task.completed}
        onChange={(e) => {
          setClicked(e.target.checked);
          toggle.mutate({ id: task.id, completed: e.target.checked }, { onSettled: () => setClicked(null) });
        }}
      />
      <div className="tasks-body">
        <label htmlFor={id} className="tasks-title">
          {task.title}
        </label>
        <p className="tasks-meta">
          {task.dueAt && (
            <span>
              {t("tasks.item.due", { when: format.dateTime(task.dueAt) })}
              {task.overdue && <strong className="tasks-overdue"> · {t("tasks.item.overdue")}</strong>}
              {!task.overdue && task.dueToday && !task.completed && <strong> · {t("tasks.item.today")}</strong>}
            </span>
          )}
          <span>{t(`tasks.priority.${task.priority}`)}</span>
          {task.tags.map((tag) => (
            <span key={tag} className="tasks-tag">
              <bdi>#{tag}</bdi>
            </span>
          ))}
          {task.link &&
            (task.link.gone ? (
              <span className="muted">{t("tasks.item.linkGone")}</span>
            ) : (
              <Link href={linkHref[task.link.kind](task.link.id)}>{task.link.title}</Link>
            ))}
        </p>
        {task.description && <p className="tasks-description">{task.description}</p>}
        {toggle.error && (
          <p role="alert" className="form-error">
            {errorText(t, toggle.error, "tasks")}
          </p>
        )}
      </div>
      <div className="tasks-actions">
        <button type="button" onClick={() => setEditing(true)} aria-label={t("tasks.item.edit", { title: task.title })}>
          {t("action.edit")}
        </button>
        <button
          type="button"
          className="danger"
          onClick={() => setDeleting(true)}
          aria-label={t("tasks.item.delete", { title: task.title })}
        >
          {t("action.delete")}
        </button>
      </div>
      <TaskEditDialog task={task} open={editing} onClose={() => setEditing(false)} />
      <ConfirmDialog
        open={deleting}
        title={t("tasks.delete.title")}
        body={t("tasks.delete.body", { title: task.title })}
        confirmLabel={t("action.delete")}
        danger
        feature="tasks"
        onClose={() => setDeleting(false)}
        onConfirm={() => remove.mutateAsync({ id: task.id })}
      />
    </li>
  );
}
