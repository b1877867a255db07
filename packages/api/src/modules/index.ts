/**
 * What each domain module declares for the server to pick up: Mongo indexes, background jobs, the
 * content that holds uploaded files (who may download them), the kinds of presence, and the account
 * lookups the authenticator and the SuperTokens provider use. The composition root
 * (`compose.ts`) imports this file and nothing else under modules/ (apart from the routers, through
 * `trpc/router.ts`).
 */
import type { AppDeps, FileHolder, NotificationKind } from "../deps";
import type { AccountLookup } from "../infra/auth/authenticator";
import type { ExternalAccounts } from "../infra/auth/supertokens";
import type { MongoIndexes } from "../infra/mongo/mongo";
import type { Db } from "../infra/postgres/db";
import type { PresenceScope } from "../infra/presence/presence";
import { activityIndexes } from "./activity/repo";
import { findActiveKey, markUsed } from "./apiKeys/repo";
import { authJobs } from "./auth/jobs";
import { dashboardJobs } from "./dashboard/trending";
import { heldAttachments, visibleAttachments } from "./forums/access";
import { topicPresence, watchViewerChoices } from "./forums/live";
import { forumNotificationKinds } from "./forums/notification-kinds";
import { postIndexes } from "./forums/post-docs";
import { forumJobs } from "./forums/post-write";
import { invitationAccepted } from "./invitations/notification-kinds";
import type { ModuleJob } from "./jobs";
import { mediaJobs } from "./media/jobs";
import { directMessageKind, messageJobs } from "./messages/notifications";
import { filesInMessagesOf } from "./messages/repo";
import { notificationJobs } from "./notifications/delivery";
import { logosAmong } from "./organizations/repo";
import { userPresence } from "./presence/service";
import { taskDueKind, taskJobs } from "./tasks/service";
import { useCaseDocIndexes } from "./useCases/docs";
import { exportJobs } from "./useCases/exports";
import { visibleMediaFiles } from "./useCases/media";
import { useCaseNotificationKinds } from "./useCases/notifications";
import { viewJobs } from "./useCases/read";
import { useCaseWriteJobs } from "./useCases/write";
import { avatarsAmong, emailVerifiedByExternalId, externalIdOf, findUserAuth, markActive } from "./users/repo";

/** Mongo indexes of every module; created at start (idempotent). */
export const mongoIndexes: MongoIndexes = {
  ...postIndexes,
  ...activityIndexes,
  ...useCaseDocIndexes,
};

/** Jobs of every module; the server's worker runs them (see `startWorkers`). */
export const moduleJobs: ModuleJob[] = [
  ...forumJobs,
  ...authJobs,
  ...messageJobs,
  ...notificationJobs,
  ...useCaseWriteJobs,
  ...viewJobs,
  ...mediaJobs,
  ...exportJobs,
  ...dashboardJobs,
  ...taskJobs,
];

/** Kinds of notification (what they say, where they lead, their default settings), by the module causing them. */
export const notificationKinds: NotificationKind[] = [
  ...forumNotificationKinds,
  directMessageKind,
  invitationAccepted,
  ...useCaseNotificationKinds,
  taskDueKind,
];

/**
 * Content that holds uploaded files. A download follows the visibility of what holds the file
 * (modules/files/access.ts): the uploader always, otherwise any holder below that lets the caller
 * see it; an unattached file is its uploader's alone. Cheap primary-key checks come first.
 */
export const fileHolders: FileHolder[] = [
  // Logos and avatars show on profiles and in the directory: every signed-in user sees them.
  { kind: "organizations.logo", visible: (deps, _caller, files) => logosAmong(deps.db, files) },
  { kind: "users.avatar", visible: (deps, _caller, files) => avatarsAmong(deps.db, files) },
  // An attachment follows its post's topic: platform-wide or only its organization.
  {
    kind: "forums.post",
    visible: visibleAttachments,
    holds: heldAttachments,
  },
  // A use case's photos and videos (and their re-encoded variants) follow the use case.
  {
    kind: "useCases.media",
    visible: (deps, caller, files) =>
      visibleMediaFiles(
        deps,
        caller,
        files.map((f) => f.id),
      ),
  },
  // A message's attachment: its two participants, until it is deleted for everyone.
  {
    kind: "messages.attachment",
    visible: (deps, caller, files) =>
      filesInMessagesOf(
        deps.db,
        caller.userId,
        files.map((f) => f.id),
      ),
    // Only its uploader attaches a file: the messages that hold it are theirs (one query per uploader).
    holds: async (db, files) => {
      const owners = [...new Set(files.map((f) => f.ownerId))];
      const held = await Promise.all(
        owners.map((ownerId) =>
          filesInMessagesOf(
            db,
            ownerId,
            files.filter((f) => f.ownerId === ownerId).map((f) => f.id),
          ),
        ),
      );
      return new Set(held.flatMap((ids) => [...ids]));
    },
  },
];

/** Kinds of presence (who is viewing what) and how each tells its viewers; see infra/presence. */
export const presenceScopes: PresenceScope<AppDeps>[] = [topicPresence, userPresence];

/** What modules listen to on the event bus from the start (every node, once its deps are built). */
export const moduleWatchers: ((deps: AppDeps) => void)[] = [watchViewerChoices];

/** Users and API keys as the authenticator sees them; their tables stay with their modules. */
export const accountLookup = (db: Db): AccountLookup => ({
  user: (id) => findUserAuth(db, id),
  markUserActive: (id, at) => markActive(db, id, at),
  apiKey: (id) => findActiveKey(db, id),
  markApiKeyUsed: (id, at) => markUsed(db, id, at),
});

/** Users as the SuperTokens provider sees them, when it is the identity provider. */
export const externalAccounts = (db: Db): ExternalAccounts => ({
  externalIdOf: (userId) => externalIdOf(db, userId),
  emailVerified: (externalId) => emailVerifiedByExternalId(db, externalId),
});
