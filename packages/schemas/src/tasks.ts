import { z } from "zod";
import { ClientMessageId, Id, Instant, multilineText, PageInput, text } from "./common.js";
import { Tag } from "./forums.js";

export const TaskPriority = z.enum(["low", "medium", "high"]);
export type TaskPriority = z.infer<typeof TaskPriority>;

/** What a task is about: something its owner can see (a topic, a use case, a conversation with someone). */
export const TaskLinkInput = z.object({ kind: z.enum(["topic", "useCase", "conversation"]), id: Id });
export const TaskLink = TaskLinkInput.extend({
  /** The target's title (a person's name for a conversation); empty when gone. */
  title: z.string(),
  /** Deleted, no longer visible to the owner, or (a conversation) the person was deactivated. */
  gone: z.boolean(),
});

const TaskFields = z.object({
  title: text(200).min(1, "Required"),
  description: multilineText(5_000).nullable(),
  /** Any real instant; a past one makes the task overdue at once. */
  dueAt: Instant.nullable(),
  priority: TaskPriority,
  tags: z.array(Tag).max(10, "At most 10 tags"),
  link: TaskLinkInput.nullable(),
  /**
   * When to be reminded; by default 9:00 in your time zone on the due day (moved by a change of your
   * time zone while the task is open). Null: no reminder.
   */
  remindAt: Instant.nullable(),
});

export const CreateTaskInput = TaskFields.partial().extend({
  title: TaskFields.shape.title,
  priority: TaskPriority.default("medium"),
  tags: TaskFields.shape.tags.default([]),
  /** Makes a retried create one task (common.ts). */
  clientMessageId: ClientMessageId.optional(),
});
export const UpdateTaskInput = TaskFields.partial().extend({ id: Id, completed: z.boolean().optional() });
export const TaskIdInput = z.object({ id: Id });

export const Task = z.object({
  id: Id,
  title: z.string(),
  description: z.string().nullable(),
  dueAt: z.date().nullable(),
  priority: TaskPriority,
  tags: z.array(z.string()),
  completed: z.boolean(),
  completedAt: z.date().nullable(),
  /** Due before now and not completed. */
  overdue: z.boolean(),
  /** Due today in the owner's time zone. */
  dueToday: z.boolean(),
  link: TaskLink.nullable(),
  remindAt: z.date().nullable(),
  createdAt: z.date(),
  updatedAt: z.date(),
});
export type Task = z.infer<typeof Task>;

export const TaskSort = z.enum(["created", "due", "priority", "title"]);
export const ListTasksInput = PageInput.extend({
  completed: z.boolean().optional(),
  dueBefore: Instant.optional(),
  dueAfter: Instant.optional(),
  overdue: z.boolean().optional(),
  dueToday: z.boolean().optional(),
  priority: TaskPriority.optional(),
  tag: Tag.optional(),
  q: text(200).min(1).optional(),
  sort: TaskSort.default("created"),
  order: z.enum(["asc", "desc"]).default("desc"),
  /** Also count every task matching the filters (exact). */
  withTotal: z.boolean().default(false),
});
export const TaskList = z.object({
  items: z.array(Task),
  nextCursor: z.string().nullable(),
  /** The exact number of tasks matching the filters, when asked for. */
  total: z.number().int().nullable(),
});
