import { AcceptInvitationInput } from "@p2p/schemas";
import { useMutation } from "@tanstack/react-query";
import { useTRPC } from "../../api";
import { useT } from "../../i18n";
import { Field, FormError, useZodForm } from "../../ui/form";
import { AuthCard, MissingToken, useEnterSession, useLinkToken } from "./link";
import { NewPasswordField } from "./NewPasswordField";

/** The emailed invitation: a name and a password create the account in the inviting organization, signed in. */
export default function AcceptInvitePage() {
  const t = useT();
  const token = useLinkToken();
  if (!token) return <MissingToken title={t("auth.invite.title")} />;
  return <AcceptInviteForm token={token} />;
}

function AcceptInviteForm({ token }: { token: string }) {
  const t = useT();
  const trpc = useTRPC();
  const enter = useEnterSession();
  const accept = useMutation(trpc.invitations.accept.mutationOptions());
  const form = useZodForm({
    schema: AcceptInvitationInput.omit({ token: true, tokenType: true }),
    initial: { firstName: "", lastName: "", password: "" },
    feature: "auth",
    onSubmit: async (input) => enter(await accept.mutateAsync({ ...input, token, tokenType: "cookie" })),
  });
  return (
    <AuthCard title={t("auth.invite.title")}>
      <p>{t("auth.invite.help")}</p>
      <form onSubmit={form.submit} noValidate>
        <FormError message={form.formError} />
        <div className="row">
          <Field label={t("auth.field.firstName")} autoComplete="given-name" {...form.field("firstName")} />
          <Field label={t("auth.field.lastName")} autoComplete="family-name" {...form.field("lastName")} />
        </div>
        <NewPasswordField {...form.field("password")} />
        <button type="submit" className="primary" disabled={form.submitting}>
          {t("auth.invite.submit")}
        </button>
      </form>
    </AuthCard>
  );
}
