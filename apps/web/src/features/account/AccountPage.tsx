import { useParams } from "wouter";
import { useT } from "../../i18n";
import { PageHeading } from "../../ui/PageHeading";
import { TabLinks } from "../../ui/Tabs";
import { PasswordTab } from "./PasswordTab";
import { ProfileTab } from "./ProfileTab";
import { SessionsTab } from "./SessionsTab";
import { TwoFactorTab } from "./TwoFactorTab";

const tabs = {
  profile: { label: "account.tab.profile", Panel: ProfileTab },
  password: { label: "account.tab.password", Panel: PasswordTab },
  sessions: { label: "account.tab.sessions", Panel: SessionsTab },
  "two-factor": { label: "account.tab.twoFactor", Panel: TwoFactorTab },
} as const;
type TabId = keyof typeof tabs;

/** /account/:tab?: one's own profile, password, sessions and second factor. */
export default function AccountPage() {
  const t = useT();
  const { tab = "profile" } = useParams<{ tab?: string }>();
  const current = tab in tabs ? tabs[tab as TabId] : null;
  return (
    <section>
      <PageHeading title={t("account.title")} />
      <TabLinks
        label={t("account.tabs")}
        base="/account"
        current={tab}
        tabs={Object.entries(tabs).map(([id, { label }]) => ({ id, label: t(label) }))}
      />
      {current ? (
        <div className="card">
          <h2>{t(current.label)}</h2>
          <current.Panel />
        </div>
      ) : (
        <p role="alert">{t("error.NOT_FOUND")}</p>
      )}
    </section>
  );
}
