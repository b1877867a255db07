import { Industry, OrganizationSize, SignUpFlatInput } from "@p2p/schemas";
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "wouter";
import { useTRPC } from "../../api";
import { type MessageKey, useT } from "../../i18n";
import { Field, FormError, SelectField, useZodForm } from "../../ui/form";
import { PageHeading } from "../../ui/PageHeading";
import { NewPasswordField } from "./NewPasswordField";

export default function SignUpPage() {
  const t = useT();
  const trpc = useTRPC();
  const [sent, setSent] = useState(false);
  const signUp = useMutation(trpc.auth.signUpFlat.mutationOptions());
  const form = useZodForm({
    schema: SignUpFlatInput,
    initial: {
      email: "",
      password: "",
      firstName: "",
      lastName: "",
      organizationName: "",
      industry: "manufacturing",
      size: "11-50",
      country: "SA",
      city: "",
    },
    feature: "auth",
    onSubmit: async (input) => {
      await signUp.mutateAsync(input);
      setSent(true);
    },
  });
  if (sent) {
    return (
      <section className="card">
        <PageHeading title={t("auth.signUp.title")} />
        <p role="status">{t("auth.signUp.checkMail")}</p>
      </section>
    );
  }
  return (
    <section className="card">
      <PageHeading title={t("auth.signUp.title")} />
      <form onSubmit={form.submit} noValidate>
        <FormError message={form.formError} />
        <Field
          label={t("auth.field.organizationName")}
          autoComplete="organization"
          {...form.field("organizationName")}
        />
        <SelectField
          label={t("auth.field.industry")}
          options={Industry.options.map((i) => ({ value: i, label: t(`industry.${i}` as MessageKey) }))}
          {...form.field("industry")}
        />
        <SelectField
          label={t("auth.field.size")}
          options={OrganizationSize.options.map((s) => ({ value: s, label: s }))}
          {...form.field("size")}
        />
        <div className="row">
          <Field label={t("auth.field.country")} autoComplete="country" {...form.field("country")} />
          <Field label={t("auth.field.city")} autoComplete="address-level2" {...form.field("city")} />
        </div>
        <div className="row">
          <Field label={t("auth.field.firstName")} autoComplete="given-name" {...form.field("firstName")} />
          <Field label={t("auth.field.lastName")} autoComplete="family-name" {...form.field("lastName")} />
        </div>
        <Field label={t("auth.field.email")} type="email" autoComplete="email" {...form.field("email")} />
        <NewPasswordField {...form.field("password")} />
        <button type="submit" className="primary" disabled={form.submitting}>
          {t("auth.signUp.submit")}
        </button>
      </form>
      <p>
        <Link href="/sign-in">{t("auth.signUp.haveAccount")}</Link>
      </p>
    </section>
  );
}
