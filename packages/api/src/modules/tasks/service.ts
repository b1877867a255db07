import {
  type CreateTaskInput,
  type ListTasksInput,
  limits,
  type NotificationTarget,
  type Task,
  type UpdateTaskInput,
} from "@p2p/schemas";
import { sql } from "kysely";
import { v7 as uuidv7 } from "uuid";
import { z } from "zod";
import type { AppDeps, NotificationKind } from "../../deps";
import type { Principal } from "../../infra/auth/authenticator";
import { fieldError, notFound } from "../../lib/errors";
import { createOnce, requestHash } from "../../lib/idempotency";
import { cursorKeys, decodeCursor, encodeCursor, keyCursor } from "../../lib/pagination";
import { topicsSeenBy } from "../forums/repo";
import type { ModuleJob } from "../jobs";
import { notify } from "../notifications/create";
import { mayRead } from "../useCases/access";
import { findRows as findUseCases } from "../useCases/repo";
import { loadAuthors } from "../users/authors";
import { activeUserIds, timezoneColumn } from "../users/repo";
import { timezoneFor } from "../users/timezone";
import * as repo from "./repo";
import { cachedTotal, tasksChanged } from "./totals";

/**
 * Personal tasks: only their owner ever sees or changes one; anyone else's answers NOT_FOUND.
 * "Today" and "overdue" follow the owner's time zone (their profile setting).
 */

const PRIORITY = { low: 1, medium: 2, high: 3 } as const;
const PRIORITY_NAME = ["low", "low", "medium", "high"] as const;

type LinkRef = { kind: "topic" | "useCase" | "conversation"; id: string };

/**
 * Each link's title as the owner may see it now, or null when gone (deleted or no longer visible;
 * a person deactivated since, like one who never existed: as messages.send and contacts take them).
 */
async function resolveLinks(deps: AppDeps, caller: Principal, links: readonly LinkRef[]) {
  const ids = (kind: LinkRef["kind"]) => [...new Set(links.filter((l) => l.kind === kind).map((l) => l.id))];
  const [topics, useCases, people, active] = await Promise.all([
    topicsSeenBy(deps.db, caller.organizationId, ids("topic")),
    findUseCases(deps.db, ids("useCase")),
    loadAuthors(deps, ids("conversation")),
    activeUserIds(deps.db, ids("conversation")),
  ]);
  const titles = new Map<string, string>();
  for (const t of topics) if (t.visible && !t.deletedAt) titles.set(`topic:${t.id}`, t.title);
  for (const u of useCases) if (mayRead(u, caller)) titles.set(`useCase:${u.id}`, u.title);
  for (const p of people.values())
    if (p.id !== caller.userId && active.has(p.id)) titles.set(`conversation:${p.id}`, `${p.firstName} ${p.lastName}`);
  return titles;
}

async function assertLinkVisible(deps: AppDeps, caller: Principal, link: LinkRef | null | undefined) {
  if (!link) return;
  const titles = await resolveLinks(deps, caller, [link]);
  if (!titles.has(`${link.kind}:${link.id}`)) throw fieldError("link.id", "Nothing you can see has this id");
}

async function toTasks(deps: AppDeps, caller: Principal, rows: readonly repo.TaskRow[]): Promise<Task[]> {
  const links = rows.flatMap((r) => (r.linkKind && r.linkId ? [{ kind: r.linkKind, id: r.linkId }] : []));
  const titles = links.length ? await resolveLinks(deps, caller, links) : new Map<string, string>();
  return rows.map((r) => {
    const title = r.linkKind && r.linkId ? titles.get(`${r.linkKind}:${r.linkId}`) : undefined;
    return {
      id: r.id,
      title: r.title,
      description: r.description,
      dueAt: r.dueAt,
      priority: PRIORITY_NAME[r.priority] as Task["priority"],
      tags: r.tags,
      completed: r.completedAt !== null,
      completedAt: r.completedAt,
      overdue: Boolean(r.overdue),
      dueToday: Boolean(r.dueToday),
      link:
        r.linkKind && r.linkId
          ? { kind: r.linkKind, id: r.linkId, title: title ?? "", gone: title === undefined }
          : null,
      remindAt: r.remindAt,
      createdAt: r.createdAt,
      updatedAt: r.updatedAt,
    };
  });
}

async function taskOf(deps: AppDeps, caller: Principal, id: string, tz?: string) {
  const row = await repo.findTask(deps.db, caller.userId, id, tz ?? (await timezoneFor(deps, caller)));
  if (!row) throw notFound("Task");
  return row;
}

export async function getTask(deps: AppDeps, caller: Principal, id: string): Promise<Task> {
  const [task] = await toTasks(deps, caller, [await taskOf(deps, caller, id)]);
  return task as Task;
}

/**
 * Reminders are computed in the owner's time zone as stored, not as cached: a time-zone change
 * moves the default ones of open tasks (users.updateMe), and a write racing with it waits for it.
 */
const storedZone = (deps: AppDeps, caller: Principal) => timezoneColumn(deps.db, caller.userId);

/** The reminder as asked, or 9:00 on the due day (owner's time zone) when only a due date is given. */
const reminder = (deps: AppDeps, caller: Principal, input: z.output<typeof CreateTaskInput>) =>
  input.remindAt !== undefined
    ? input.remindAt
    : input.dueAt
      ? repo.defaultRemindAt(input.dueAt, storedZone(deps, caller))
      : null;

/**
 * Adds a task; with a client key, once: a retry answers with the task the key made, and the key
 * with another request is CONFLICT (lib/idempotency.ts).
 */
export async function createTask(deps: AppDeps, caller: Principal, input: z.output<typeof CreateTaskInput>) {
  const tags = [...new Set(input.tags)];
  const hash = requestHash({
    title: input.title,
    description: input.description ?? null,
    dueAt: input.dueAt ?? null,
    priority: input.priority,
    tags: [...tags].sort(),
    link: input.link ?? null,
    // Left out (the default reminder) and null (none) are different requests: JSON keeps them apart.
    remindAt: input.remindAt,
  });
  const id = await createOnce({
    key: input.clientMessageId,
    hash,
    find: (key) => repo.findTaskByClientKey(deps.db, caller.userId, key),
    create: async () => {
      await assertLinkVisible(deps, caller, input.link);
      const now = new Date();
      const id = await repo.insertTask(deps.db, {
        id: uuidv7(),
        ownerId: caller.userId,
        title: input.title,
        description: input.description ?? null,
        dueAt: input.dueAt ?? null,
        priority: PRIORITY[input.priority],
        tags,
        linkKind: input.link?.kind ?? null,
        linkId: input.link?.id ?? null,
        remindAt: reminder(deps, caller, input),
        createdAt: now,
        updatedAt: now,
        ...(input.clientMessageId ? { clientMessageId: input.clientMessageId, requestHash: hash } : {}),
      });
      if (id) await tasksChanged(deps, caller.userId);
      return id;
    },
    replay: async (task) => task.id,
  });
  return getTask(deps, caller, id);
}

export async function updateTask(deps: AppDeps, caller: Principal, input: z.output<typeof UpdateTaskInput>) {
  const tz = await timezoneFor(deps, caller);
  await taskOf(deps, caller, input.id, tz); // NOT_FOUND before anything is checked or written
  if (input.link !== undefined) await assertLinkVisible(deps, caller, input.link);
  const dueChanged = input.dueAt !== undefined || input.remindAt !== undefined;
  await repo.updateTask(deps.db, caller.userId, input.id, {
    ...(input.title !== undefined ? { title: input.title } : {}),
    ...(input.description !== undefined ? { description: input.description } : {}),
    ...(input.dueAt !== undefined ? { dueAt: input.dueAt } : {}),
    ...(input.priority !== undefined ? { priority: PRIORITY[input.priority] } : {}),
    ...(input.tags !== undefined ? { tags: [...new Set(input.tags)] } : {}),
    ...(input.link !== undefined ? { linkKind: input.link?.kind ?? null, linkId: input.link?.id ?? null } : {}),
    // A new due date or reminder time reminds again (once); a due date alone moves the reminder.
    ...(dueChanged
      ? {
          remindAt:
            input.remindAt !== undefined
              ? input.remindAt
              : repo.movedReminder(input.dueAt ?? null, storedZone(deps, caller)),
          remindedAt: null,
        }
      : {}),
    // Completing a completed task keeps when it was completed (also when two completions race).
    ...(input.completed !== undefined
      ? { completedAt: input.completed ? sql`coalesce(completed_at, now())` : null }
      : {}),
  });
  await tasksChanged(deps, caller.userId);
  return getTask(deps, caller, input.id);
}

/**
 * Flips done and open in one statement, and answers with the task as that flip left it (read under
 * its row lock): two toggles at once are two flips, each answered with its own outcome.
 */
export async function toggleTask(deps: AppDeps, caller: Principal, id: string) {
  const tz = await timezoneFor(deps, caller);
  const row = await deps.db.transaction().execute(async (trx) => {
    const flipped = await repo.updateTask(trx, caller.userId, id, {
      completedAt: sql`case when completed_at is null then now() end`,
    });
    return Number(flipped.numUpdatedRows) ? repo.findTask(trx, caller.userId, id, tz) : undefined;
  });
  if (!row) throw notFound("Task");
  await tasksChanged(deps, caller.userId);
  const [task] = await toTasks(deps, caller, [row]);
  return task as Task;
}

export async function deleteTask(deps: AppDeps, caller: Principal, id: string) {
  if (!(await repo.deleteTask(deps.db, caller.userId, id))) throw notFound("Task");
  await tasksChanged(deps, caller.userId);
  return { ok: true as const };
}

/** Each sort's cursor: undated tasks sort as PostgreSQL's 'infinity' or '-infinity' (repo.ts, sortKey). */
const cursorBySort = {
  created: keyCursor(cursorKeys.instant),
  due: keyCursor(z.union([cursorKeys.instant, z.literal("infinity"), z.literal("-infinity")])),
  priority: keyCursor(z.number().int().min(PRIORITY.low).max(PRIORITY.high)),
  title: keyCursor(z.string().max(limits.mediumText)),
};

/** What a count depends on: the filters, not the page or its order. */
const countedBy = ({ completed, dueBefore, dueAfter, overdue, dueToday, priority, tag, q }: repo.TaskFilter) => ({
  completed,
  dueBefore,
  dueAfter,
  overdue,
  dueToday,
  priority,
  tag,
  q,
});

export async function listTasks(deps: AppDeps, caller: Principal, input: z.output<typeof ListTasksInput>) {
  const tz = await timezoneFor(deps, caller);
  const filter = { ...input, priority: input.priority ? PRIORITY[input.priority] : undefined };
  const [rows, total] = await Promise.all([
    repo.listTasks(
      deps.db,
      caller.userId,
      filter,
      tz,
      decodeCursor(input.cursor, cursorBySort[input.sort]),
      input.limit,
    ),
    input.withTotal
      ? cachedTotal(deps, caller.userId, { ...countedBy(filter), tz }, () =>
          repo.countTasks(deps.db, caller.userId, filter, tz),
        )
      : null,
  ]);
  const page = rows.slice(0, input.limit);
  const last = page.at(-1);
  // pg reads 'infinity' and '-infinity' (an undated task's due key) as the numbers ±Infinity.
  const key = (v: unknown) =>
    v instanceof Date
      ? v.toISOString()
      : v === Infinity || v === -Infinity
        ? String(v).toLowerCase()
        : (v as string | number);
  return {
    items: await toTasks(deps, caller, page),
    nextCursor: rows.length > input.limit && last ? encodeCursor([key(last.sortKey), last.id]) : null,
    total,
  };
}

// ---------------------------------------------------------------- reminders

/** Every minute: a "task due" notification (and email as the owner chose) once per reminder. */
async function sendReminders(deps: AppDeps): Promise<void> {
  await deps.db.transaction().execute(async (trx) => {
    const due = await repo.claimDueReminders(trx, 500);
    await notify(
      deps,
      trx,
      due.map((t) => ({
        userId: t.ownerId,
        type: "task.due",
        actorId: null,
        subjectId: t.id,
        data: { title: t.title },
      })),
    );
    await repo.markReminded(
      trx,
      due.map((t) => t.id),
    );
  });
}

export const taskJobs: ModuleJob[] = [{ name: "tasks.reminders", everyMs: 60_000, run: sendReminders }];

/** Leads to the task (its current title); gone once deleted. */
export const taskDueKind: NotificationKind = {
  type: "task.due",
  label: "Reminders of your tasks",
  defaults: { inApp: true, email: "immediately" },
  text: (_actor, title) => `Reminder: “${title}” is due`,
  targets: async (deps, _reader, items) => {
    const tasks = new Map(
      (
        await repo.findTasksById(
          deps.db,
          items.flatMap((n) => n.subjectId ?? []),
        )
      ).map((t) => [t.id, t.title]),
    );
    const targets = new Map<string, NotificationTarget | "gone">();
    for (const n of items) {
      const title = n.subjectId ? tasks.get(n.subjectId) : undefined;
      targets.set(
        n.id,
        title === undefined ? "gone" : { kind: "task", id: n.subjectId as string, topicId: null, title },
      );
    }
    return targets;
  },
};
