import type { RouterOutputs } from "@p2p/client";
import { EmailFrequency, UpdateNotificationPreferencesInput } from "@p2p/schemas";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import { Link } from "wouter";
import { useTRPC } from "../../api";
import { type MessageKey, useT } from "../../i18n";
import { Field, FormError, useZodForm } from "../../ui/form";
import { PageHeading } from "../../ui/PageHeading";
import { QueryState } from "../../ui/states";

type Preferences = RouterOutputs["notifications"]["preferences"]["get"];
type TypeChoice = Pick<Preferences["types"][number], "type" | "inApp" | "email">;
type QuietHours = { start: string; end: string } | null;

/** Suggested when quiet hours are first turned on: the night. */
const NIGHT = { start: "22:00", end: "07:00" };

/** /notifications/settings: per kind in the app and by email (off, right away, a daily digest), quiet hours. */
export default function PreferencesPage() {
  const t = useT();
  const trpc = useTRPC();
  const prefs = useQuery(trpc.notifications.preferences.get.queryOptions());
  return (
    <section className="card notifications-prefs">
      <PageHeading title={t("notifications.prefs.title")} />
      <p>{t("notifications.prefs.intro")}</p>
      <QueryState query={prefs}>{(data) => <PreferencesForm prefs={data} />}</QueryState>
      <p>
        <Link href="/notifications">{t("notifications.prefs.back")}</Link>
      </p>
    </section>
  );
}

function PreferencesForm({ prefs }: { prefs: Preferences }) {
  const t = useT();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const quietId = useId();
  const [saved, setSaved] = useState(false);
  const update = useMutation(trpc.notifications.preferences.update.mutationOptions());
  const form = useZodForm({
    schema: UpdateNotificationPreferencesInput,
    initial: {
      types: prefs.types.map(({ type, inApp, email }) => ({ type, inApp, email })),
      quietHours: prefs.quietHours,
    },
    feature: "notifications",
    onSubmit: async (input) => {
      const now = await update.mutateAsync(input);
      queryClient.setQueryData(trpc.notifications.preferences.get.queryKey(), now);
      setSaved(true);
    },
  });
  const types = form.values.types as TypeChoice[];
  const quiet = form.values.quietHours as QuietHours;
  const setType = (type: string, change: Partial<TypeChoice>) => {
    setSaved(false);
    form.set(
      "types",
      types.map((c) => (c.type === type ? { ...c, ...change } : c)),
    );
  };
  const setQuiet = (next: QuietHours) => {
    setSaved(false);
    form.set("quietHours", next);
  };
  const kindLabel = (type: string) => t(`notifications.type.${type}` as MessageKey);
  return (
    <form onSubmit={form.submit} noValidate>
      <FormError message={form.formError} />
      <h2>{t("notifications.prefs.types")}</h2>
      <table className="notifications-table">
        <thead>
          <tr>
            <th scope="col">{t("notifications.prefs.kind")}</th>
            <th scope="col">{t("notifications.prefs.inApp")}</th>
            <th scope="col">{t("notifications.prefs.email")}</th>
          </tr>
        </thead>
        <tbody>
          {types.map((choice) => (
            <tr key={choice.type}>
              <th scope="row">{kindLabel(choice.type)}</th>
              <td>
                <input
                  type="checkbox"
                  checked={choice.inApp}
                  aria-label={t("notifications.prefs.inAppFor", { kind: kindLabel(choice.type) })}
                  onChange={(e) => setType(choice.type, { inApp: e.target.checked })}
                />
              </td>
              <td>
                <select
                  value={choice.email}
                  aria-label={t("notifications.prefs.emailFor", { kind: kindLabel(choice.type) })}
                  onChange={(e) => setType(choice.type, { email: e.target.value as EmailFrequency })}
                >
                  {EmailFrequency.options.map((f) => (
                    <option key={f} value={f}>
                      {t(`notifications.prefs.email.${f}`)}
                    </option>
                  ))}
                </select>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <fieldset className="notifications-quiet">
        <legend>{t("notifications.prefs.quiet")}</legend>
        <p className="hint">{t("notifications.prefs.quietHelp")}</p>
        <p>
          <input
            id={quietId}
            type="checkbox"
            checked={quiet !== null}
            onChange={(e) => setQuiet(e.target.checked ? (prefs.quietHours ?? NIGHT) : null)}
          />{" "}
          <label htmlFor={quietId}>{t("notifications.prefs.quietOn")}</label>
        </p>
        {quiet && (
          <div className="row">
            <Field
              label={t("notifications.prefs.quietStart")}
              name="quietHours.start"
              type="time"
              value={quiet.start}
              error={form.fieldErrors["quietHours.start"]}
              onChange={(start) => setQuiet({ ...quiet, start })}
            />
            <Field
              label={t("notifications.prefs.quietEnd")}
              name="quietHours.end"
              type="time"
              value={quiet.end}
              error={form.fieldErrors["quietHours.end"]}
              onChange={(end) => setQuiet({ ...quiet, end })}
            />
          </div>
        )}
        <p className="hint">
          {t("notifications.prefs.timezone", { zone: prefs.timezone })}{" "}
          <Link href="/account">{t("notifications.prefs.changeZone")}</Link>
        </p>
      </fieldset>
      <div className="notifications-save">
        <button type="submit" className="primary" disabled={form.submitting}>
          {form.submitting ? t("state.saving") : t("action.save")}
        </button>
        <p role="status">{saved ? t("state.saved") : ""}</p>
      </div>
    </form>
  );
}
