import type { Outcomes } from "@p2p/schemas";
import type { ColumnType, Generated, JSONColumnType } from "kysely";

/** Row types of every PostgreSQL table, in camelCase (the CamelCasePlugin maps snake_case columns). */
export interface Database {
  mailOutbox: MailOutboxTable;
  organizations: OrganizationsTable;
  users: UsersTable;
  sessions: SessionsTable;
  authTokens: AuthTokensTable;
  signupRequests: SignupRequestsTable;
  recoveryCodes: RecoveryCodesTable;
  invitations: InvitationsTable;
  apiKeys: ApiKeysTable;
  auditLog: AuditLogTable;
  files: FilesTable;
  forumCategories: ForumCategoriesTable;
  forumTopics: ForumTopicsTable;
  forumTopicViews: ForumTopicViewsTable;
  forumPostLikes: ForumPostLikesTable;
  forumSearch: ForumSearchTable;
  notifications: NotificationsTable;
  notificationPreferences: NotificationPreferencesTable;
  notificationSettings: NotificationSettingsTable;
  conversations: ConversationsTable;
  messages: MessagesTable;
  messageHidden: MessageHiddenTable;
  messageReactions: MessageReactionsTable;
  contacts: ContactsTable;
  blocks: BlocksTable;
  presenceSettings: PresenceSettingsTable;
  mediaAssets: MediaAssetsTable;
  useCases: UseCasesTable;
  useCaseMedia: UseCaseMediaTable;
  forumPostFiles: ForumPostFilesTable;
  tasks: TasksTable;
  cities: CitiesTable;
  cityNames: CityNamesTable;
  dashboardTrending: DashboardTrendingTable;
  dashboardDailyViews: DashboardDailyViewsTable;
}

/** Set by the database on insert, never updated. */
type CreatedAt = ColumnType<Date, Date | undefined, never>;
/** Defaulted on insert, updatable. */
type Defaulted<T> = ColumnType<T, T | undefined, T>;

export type Role = "admin" | "member";
export type UserStatus = "active" | "deactivated";

export interface MailOutboxTable {
  id: string;
  to: string;
  subject: string;
  text: string;
  html: string | null;
  headers: ColumnType<Record<string, string> | null, string | null | undefined, never>;
  createdAt: CreatedAt;
  sentAt: Date | null;
  seq: Generated<number>;
}

export interface OrganizationsTable {
  id: string;
  name: string;
  industry: string;
  size: string;
  country: string;
  city: string;
  description: string | null;
  website: string | null;
  logoFileId: string | null;
  createdAt: CreatedAt;
  updatedAt: Defaulted<Date>;
}

export interface UsersTable {
  id: string;
  organizationId: string;
  email: string;
  emailVerifiedAt: Date | null;
  passwordHash: string | null;
  firstName: string;
  lastName: string;
  title: string | null;
  phone: string | null;
  bio: string | null;
  avatarFileId: string | null;
  locale: Defaulted<string>;
  timezone: Defaulted<string>;
  role: Role;
  status: Defaulted<UserStatus>;
  isModerator: Defaulted<boolean>;
  totpSecret: string | null;
  totpEnabledAt: Date | null;
  /** The 30-second step of the last accepted code: a code is accepted once (no replay). */
  totpLastStep: number | null;
  /** The identity provider's user id when it is not the built-in one (SuperTokens). */
  externalId: string | null;
  lastActiveAt: Date | null;
  createdAt: CreatedAt;
  updatedAt: Defaulted<Date>;
}

export interface SessionsTable {
  id: string;
  userId: string;
  secretHash: string;
  /** The secret before the last rotation, accepted briefly so in-flight requests do not fail. */
  previousSecretHash: string | null;
  remember: Defaulted<boolean>;
  userAgent: string | null;
  ip: string | null;
  createdAt: CreatedAt;
  lastUsedAt: Defaulted<Date>;
  rotatedAt: Defaulted<Date>;
  expiresAt: Date;
  revokedAt: Date | null;
}

export interface AuthTokensTable {
  id: string;
  userId: string;
  purpose: "verify_email" | "reset_password";
  tokenHash: string;
  expiresAt: Date;
  usedAt: Date | null;
  createdAt: CreatedAt;
}

export interface SignupRequestsTable {
  id: string;
  email: string;
  passwordHash: string;
  firstName: string;
  lastName: string;
  organization: JSONColumnType<
    { name: string; industry: string; size: string; country: string; city: string },
    string,
    never
  >;
  tokenHash: string | null;
  expiresAt: Date;
  createdAt: CreatedAt;
}

export interface RecoveryCodesTable {
  id: string;
  userId: string;
  codeHash: string;
  usedAt: Date | null;
}

export interface InvitationsTable {
  id: string;
  organizationId: string;
  email: string;
  role: Role;
  tokenHash: string;
  invitedBy: string;
  expiresAt: Date;
  acceptedAt: Date | null;
  revokedAt: Date | null;
  createdAt: CreatedAt;
}

export interface ApiKeysTable {
  id: string;
  organizationId: string;
  createdBy: string;
  name: string;
  role: Role;
  secretHash: string;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  createdAt: CreatedAt;
}

export interface AuditLogTable {
  id: string;
  organizationId: string | null;
  actorId: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  ip: string | null;
  metadata: JSONColumnType<Record<string, unknown>, string | undefined, never>;
  createdAt: CreatedAt;
}

export interface FilesTable {
  id: string;
  organizationId: string;
  ownerId: string;
  name: string;
  contentType: string;
  size: number;
  sha256: string;
  storageKey: string;
  idempotencyKey: string | null;
  createdAt: CreatedAt;
}

export interface ForumCategoriesTable {
  id: Generated<string>;
  slug: string;
  name: string;
  description: string;
  position: number;
}

export type TopicVisibility = "platform" | "organization";

export interface ForumTopicsTable {
  id: string;
  categoryId: string;
  authorId: string;
  organizationId: string;
  visibility: TopicVisibility;
  title: string;
  tags: Defaulted<string[]>;
  firstPostId: string;
  bestPostId: string | null;
  answered: Defaulted<boolean>;
  pinned: Defaulted<boolean>;
  locked: Defaulted<boolean>;
  replyCount: Defaulted<number>;
  viewCount: Defaulted<number>;
  likeCount: Defaulted<number>;
  lastActivityAt: Defaulted<Date>;
  lastPosterId: string | null;
  createdAt: CreatedAt;
  updatedAt: Defaulted<Date>;
  deletedAt: Date | null;
  /** Its creator's client key (clientMessageId) and the fingerprint of the request that made it (lib/idempotency.ts). */
  clientMessageId: string | null;
  requestHash: string | null;
}

export interface ForumTopicViewsTable {
  topicId: string;
  viewerId: string;
  day: string;
}

export interface ForumPostLikesTable {
  postId: string;
  userId: string;
  topicId: string;
  createdAt: CreatedAt;
}

export interface ForumSearchTable {
  postId: string;
  topicId: string;
  title: string;
  body: string;
  createdAt: Date;
  document: ColumnType<string, never, never>;
  /** The post's author and their organization (null until copied, for posts from before 0014). */
  authorId: string | null;
  organizationId: string | null;
  /** The topic's first post. */
  opening: Defaulted<boolean>;
  /** Its topic's visibility and organization (who may see the post), copied from the topic on insert. */
  topicVisibility: ColumnType<"platform" | "organization", "platform" | "organization", never>;
  topicOrganizationId: ColumnType<string, string, never>;
  /** A post from before 0014: author, organization and attachments still to copy from MongoDB. */
  factsPending: Defaulted<boolean>;
  /** Its creator's client key (clientMessageId) and the fingerprint of the request that made it (lib/idempotency.ts). */
  clientMessageId: string | null;
  requestHash: string | null;
}

/** Which live posts hold which uploads (each post's attachments; go with its search row). */
export interface ForumPostFilesTable {
  postId: string;
  fileId: string;
  topicId: string;
}

export interface NotificationsTable {
  id: string;
  userId: string;
  type: string;
  actorId: string | null;
  subjectId: string | null;
  data: JSONColumnType<Record<string, unknown>, string | undefined, never>;
  inApp: Defaulted<boolean>;
  readAt: Date | null;
  deliveredAt: Date | null;
  emailedAt: Date | null;
  createdAt: CreatedAt;
}

export interface NotificationPreferencesTable {
  userId: string;
  type: string;
  inApp: boolean;
  email: "off" | "immediately" | "daily";
}

export interface NotificationSettingsTable {
  userId: string;
  quietStart: number | null;
  quietEnd: number | null;
  lastDigestAt: Date | null;
}

export interface ConversationsTable {
  userId: string;
  peerId: string;
  lastMessageAt: Date;
  createdAt: CreatedAt;
}

export interface MessagesTable {
  id: string;
  senderId: string;
  recipientId: string;
  pairLow: ColumnType<string, never, never>;
  pairHigh: ColumnType<string, never, never>;
  clientMessageId: string;
  /** The fingerprint of the send that made it (lib/idempotency.ts); null for messages from before 0024. */
  requestHash: string | null;
  body: string;
  attachmentIds: Defaulted<string[]>;
  createdAt: Defaulted<Date>;
  deliveredAt: Date | null;
  readAt: Date | null;
  editedAt: Date | null;
  deletedAt: Date | null;
}

export interface MessageHiddenTable {
  userId: string;
  messageId: string;
}

export interface MessageReactionsTable {
  messageId: string;
  userId: string;
  emoji: string;
  createdAt: CreatedAt;
}

export interface ContactsTable {
  ownerId: string;
  contactId: string;
  createdAt: CreatedAt;
}

export interface BlocksTable {
  blockerId: string;
  blockedId: string;
  createdAt: CreatedAt;
}

export interface PresenceSettingsTable {
  userId: string;
  away: Defaulted<boolean>;
  hidden: Defaulted<boolean>;
  lastSeenAt: Date | null;
}

export interface UseCasesTable {
  id: string;
  ownerId: string;
  organizationId: string;
  status: "draft" | "published" | "archived";
  title: Defaulted<string>;
  summary: Defaulted<string>;
  industry: string | null;
  technologies: Defaulted<string[]>;
  technologyKeys: Defaulted<string[]>;
  tags: Defaulted<string[]>;
  city: string | null;
  country: string | null;
  lat: number | null;
  lng: number | null;
  viewCount: Defaulted<number>;
  searchText: Defaulted<string>;
  contentRev: string;
  archivedReason: string | null;
  publishedAt: Date | null;
  createdAt: Defaulted<Date>;
  updatedAt: Defaulted<Date>;
  deletedAt: Date | null;
  document: ColumnType<string, never, never>;
  /** The outcomes of the content revision the row names, for list cards. */
  outcomes: ColumnType<Outcomes | null, string | null | undefined, string | null>;
  /** The first photo or video, for list cards. */
  coverFileId: string | null;
  /** A row from before cards were kept here, its card not yet copied from MongoDB. */
  cardPending: Defaulted<boolean>;
}

/** Which use cases show which uploads (mirrors each MongoDB document's media list). */
export interface UseCaseMediaTable {
  useCaseId: string;
  fileId: string;
}

export interface MediaAssetsTable {
  fileId: string;
  ownerId: string;
  kind: "image" | "video";
  status: Defaulted<"pending" | "ready" | "failed">;
  error: string | null;
  width: number | null;
  height: number | null;
  durationMs: number | null;
  displayFileId: string | null;
  thumb320FileId: string | null;
  thumb640FileId: string | null;
  posterFileId: string | null;
  createdAt: CreatedAt;
  updatedAt: Defaulted<Date>;
}

/** A place from the GeoNames gazetteer (locations module); `id` is the GeoNames id. */
export interface CitiesTable {
  id: number;
  name: string;
  nameAr: string | null;
  country: string;
  region: string | null;
  lat: number;
  lng: number;
  population: number;
}

/** One search key of a city (folded name, see locations/names.ts), with its country and population. */
export interface CityNamesTable {
  cityId: number;
  key: string;
  country: string;
  population: number;
}

export interface TasksTable {
  id: string;
  ownerId: string;
  title: string;
  description: string | null;
  dueAt: Date | null;
  priority: number;
  tags: Defaulted<string[]>;
  linkKind: "topic" | "useCase" | "conversation" | null;
  linkId: string | null;
  remindAt: Date | null;
  remindedAt: Date | null;
  completedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  document: ColumnType<string, never, never>;
  /** Its creator's client key (clientMessageId) and the fingerprint of the request that made it (lib/idempotency.ts). */
  clientMessageId: string | null;
  requestHash: string | null;
}

/** A trending score the dashboard's job computed (modules/dashboard). */
export interface DashboardTrendingTable {
  kind: "topics" | "useCases";
  window: "24h" | "7d" | "30d";
  subjectId: string;
  organizationId: string;
  visibility: "platform" | "organization";
  categoryId: string | null;
  industry: string | null;
  score: number;
  views: Defaulted<number>;
  replies: Defaulted<number>;
  likes: Defaulted<number>;
  bestAnswers: Defaulted<number>;
  computedAt: Date;
}

/** Counted views per subject and day (modules/dashboard). */
export interface DashboardDailyViewsTable {
  kind: string;
  subjectId: string;
  day: string;
  views: number;
}
