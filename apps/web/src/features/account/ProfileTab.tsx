import { UpdateMeInput } from "@p2p/schemas";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import type { z } from "zod";
import { useTRPC } from "../../api";
import { useSession } from "../../app/session";
import { type Locale, locales, useI18n } from "../../i18n";
import { errorText } from "../../ui/errors";
import { Field, FormError, SelectField, useZodForm } from "../../ui/form";
import { ImageUpload } from "../../ui/ImageUpload";

type MeChanges = z.input<typeof UpdateMeInput>;

/** Every time zone the browser knows, and the saved one even if it does not (e.g. "UTC" in some engines). */
function timeZones(saved: string): string[] {
  const all = Intl.supportedValuesOf("timeZone");
  return all.includes(saved) ? all : [saved, ...all];
}

export function ProfileTab() {
  const { user } = useSession();
  const { t, locale, setLocale } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const update = useMutation(trpc.users.updateMe.mutationOptions());
  const [saved, setSaved] = useState(false);
  const zones = useMemo(
    () => timeZones(user.timezone).map((z) => ({ value: z, label: z.replaceAll("_", " ") })),
    [user.timezone],
  );

  // The session in the cache carries the user: the shell's name and the dates' time zone follow at once.
  const saveMe = async (changes: MeChanges) => {
    const me = await update.mutateAsync(changes);
    queryClient.setQueryData(trpc.auth.me.queryKey(), (session) => session && { ...session, user: me });
    return me;
  };

  const form = useZodForm({
    schema: UpdateMeInput,
    initial: {
      firstName: user.firstName,
      lastName: user.lastName,
      title: user.title ?? "",
      phone: user.phone ?? "",
      bio: user.bio ?? "",
      locale: user.locale as Locale,
      timezone: user.timezone,
    },
    feature: "account",
    onSubmit: async (input) => {
      setSaved(false);
      // The form leaves emptied fields out; for these optional ones, empty means "clear it".
      const me = await saveMe({ title: null, phone: null, bio: null, ...input });
      if (me.locale !== locale) setLocale(me.locale as Locale);
      setSaved(true);
    },
  });

  return (
    <>
      <UnverifiedNotice />
      <ImageUpload
        fileId={user.avatarFileId}
        alt={t("account.profile.picture")}
        chooseLabel={t("account.profile.upload")}
        removeLabel={t("account.profile.removePicture")}
        onChange={(avatarFileId) => saveMe({ avatarFileId })}
        feature="account"
      />
      <form onSubmit={form.submit} noValidate>
        <FormError message={form.formError} />
        <div className="row">
          <Field label={t("account.field.firstName")} autoComplete="given-name" {...form.field("firstName")} />
          <Field label={t("account.field.lastName")} autoComplete="family-name" {...form.field("lastName")} />
        </div>
        <div className="row">
          <Field label={t("account.field.title")} autoComplete="organization-title" {...form.field("title")} />
          <Field label={t("account.field.phone")} type="tel" autoComplete="tel" {...form.field("phone")} />
        </div>
        <Field label={t("account.field.bio")} multiline {...form.field("bio")} />
        <div className="row">
          <SelectField
            label={t("account.field.locale")}
            options={locales.map((l) => ({ value: l, label: t(`language.${l}`) }))}
            {...form.field("locale")}
          />
          <SelectField label={t("account.field.timezone")} options={zones} {...form.field("timezone")} />
        </div>
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

/** Until the address is confirmed, a way to get the link again. */
function UnverifiedNotice() {
  const { user } = useSession();
  const { t } = useI18n();
  const trpc = useTRPC();
  const resend = useMutation(trpc.auth.resendVerification.mutationOptions());
  if (user.emailVerified) return null;
  return (
    <div className="notice">
      <p>{t("account.profile.unverified", { email: user.email })}</p>
      {resend.isSuccess ? (
        <p role="status">{t("account.profile.resent")}</p>
      ) : (
        <button type="button" onClick={() => resend.mutate()} disabled={resend.isPending}>
          {t("account.profile.resend")}
        </button>
      )}
      {resend.isError && (
        <p role="alert" className="form-error">
          {errorText(t, resend.error, "account")}
        </p>
      )}
    </div>
  );
}
