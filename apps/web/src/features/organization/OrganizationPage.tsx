import type { Permission } from "@p2p/schemas";
import type { ComponentType } from "react";
import { useParams } from "wouter";
import { useSession } from "../../app/session";
import { type MessageKey, useT } from "../../i18n";
import { PageHeading } from "../../ui/PageHeading";
import { TabLinks } from "../../ui/Tabs";
import { ApiKeysTab } from "./ApiKeysTab";
import { AuditTab } from "./AuditTab";
import { InvitationsTab } from "./InvitationsTab";
import { MembersTab } from "./MembersTab";
import { ProfileTab } from "./ProfileTab";

interface TabSpec {
  id: string;
  label: MessageKey;
  Panel: ComponentType;
  /** Shown only to callers with this permission; the server refuses the others anyway. */
  needs?: Permission;
}

const tabs: TabSpec[] = [
  { id: "profile", label: "organization.tab.profile", Panel: ProfileTab },
  { id: "members", label: "organization.tab.members", Panel: MembersTab },
  { id: "invitations", label: "organization.tab.invitations", Panel: InvitationsTab, needs: "invitations.manage" },
  { id: "api-keys", label: "organization.tab.apiKeys", Panel: ApiKeysTab, needs: "apiKeys.manage" },
  { id: "audit", label: "organization.tab.audit", Panel: AuditTab, needs: "audit.read" },
];

/** /organization/:tab?: the organization's profile and people for everyone, its administration for admins. */
export default function OrganizationPage() {
  const t = useT();
  const { permissions } = useSession();
  const { tab = "profile" } = useParams<{ tab?: string }>();
  const allowed = tabs.filter((s) => !s.needs || permissions.includes(s.needs));
  const current = allowed.find((s) => s.id === tab);
  const known = tabs.some((s) => s.id === tab);
  return (
    <section>
      <PageHeading title={t("organization.title")} />
      <TabLinks
        label={t("organization.tabs")}
        base="/organization"
        current={tab}
        tabs={allowed.map((s) => ({ id: s.id, label: t(s.label) }))}
      />
      {current ? (
        <div className="card">
          <h2>{t(current.label)}</h2>
          <current.Panel />
        </div>
      ) : (
        <p role="alert">{t(known ? "error.FORBIDDEN" : "error.NOT_FOUND")}</p>
      )}
    </section>
  );
}
