import { z } from "zod";
import { Id, Instant, limits, PageInput, page, text } from "./common.js";
import { Author } from "./forums.js";

/**
 * Kinds of notification. A module adds one by declaring it (modules/index.ts on the server) and
 * naming it here.
 */
export const NotificationType = z.enum([
  "forum.reply",
  "forum.mention",
  "forum.bestAnswer",
  "forum.moderation",
  "message.direct",
  "invitation.accepted",
  "useCase.moderation",
  "task.due",
]);
export type NotificationType = z.infer<typeof NotificationType>;

/** Where a notification leads, as the reader may see it now. */
export const NotificationTarget = z.object({
  kind: z.enum(["topic", "post", "conversation", "invitation", "useCase", "task"]),
  id: Id,
  /** The topic of a post. */
  topicId: Id.nullable(),
  /** The target's current title (a renamed topic shows its new one), or a person's name. */
  title: z.string(),
});
export type NotificationTarget = z.infer<typeof NotificationTarget>;

/** Where a notification leads in the web app, by its target's kind: the app's links and the emails' alike. */
const PATHS: Record<NotificationTarget["kind"], (target: NotificationTarget) => string> = {
  topic: (t) => `/forums/topics/${t.id}`,
  post: (t) => `/forums/topics/${t.topicId}#post-${t.id}`,
  conversation: (t) => `/messages/${t.id}`,
  invitation: () => "/organization/members",
  useCase: (t) => `/use-cases/${t.id}`,
  task: () => "/tasks",
};
export const notificationPath = (target: NotificationTarget | null) =>
  target ? PATHS[target.kind](target) : "/notifications";

export const Notification = z.object({
  id: Id,
  type: NotificationType,
  /** Who did it (null for the system). */
  actor: Author.nullable(),
  /** One line for people: "Sara Al-Otaibi replied in “Chiller trips on high pressure”". */
  text: z.string(),
  /** Null when the target is gone (deleted): the notification stays, saying so. */
  target: NotificationTarget.nullable(),
  createdAt: z.date(),
  readAt: z.date().nullable(),
});
export type Notification = z.infer<typeof Notification>;

export const ListNotificationsInput = PageInput.extend({
  unreadOnly: z.boolean().default(false),
  type: NotificationType.optional(),
});
export const NotificationList = page(Notification);
export const UnreadNotifications = z.object({ unread: z.number().int() });
export const MarkNotificationsReadInput = z.object({ ids: z.array(Id).min(1).max(limits.pageSize) });
export const MarkAllNotificationsReadInput = z.object({
  /** Only those created before this time (e.g. what the open list showed). */
  before: Instant.optional(),
});
export const MarkedRead = z.object({ updated: z.number().int(), unread: z.number().int() });

export const EmailFrequency = z.enum(["off", "immediately", "daily"]);
export type EmailFrequency = z.infer<typeof EmailFrequency>;

/** "HH:MM", 24-hour, in the user's time zone. */
export const TimeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "A time as HH:MM (00:00–23:59)");

export const QuietHours = z
  .object({ start: TimeOfDay, end: TimeOfDay })
  .refine((q) => q.start !== q.end, { path: ["end"], message: "Must differ from start" });

export const TypePreference = z.object({
  type: NotificationType,
  /** What the setting is about, for people. */
  label: z.string(),
  inApp: z.boolean(),
  email: EmailFrequency,
});
export const NotificationPreferences = z.object({
  types: z.array(TypePreference),
  /** Emails that would arrive in this window wait until it ends (daily digests too). Null: none. */
  quietHours: QuietHours.nullable(),
  /** The profile's time zone, which quiet hours and digests follow. */
  timezone: z.string(),
});
export const UpdateNotificationPreferencesInput = z
  .object({
    types: z
      .array(z.object({ type: NotificationType, inApp: z.boolean().optional(), email: EmailFrequency.optional() }))
      .max(20)
      .optional(),
    quietHours: QuietHours.nullable().optional(),
  })
  .refine((v) => v.types !== undefined || v.quietHours !== undefined, "Nothing to change");

export const UnsubscribeInput = z.object({ token: text(500).min(1, "Required") });
export const Unsubscribed = z.object({
  type: NotificationType,
  label: z.string(),
  email: z.literal("off"),
  /** What was changed, for people. */
  message: z.string(),
});
