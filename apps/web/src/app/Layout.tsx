import { useMutation } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { Link, useLocation } from "wouter";
import { useTRPC } from "../api";
import { useUnreadMessages } from "../features/messages/unread";
import { NotificationBell } from "../features/notifications/Bell";
import { type Locale, locales, useI18n } from "../i18n";
import type { MessageKey } from "../i18n/catalog";
import { UnreadLabel } from "../ui/UnreadLabel";
import { LiveBanner } from "./connection";
import { useSession } from "./session";

/** The main sections; `unread` names the count a section's link shows. */
const sections: { href: string; label: MessageKey; unread?: "messages" }[] = [
  { href: "/", label: "nav.dashboard" },
  { href: "/forums", label: "nav.forums" },
  { href: "/use-cases", label: "nav.useCases" },
  { href: "/messages", label: "nav.messages", unread: "messages" },
  { href: "/tasks", label: "nav.tasks" },
];

export function LanguageSwitch() {
  const { locale, setLocale, t } = useI18n();
  return (
    <label className="language">
      <span className="visually-hidden">{t("nav.language")}</span>
      <select value={locale} onChange={(e) => setLocale(e.target.value as Locale)}>
        {locales.map((l) => (
          <option key={l} value={l} lang={l}>
            {t(`language.${l}`)}
          </option>
        ))}
      </select>
    </label>
  );
}

/** The signed-in shell: skip link, navigation, bell, language, account menu, the live banner. */
export function Layout({ children }: { children: ReactNode }) {
  const { t } = useI18n();
  const session = useSession();
  const [location] = useLocation();
  const trpc = useTRPC();
  const unread = { messages: useUnreadMessages(session.user.id) };
  // A fresh page after sign-out: no cache, no socket opened with the old session.
  const signOut = useMutation(
    trpc.auth.signOut.mutationOptions({ onSettled: () => window.location.assign("/sign-in") }),
  );
  const current = (href: string) =>
    (href === "/" ? location === "/" : location.startsWith(href)) ? ("page" as const) : undefined;
  return (
    <>
      <a className="skip-link" href="#main">
        {t("app.skipToContent")}
      </a>
      <header className="topbar">
        <Link href="/" className="brand">
          {t("app.name")}
        </Link>
        <nav aria-label={t("nav.main")}>
          <ul>
            {sections.map((s) => (
              <li key={s.href}>
                <Link href={s.href} aria-current={current(s.href)}>
                  {s.unread ? <UnreadLabel label={t(s.label)} count={unread[s.unread]} /> : t(s.label)}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div className="topbar-end">
          <NotificationBell />
          <LanguageSwitch />
          <details className="menu">
            <summary>
              {session.user.firstName} {session.user.lastName}
            </summary>
            <ul>
              <li>
                <Link href="/account">{t("nav.account")}</Link>
              </li>
              <li>
                <Link href="/organization">{t("nav.organization")}</Link>
              </li>
              <li>
                <button type="button" className="link" onClick={() => signOut.mutate()}>
                  {t("nav.signOut")}
                </button>
              </li>
            </ul>
          </details>
        </div>
      </header>
      <LiveBanner />
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}

/** Pages before sign-in: a centered card with the language switch. */
export function PublicLayout({ children }: { children: ReactNode }) {
  const { t } = useI18n();
  return (
    <>
      <header className="topbar">
        <span className="brand">{t("app.name")}</span>
        <div className="topbar-end">
          <LanguageSwitch />
        </div>
      </header>
      <main id="main" className="narrow">
        {children}
      </main>
    </>
  );
}
