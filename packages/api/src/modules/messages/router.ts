import {
  ConversationList,
  DeleteMessageInput,
  DirectMessage,
  EditMessageInput,
  HistoryInput,
  ListConversationsInput,
  MarkDeliveredInput,
  MarkReadInput,
  MessageIdInput,
  MessagePage,
  MessageTypingInput,
  Ok,
  OnMyEventsInput,
  ReactInput,
  SendMessageInput,
  StatusChangeResult,
  StatusHistory,
  UnreadTotal,
} from "@p2p/schemas";
import { router } from "../../trpc/init";
import { rest, retriable } from "../../trpc/meta";
import { sessionProcedure } from "../../trpc/procedures";
import { trackedStream } from "../../trpc/subscriptions";
import { deleteMessage, editMessage, react } from "./changes";
import { myEvents, setTyping } from "./live";
import { history, listConversations, unreadCount } from "./reads";
import { markDelivered, markRead, statusHistory } from "./receipts";
import { sendMessage } from "./send";

/**
 * Direct messages between two people, across organizations. Only the two participants ever see a
 * message; they are people (sessions), not API keys: a key must not read its creator's messages.
 */
export const messagesRouter = router({
  send: sessionProcedure
    .meta(rest("POST", "/messages", "Send a direct message (idempotent on clientMessageId)"))
    .meta(retriable)
    .input(SendMessageInput)
    .output(DirectMessage)
    .mutation(({ ctx, input }) => sendMessage(ctx.deps, ctx.principal, input)),
  listConversations: sessionProcedure
    .meta(rest("GET", "/messages", "Your conversations, most recent first"))
    .input(ListConversationsInput)
    .output(ConversationList)
    .query(({ ctx, input }) => listConversations(ctx.deps, ctx.principal, input)),
  history: sessionProcedure
    .meta(rest("GET", "/messages/{userId}", "Your conversation with someone, newest first"))
    .input(HistoryInput)
    .output(MessagePage)
    .query(({ ctx, input }) => history(ctx.deps, ctx.principal, input)),
  unreadCount: sessionProcedure
    .meta(rest("GET", "/messages/unread/count", "How many messages you have not read"))
    .output(UnreadTotal)
    .query(({ ctx }) => unreadCount(ctx.deps, ctx.principal)),
  markDelivered: sessionProcedure
    .meta(rest("POST", "/messages/delivered", "Confirm you received messages"))
    .input(MarkDeliveredInput)
    .output(StatusChangeResult)
    .mutation(({ ctx, input }) => markDelivered(ctx.deps, ctx.principal.userId, input.messageIds)),
  markRead: sessionProcedure
    .meta(rest("PATCH", "/messages/{upToMessageId}/read", "Mark a conversation read up to a message"))
    .input(MarkReadInput)
    .output(StatusChangeResult)
    .mutation(({ ctx, input }) => markRead(ctx.deps, ctx.principal, input)),
  statusHistory: sessionProcedure
    .meta(rest("GET", "/messages/{messageId}/status", "When your message was sent, delivered and read"))
    .input(MessageIdInput)
    .output(StatusHistory)
    .query(({ ctx, input }) => statusHistory(ctx.deps, ctx.principal, input.messageId)),
  edit: sessionProcedure
    .meta(rest("PATCH", "/messages/{id}", "Edit your message (within 15 minutes)"))
    .input(EditMessageInput)
    .output(DirectMessage)
    .mutation(({ ctx, input }) => editMessage(ctx.deps, ctx.principal, input)),
  delete: sessionProcedure
    .meta(rest("DELETE", "/messages/{id}", "Delete a message for you, or for both (yours, within 24 hours)"))
    .input(DeleteMessageInput)
    .output(Ok)
    .mutation(({ ctx, input }) => deleteMessage(ctx.deps, ctx.principal, input)),
  react: sessionProcedure
    .meta(rest("POST", "/messages/{messageId}/reactions", "React with an emoji"))
    .input(ReactInput)
    .output(DirectMessage)
    .mutation(({ ctx, input }) => react(ctx.deps, ctx.principal, input, true)),
  unreact: sessionProcedure
    .meta(rest("DELETE", "/messages/{messageId}/reactions", "Take back a reaction"))
    .input(ReactInput)
    .output(DirectMessage)
    .mutation(({ ctx, input }) => react(ctx.deps, ctx.principal, input, false)),
  setTyping: sessionProcedure
    .meta(rest("POST", "/messages/typing", "Tell someone you are typing to them"))
    .input(MessageTypingInput)
    .output(Ok)
    .mutation(({ ctx, input }) => setTyping(ctx.deps, ctx.principal, input.userId)),
});

/** The caller's personal live stream: messages, receipts, reactions, typing, presence (later notifications). */
export const meRouter = router({
  onEvents: sessionProcedure
    .input(OnMyEventsInput)
    .subscription(({ ctx, input }) => trackedStream(myEvents(ctx.deps, ctx.principal, input, ctx.signal))),
});
