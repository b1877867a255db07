import {
  ListNotificationsInput,
  MarkAllNotificationsReadInput,
  MarkedRead,
  MarkNotificationsReadInput,
  NotificationList,
  NotificationPreferences,
  UnreadNotifications,
  Unsubscribed,
  UnsubscribeInput,
  UpdateNotificationPreferencesInput,
} from "@p2p/schemas";
import { router } from "../../trpc/init";
import { rest } from "../../trpc/meta";
import { publicProcedure, sessionProcedure } from "../../trpc/procedures";
import { getPreferences, unsubscribe, updatePreferences } from "./preferences";
import { listNotifications, markRead, unreadCount } from "./read";

/** One's own notifications and their settings: people only (an API key never reads its creator's). */
export const notificationsRouter = router({
  list: sessionProcedure
    .meta(rest("GET", "/notifications", "Your notifications, newest first"))
    .input(ListNotificationsInput)
    .output(NotificationList)
    .query(({ ctx, input }) => listNotifications(ctx.deps, ctx.principal, input)),
  unreadCount: sessionProcedure
    .meta(rest("GET", "/notifications/unread/count", "How many notifications you have not read"))
    .output(UnreadNotifications)
    .query(({ ctx }) => unreadCount(ctx.deps, ctx.principal.userId)),
  markRead: sessionProcedure
    .meta(rest("POST", "/notifications/read", "Mark notifications read"))
    .input(MarkNotificationsReadInput)
    .output(MarkedRead)
    .mutation(({ ctx, input }) => markRead(ctx.deps, ctx.principal.userId, { ids: input.ids })),
  markAllRead: sessionProcedure
    .meta(rest("POST", "/notifications/read-all", "Mark all (or all before a time) read"))
    .input(MarkAllNotificationsReadInput)
    .output(MarkedRead)
    .mutation(({ ctx, input }) => markRead(ctx.deps, ctx.principal.userId, { before: input.before })),
  preferences: router({
    get: sessionProcedure
      .meta(rest("GET", "/notifications/preferences", "What you are notified of, in the app and by email"))
      .output(NotificationPreferences)
      .query(({ ctx }) => getPreferences(ctx.deps, ctx.principal.userId)),
    update: sessionProcedure
      .meta(rest("PATCH", "/notifications/preferences", "Change what you are notified of; quiet hours"))
      .input(UpdateNotificationPreferencesInput)
      .output(NotificationPreferences)
      .mutation(({ ctx, input }) => updatePreferences(ctx.deps, ctx.principal.userId, input)),
  }),
  /** The link in every notification email: no sign-in, turns that one kind of email off. */
  unsubscribe: publicProcedure
    .meta(rest("POST", "/notifications/unsubscribe/confirm", "Stop one kind of notification email (from its link)"))
    .input(UnsubscribeInput)
    .output(Unsubscribed)
    .mutation(({ ctx, input }) => unsubscribe(ctx.deps, input.token)),
});
