import type { RouterOutputs } from "@p2p/client";
import { Industry, OrganizationSize, UpdateOrganizationInput } from "@p2p/schemas";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "../../api";
import { useSession } from "../../app/session";
import { type MessageKey, useT } from "../../i18n";
import { Field, FormError, SelectField, useZodForm } from "../../ui/form";
import { ImageUpload } from "../../ui/ImageUpload";
import { QueryState } from "../../ui/states";

type Organization = RouterOutputs["organizations"]["current"];

export function ProfileTab() {
  const trpc = useTRPC();
  const { permissions } = useSession();
  const current = useQuery(trpc.organizations.current.queryOptions());
  const canManage = permissions.includes("organization.manage");
  return (
    <QueryState query={current} feature="organization">
      {(org) => (canManage ? <ProfileForm org={org} /> : <ProfileView org={org} />)}
    </QueryState>
  );
}

function Logo({ org }: { org: Organization }) {
  const t = useT();
  return org.logoFileId ? (
    <img
      src={`/files/${org.logoFileId}`}
      alt={t("organization.profile.logo", { name: org.name })}
      className="image-upload-preview"
    />
  ) : null;
}

/** What members see: the profile, read-only. */
function ProfileView({ org }: { org: Organization }) {
  const t = useT();
  const rows: [MessageKey, string | null][] = [
    ["organization.field.name", org.name],
    ["organization.field.industry", t(`industry.${org.industry}` as MessageKey)],
    ["organization.field.size", org.size],
    ["organization.field.city", `${org.city}, ${org.country}`],
    ["organization.field.website", org.website],
  ];
  return (
    <>
      <Logo org={org} />
      <dl>
        {rows.map(([label, value]) =>
          value ? (
            <div key={label}>
              <dt>{t(label)}</dt>
              <dd>{label === "organization.field.website" ? <a href={value}>{value}</a> : value}</dd>
            </div>
          ) : null,
        )}
      </dl>
      <p>{org.description ?? t("organization.profile.noDescription")}</p>
    </>
  );
}

/** What admins see: the profile as a form, and the logo. */
function ProfileForm({ org }: { org: Organization }) {
  const t = useT();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [saved, setSaved] = useState(false);
  // The organization is in the session too (the shell shows it): both caches get the answer.
  const store = (updated: Organization) => {
    queryClient.setQueryData(trpc.organizations.current.queryKey(), updated);
    queryClient.setQueryData(trpc.auth.me.queryKey(), (s) => s && { ...s, organization: updated });
  };
  const update = useMutation(trpc.organizations.update.mutationOptions({ onSuccess: store }));
  const setLogo = useMutation(trpc.organizations.setLogo.mutationOptions({ onSuccess: store }));
  const form = useZodForm({
    schema: UpdateOrganizationInput,
    initial: {
      name: org.name,
      industry: org.industry,
      size: org.size,
      country: org.country,
      city: org.city,
      description: org.description ?? "",
      website: org.website ?? "",
    },
    feature: "organization",
    onSubmit: async (input) => {
      setSaved(false);
      // Emptied optional fields are left out by the form; here empty means "clear it".
      await update.mutateAsync({ description: null, website: null, ...input });
      setSaved(true);
    },
  });
  return (
    <>
      <ImageUpload
        fileId={org.logoFileId}
        alt={t("organization.profile.logo", { name: org.name })}
        chooseLabel={t("organization.profile.uploadLogo")}
        removeLabel={t("organization.profile.removeLogo")}
        onChange={(fileId) => setLogo.mutateAsync({ fileId })}
        feature="organization"
      />
      <form onSubmit={form.submit} noValidate>
        <FormError message={form.formError} />
        <Field label={t("organization.field.name")} autoComplete="organization" {...form.field("name")} />
        <div className="row">
          <SelectField
            label={t("organization.field.industry")}
            options={Industry.options.map((i) => ({ value: i, label: t(`industry.${i}` as MessageKey) }))}
            {...form.field("industry")}
          />
          <SelectField
            label={t("organization.field.size")}
            options={OrganizationSize.options.map((s) => ({ value: s, label: s }))}
            {...form.field("size")}
          />
        </div>
        <div className="row">
          <Field label={t("organization.field.country")} autoComplete="country" {...form.field("country")} />
          <Field label={t("organization.field.city")} autoComplete="address-level2" {...form.field("city")} />
        </div>
        <Field label={t("organization.field.description")} multiline {...form.field("description")} />
        <Field
          label={t("organization.field.website")}
          type="url"
          autoComplete="url"
          hint={t("organization.field.websiteHint")}
          {...form.field("website")}
        />
        <div className="row account-actions">
          <button type="submit" className="primary" disabled={form.submitting}>
            {form.submitting ? t("state.saving") : t("action.save")}
          </button>
          <p role="status">{saved ? t("state.saved") : null}</p>
        </div>
      </form>
    </>
  );
}
