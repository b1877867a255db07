import { Id } from "@p2p/schemas";
import { type ComponentType, lazy, type ReactNode, Suspense } from "react";
import { Route, Switch, useParams } from "wouter";
import { useT } from "../i18n";
import { PageHeading } from "../ui/PageHeading";
import { Loading } from "../ui/states";
import { MyEventsProvider } from "./events";
import { useFocusOnNavigation } from "./focus";
import { Layout, PublicLayout } from "./Layout";
import { RequireSession } from "./session";

/** Each page is its own chunk, loaded when first visited: the first page stays small. */
const page = (load: () => Promise<{ default: ComponentType }>) => lazy(load);

const publicPages: [string, ComponentType][] = [
  ["/sign-in", page(() => import("../features/auth/SignInPage"))],
  ["/sign-up", page(() => import("../features/auth/SignUpPage"))],
  ["/complete-sign-up", page(() => import("../features/auth/CompleteSignUpPage"))],
  ["/verify-email", page(() => import("../features/auth/VerifyEmailPage"))],
  ["/forgot-password", page(() => import("../features/auth/ForgotPasswordPage"))],
  ["/reset-password", page(() => import("../features/auth/ResetPasswordPage"))],
  ["/accept-invite", page(() => import("../features/auth/AcceptInvitePage"))],
];

const signedInPages: [string, ComponentType][] = [
  ["/", page(() => import("../features/dashboard/DashboardPage"))],
  ["/forums", page(() => import("../features/forums/ForumsPage"))],
  ["/forums/new", page(() => import("../features/forums/NewTopicPage"))],
  ["/forums/search", page(() => import("../features/forums/SearchPage"))],
  ["/forums/topics/:id", page(() => import("../features/forums/TopicPage"))],
  ["/messages/:userId?", page(() => import("../features/messages/MessagesPage"))],
  ["/notifications", page(() => import("../features/notifications/NotificationsPage"))],
  ["/notifications/settings", page(() => import("../features/notifications/PreferencesPage"))],
  ["/use-cases", page(() => import("../features/useCases/BrowsePage"))],
  ["/use-cases/new", page(() => import("../features/useCases/SubmitPage"))],
  ["/use-cases/deleted", page(() => import("../features/useCases/DeletedPage"))],
  ["/use-cases/:id/edit", page(() => import("../features/useCases/SubmitPage"))],
  ["/use-cases/:id", page(() => import("../features/useCases/DetailPage"))],
  ["/tasks", page(() => import("../features/tasks/TasksPage"))],
  ["/organization/:tab?", page(() => import("../features/organization/OrganizationPage"))],
  ["/account/:tab?", page(() => import("../features/account/AccountPage"))],
];

function NotFound() {
  const t = useT();
  return (
    <section>
      <PageHeading title={t("notFound.title")} />
      <p>{t("error.NOT_FOUND")}</p>
    </section>
  );
}

/** Address params named `id` or `…Id` hold ids (`/forums/topics/:id`, `/messages/:userId?`). */
const holdsId = (name: string) => name === "id" || name.endsWith("Id");

/**
 * A page whose address holds a malformed id is a page that does not exist, as one with an unknown
 * id is: it is not asked for (the server would call the id a wrong field).
 */
function IdChecked({ page: Page }: { page: ComponentType }) {
  const params = useParams<Record<string, string | undefined>>();
  const malformed = Object.entries(params).some(
    ([name, value]) => holdsId(name) && value !== undefined && !Id.safeParse(value).success,
  );
  return malformed ? <NotFound /> : <Page />;
}

const Lazy = ({ children }: { children: ReactNode }) => <Suspense fallback={<Loading />}>{children}</Suspense>;

export function Routes() {
  useFocusOnNavigation();
  return (
    <Switch>
      {publicPages.map(([path, Page]) => (
        <Route key={path} path={path}>
          <PublicLayout>
            <Lazy>
              <Page />
            </Lazy>
          </PublicLayout>
        </Route>
      ))}
      <Route>
        <RequireSession>
          <MyEventsProvider>
            <Layout>
              <Lazy>
                <Switch>
                  {signedInPages.map(([path, Page]) => (
                    <Route key={path} path={path}>
                      <IdChecked page={Page} />
                    </Route>
                  ))}
                  <Route component={NotFound} />
                </Switch>
              </Lazy>
            </Layout>
          </MyEventsProvider>
        </RequireSession>
      </Route>
    </Switch>
  );
}
