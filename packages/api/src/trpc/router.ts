import { apiKeysRouter } from "../modules/apiKeys/router";
import { auditRouter } from "../modules/audit/router";
import { authRouter } from "../modules/auth/router";
import { contactsRouter } from "../modules/contacts/router";
import { dashboardRouter } from "../modules/dashboard/router";
import { filesRouter } from "../modules/files/router";
import { forumsRouter } from "../modules/forums/router";
import { invitationsRouter } from "../modules/invitations/router";
import { locationsRouter } from "../modules/locations/router";
import { meRouter, messagesRouter } from "../modules/messages/router";
import { notificationsRouter } from "../modules/notifications/router";
import { jobsRouter } from "../modules/ops/router";
import { organizationsRouter } from "../modules/organizations/router";
import { presenceRouter } from "../modules/presence/router";
import { searchRouter } from "../modules/search/router";
import { systemRouter } from "../modules/system/router";
import { tasksRouter } from "../modules/tasks/router";
import { useCasesRouter } from "../modules/useCases/router";
import { usersRouter } from "../modules/users/router";
import { router } from "./init";

/** One router per domain; adding a domain means adding its folder under modules/ and one line here. */
export const appRouter = router({
  system: systemRouter,
  auth: authRouter,
  forums: forumsRouter,
  useCases: useCasesRouter,
  tasks: tasksRouter,
  organizations: organizationsRouter,
  users: usersRouter,
  invitations: invitationsRouter,
  files: filesRouter,
  apiKeys: apiKeysRouter,
  audit: auditRouter,
  messages: messagesRouter,
  contacts: contactsRouter,
  presence: presenceRouter,
  me: meRouter,
  notifications: notificationsRouter,
  locations: locationsRouter,
  dashboard: dashboardRouter,
  search: searchRouter,
  jobs: jobsRouter,
});

export type AppRouter = typeof appRouter;
