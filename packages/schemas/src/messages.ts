import { z } from "zod";
import {
  attachmentIds,
  ClientMessageId,
  EventId,
  Id,
  Instant,
  limits,
  multilineText,
  PageInput,
  page,
  ResyncEvent,
  text,
} from "./common.js";
import { ExportProgressEvent } from "./exports.js";
import { Attachment, Author } from "./forums.js";
import { MediaAsset } from "./media.js";
import { Notification } from "./notifications.js";

// ---------------------------------------------------------------- people

/** Where someone is: online (a live connection), away (online, but said so or idle), offline. */
export const PresenceStatus = z.enum(["online", "away", "offline"]);
export type PresenceStatus = z.infer<typeof PresenceStatus>;

/**
 * What the caller may know of someone's presence. Someone who hides it, blocked the caller or was
 * blocked by them, or has no conversation with the caller and did not add them as a contact, shows
 * as offline with no last-seen time (indistinguishable from a person who never was online).
 */
export const Presence = z.object({ userId: Id, status: PresenceStatus, lastSeenAt: z.date().nullable() });
export type Presence = z.infer<typeof Presence>;

/** A person as lists of people show them: name, title, organization, presence. Never an email. */
export const Person = Author.extend({ presence: Presence });
export type Person = z.infer<typeof Person>;

export const SearchUsersInput = PageInput.extend({ q: text(100).min(2, "At least 2 characters") });
export const PersonList = page(Person);

export const GetPresenceInput = z.object({ userIds: z.array(Id).min(1).max(limits.pageSize) });
export const PresenceList = z.array(Presence);
/** `away`: show me as away while connected; `hidden`: show me as offline to everyone. */
export const UpdatePresenceInput = z
  .object({ away: z.boolean().optional(), hidden: z.boolean().optional() })
  .refine((v) => v.away !== undefined || v.hidden !== undefined, "Nothing to change");
export const PresenceSettings = z.object({ away: z.boolean(), hidden: z.boolean() });

// ---------------------------------------------------------------- contacts

export const ListContactsInput = PageInput.extend({ q: text(100).optional() });
export const Contact = Person.extend({ addedAt: z.date() });
export type Contact = z.infer<typeof Contact>;
export const ContactList = page(Contact);
export const ContactUserInput = z.object({ userId: Id });
export const BlockedUser = Author.extend({ blockedAt: z.date() });
export const BlockedList = page(BlockedUser);

// ---------------------------------------------------------------- messages

export const messageLimits = { body: 4_000, attachments: 10 } as const;

/** Plain text with links and @mentions (clients render them); tabs and newlines allowed. */
export const MessageBody = multilineText(messageLimits.body);
/** One emoji as Unicode recommends it (RGI: with skin tones, keycaps, flags and the ZWJ sequences it names). */
// biome-ignore lint/complexity/useRegexLiterals: the v flag (for \p{RGI_Emoji}) needs a newer compile target than ours.
const RGI_EMOJI = new RegExp("^\\p{RGI_Emoji}$", "v");
const VARIATION_16 = /\uFE0F/g;
/**
 * The recommended form of an emoji written with or without its emoji-presentation selectors
 * ("❤" and "❤️", "👍️" and "👍" are one reaction each), or the text as given when it is none.
 */
function canonicalEmoji(s: string): string {
  const bare = s.replace(VARIATION_16, "");
  if (RGI_EMOJI.test(bare)) return bare;
  if (RGI_EMOJI.test(s)) return s;
  // The selector after the first character of some of the ZWJ sequence's parts ("🏳‍⚧" is "🏳️‍⚧️"):
  // every choice of parts, a handful at most.
  const parts = bare.split("\u200D").slice(0, 5);
  for (let mask = 1; mask < 2 ** parts.length; mask++) {
    const candidate = parts
      .map((part, i) => {
        if (!((mask >> i) & 1)) return part;
        const first = String.fromCodePoint(part.codePointAt(0) ?? 0);
        return `${first}\uFE0F${part.slice(first.length)}`;
      })
      .join("\u200D");
    if (RGI_EMOJI.test(candidate)) return candidate;
  }
  return s;
}
/** One emoji, stored in its recommended form; not arbitrary text, nor emoji glued together. */
export const Emoji = z
  .string()
  .min(1)
  .max(32)
  .overwrite(canonicalEmoji)
  .refine((s) => RGI_EMOJI.test(s), "Must be a single emoji");

export const MessageStatus = z.enum(["sent", "delivered", "read"]);
export type MessageStatus = z.infer<typeof MessageStatus>;

export const Reaction = z.object({ emoji: z.string(), userIds: z.array(Id) });

/**
 * A direct message as both participants see it. A message deleted for everyone is a tombstone
 * (`deleted`, empty body, no attachments or reactions).
 */
export const DirectMessage = z.object({
  id: Id,
  senderId: Id,
  recipientId: Id,
  clientMessageId: z.string(),
  body: z.string(),
  attachments: z.array(Attachment),
  status: MessageStatus,
  createdAt: z.date(),
  deliveredAt: z.date().nullable(),
  readAt: z.date().nullable(),
  editedAt: z.date().nullable(),
  deleted: z.boolean(),
  reactions: z.array(Reaction),
});
export type DirectMessage = z.infer<typeof DirectMessage>;

export const SendMessageInput = z
  .object({
    recipientId: Id,
    body: MessageBody.default(""),
    attachmentIds: attachmentIds(messageLimits.attachments),
    clientMessageId: ClientMessageId,
  })
  .refine((m) => m.body.length > 0 || m.attachmentIds.length > 0, {
    path: ["body"],
    message: "Write something or attach a file",
  });

export const ListConversationsInput = PageInput.extend({ q: text(100).optional() });
export const Conversation = z.object({
  peer: Person,
  lastMessage: DirectMessage.nullable(),
  unreadCount: z.number().int(),
  lastMessageAt: z.date(),
});
export type Conversation = z.infer<typeof Conversation>;
export const ConversationList = page(Conversation);

export const HistoryInput = PageInput.extend({
  userId: Id,
  /** Only messages sent before / after these times. */
  before: Instant.optional(),
  after: Instant.optional(),
}).refine((v) => !v.before || !v.after || v.after < v.before, { path: ["after"], message: "Must be before `before`" });
export const MessagePage = page(DirectMessage);

export const MarkDeliveredInput = z.object({ messageIds: z.array(Id).min(1).max(limits.pageSize) });
export const MarkReadInput = z.object({ userId: Id, upToMessageId: Id });
/** How many messages changed status (0 when they already had it). */
export const StatusChangeResult = z.object({ updated: z.number().int() });

export const MessageIdInput = z.object({ messageId: Id });
export const StatusChange = z.object({ status: MessageStatus, at: z.date() });
export const StatusHistory = z.array(StatusChange);

export const EditMessageInput = z.object({ id: Id, body: MessageBody.min(1, "Required") });
export const DeleteMessageInput = z.object({ id: Id, forEveryone: z.boolean().default(false) });
export const ReactInput = z.object({ messageId: Id, emoji: Emoji });
export const MessageTypingInput = z.object({ userId: Id });
export const UnreadTotal = z.object({ unread: z.number().int() });

// ---------------------------------------------------------------- the personal stream

export const OnMyEventsInput = z.object({ lastEventId: EventId.nullish() });

/** Everything addressed to one person, on every device they have connected. */
export const MyEvent = z.discriminatedUnion("type", [
  /** A new message in one of your conversations (sent by you from another device, or to you). */
  z.object({ type: z.literal("message.new"), message: DirectMessage }),
  /** Edited, deleted for everyone, or its reactions changed. */
  z.object({ type: z.literal("message.updated"), message: DirectMessage }),
  /** You deleted it for yourself (on another device): hide it. */
  z.object({ type: z.literal("message.hidden"), messageId: Id }),
  /**
   * Your messages to `peerId` moved on: delivered (`messageIds`, at most a page), or read (every
   * message up to `upToMessageId`).
   */
  z.object({
    type: z.literal("message.status"),
    peerId: Id,
    status: MessageStatus,
    messageIds: z.array(Id),
    upToMessageId: Id.nullable(),
    at: z.date(),
  }),
  /** You read the conversation with `peerId` up to `upToMessageId` (on another device); `unread`: your unread messages now. */
  z.object({
    type: z.literal("conversation.read"),
    peerId: Id,
    upToMessageId: Id,
    unread: z.number().int(),
  }),
  z.object({ type: z.literal("typing"), userId: Id, active: z.boolean() }),
  z.object({ type: z.literal("presence"), presence: Presence }),
  /** A new notification, with the unread count it makes. */
  z.object({ type: z.literal("notification.new"), notification: Notification, unread: z.number().int() }),
  /** The unread count changed (read on another device, or marked read). */
  z.object({ type: z.literal("notification.count"), unread: z.number().int() }),
  /** One of your uploads finished processing (`ready`) or could not be processed (`failed`). */
  z.object({ type: z.literal("media.status"), asset: MediaAsset }),
  /** One of your exports moved on (`useCases.exportPdf`…): progress, then a download link or the reason it failed. */
  ExportProgressEvent,
  ResyncEvent,
]);
export type MyEvent = z.infer<typeof MyEvent>;
