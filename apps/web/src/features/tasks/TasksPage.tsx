import type { RouterInputs } from "@p2p/client";
import { CreateTaskInput, TaskPriority, TaskSort } from "@p2p/schemas";
import { useInfiniteQuery, useMutation } from "@tanstack/react-query";
import { useRef, useState } from "react";
import { useSearchParams } from "wouter";
import { z } from "zod";
import { useTRPC } from "../../api";
import { useSession } from "../../app/session";
import { useI18n } from "../../i18n";
import { useClientKey } from "../../ui/clientKey";
import { Field, FormError, SelectField, useZodForm } from "../../ui/form";
import { LoadMore } from "../../ui/LoadMore";
import { PageHeading } from "../../ui/PageHeading";
import { Empty, QueryState } from "../../ui/states";
import { TaskItem } from "./TaskItem";
import { useTaskWrites } from "./writes";
import { dayIn, fromZoned } from "./zoned";

type ListInput = Omit<RouterInputs["tasks"]["list"], "cursor">;

const SHOW = ["open", "done", "all"] as const;
const DUE = ["overdue", "today", "week"] as const;
const ORDER = ["asc", "desc"] as const;

const pick = <T extends string>(options: readonly T[], value: string | null, fallback: T): T =>
  options.includes(value as T) ? (value as T) : fallback;

/** The list's filters, from the address (so a filter survives a reload and the back button undoes it). */
function listInput(params: URLSearchParams, timeZone: string): ListInput {
  const show = pick(SHOW, params.get("show"), "open");
  const due = params.get("due");
  const priority = params.get("priority");
  // "This week": from the start of today to the end of the seventh day, in the user's time zone.
  const week =
    due === "week"
      ? { dueAfter: fromZoned(dayIn(timeZone), timeZone), dueBefore: fromZoned(dayIn(timeZone, 7), timeZone) }
      : {};
  return {
    ...(show === "all" ? {} : { completed: show === "done" }),
    ...(due === "overdue" ? { overdue: true } : due === "today" ? { dueToday: true } : week),
    ...(TaskPriority.safeParse(priority).success ? { priority: priority as ListInput["priority"] } : {}),
    ...(params.get("q") ? { q: params.get("q") as string } : {}),
    sort: pick(TaskSort.options, params.get("sort"), "due"),
    order: pick(ORDER, params.get("order"), "asc"),
    withTotal: true,
  };
}

export default function TasksPage() {
  const { t } = useI18n();
  const trpc = useTRPC();
  const { user } = useSession();
  const [params, setParams] = useSearchParams();
  const input = listInput(params, user.timezone);
  const tasks = useInfiniteQuery(
    trpc.tasks.list.infiniteQueryOptions(input, { getNextPageParam: (page) => page.nextCursor }),
  );
  const setFilter = (name: string, value: string) =>
    setParams((prev) => {
      const next = new URLSearchParams(prev);
      if (value) next.set(name, value);
      else next.delete(name);
      return next;
    });
  const select = (name: string, options: readonly string[], fallback = "") => ({
    name,
    value: params.get(name) ?? fallback,
    onChange: (value: string) => setFilter(name, value),
    options: options.map((o) => ({ value: o, label: t(`tasks.${name}.${o}` as Parameters<typeof t>[0]) })),
  });
  return (
    <>
      <PageHeading title={t("tasks.title")} />
      <QuickAdd />
      <section className="card" aria-labelledby="tasks-list-title">
        <h2 id="tasks-list-title">{t("tasks.list.title")}</h2>
        <div className="row tasks-filters">
          <SelectField label={t("tasks.filter.show")} {...select("show", SHOW, "open")} />
          <SelectField label={t("tasks.filter.due")} placeholder={t("tasks.filter.any")} {...select("due", DUE)} />
          <SelectField
            label={t("tasks.filter.priority")}
            placeholder={t("tasks.filter.anyPriority")}
            {...select("priority", TaskPriority.options)}
          />
          <SelectField label={t("tasks.filter.sort")} {...select("sort", TaskSort.options, "due")} />
          <SelectField label={t("tasks.filter.order")} {...select("order", ORDER, "asc")} />
          <SearchField value={params.get("q") ?? ""} onSearch={(q) => setFilter("q", q)} />
        </div>
        <QueryState query={tasks} feature="tasks">
          {(data) => {
            const items = data.pages.flatMap((p) => p.items);
            const total = data.pages[0]?.total ?? items.length;
            return (
              <>
                <p className="muted" aria-live="polite">
                  {t("tasks.list.count", { count: total })}
                </p>
                {items.length ? (
                  <ul className="tasks-list">
                    {items.map((task) => (
                      <TaskItem key={task.id} task={task} />
                    ))}
                  </ul>
                ) : (
                  <Empty>{t("tasks.list.empty")}</Empty>
                )}
                <LoadMore query={tasks} feature="tasks" />
              </>
            );
          }}
        </QueryState>
      </section>
    </>
  );
}

/** A text search applied on Enter or the button, not on every key. */
function SearchField({ value, onSearch }: { value: string; onSearch(q: string): void }) {
  const { t } = useI18n();
  const [text, setText] = useState(value);
  return (
    <search>
      <form
        className="tasks-search"
        onSubmit={(e) => {
          e.preventDefault();
          onSearch(text.trim());
        }}
      >
        <Field label={t("tasks.filter.q")} type="search" name="q" value={text} onChange={setText} />
        <button type="submit">{t("action.search")}</button>
      </form>
    </search>
  );
}

/** Title and an optional due date; a fresh form after each task, focused, ready for the next one. */
function QuickAdd() {
  const [round, setRound] = useState(0);
  const wrapper = useRef<HTMLDivElement>(null);
  return (
    <div ref={wrapper}>
      <QuickAddForm
        key={round}
        onAdded={() => {
          setRound((r) => r + 1);
          requestAnimationFrame(() => wrapper.current?.querySelector("input")?.focus());
        }}
      />
    </div>
  );
}

/** The due date is the end of that day in the user's time zone. */
function QuickAddForm({ onAdded }: { onAdded(): void }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const refresh = useTaskWrites();
  const { user } = useSession();
  const create = useMutation(trpc.tasks.create.mutationOptions());
  const clientKey = useClientKey();
  const schema = z.object({
    title: CreateTaskInput.shape.title,
    dueAt: z
      .preprocess((v) => (typeof v === "string" ? fromZoned(`${v}T23:59`, user.timezone) : v), z.date())
      .optional(),
  });
  const form = useZodForm({
    schema,
    initial: { title: "", dueAt: "" },
    feature: "tasks",
    onSubmit: async (input) => {
      await create.mutateAsync({ ...input, clientMessageId: clientKey.for(input) });
      clientKey.made();
      await refresh();
      onAdded();
    },
  });
  return (
    <form className="card" onSubmit={form.submit} noValidate aria-labelledby="tasks-add">
      <h2 id="tasks-add">{t("tasks.add.title")}</h2>
      <FormError message={form.formError} />
      <div className="row">
        <Field label={t("tasks.field.title")} required {...form.field("title")} />
        <Field label={t("tasks.field.dueDate")} type="date" {...form.field("dueAt")} />
      </div>
      <button type="submit" className="primary" disabled={form.submitting}>
        {t("tasks.add.submit")}
      </button>
    </form>
  );
}
