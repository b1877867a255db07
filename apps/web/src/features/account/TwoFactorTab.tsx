import { RecoveryCode, TotpCode, TotpEnableInput } from "@p2p/schemas";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useMemo, useState } from "react";
import { z } from "zod";
import { useTRPC } from "../../api";
import { useSession } from "../../app/session";
import { useT } from "../../i18n";
import { errorText } from "../../ui/errors";
import { Field, FormError, useZodForm } from "../../ui/form";

/** The second factor: set up (QR code, key, first code), the recovery codes once, and turning it off. */
export function TwoFactorTab() {
  const { user } = useSession();
  const t = useT();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  // Shown once, right after turning it on; kept here even when the refreshed session says "on".
  const [recoveryCodes, setRecoveryCodes] = useState<string[] | null>(null);
  const refreshSession = () => queryClient.invalidateQueries({ queryKey: trpc.auth.me.queryKey() });

  if (recoveryCodes) return <RecoveryCodes codes={recoveryCodes} onDone={() => setRecoveryCodes(null)} />;
  if (user.totpEnabled) {
    return (
      <>
        <p>{t("account.twoFactor.on")}</p>
        <DisableForm onDisabled={refreshSession} />
      </>
    );
  }
  return (
    <>
      <p>{t("account.twoFactor.off")}</p>
      <SetupFlow
        onEnabled={(codes) => {
          setRecoveryCodes(codes);
          void refreshSession();
        }}
      />
    </>
  );
}

function SetupFlow({ onEnabled }: { onEnabled(codes: string[]): void }) {
  const t = useT();
  const trpc = useTRPC();
  const setup = useMutation(trpc.auth.totp.setup.mutationOptions());
  const enable = useMutation(trpc.auth.totp.enable.mutationOptions());
  const form = useZodForm({
    schema: TotpEnableInput,
    initial: { code: "", password: "" },
    feature: "account.twoFactor",
    onSubmit: async (input) => onEnabled((await enable.mutateAsync(input)).recoveryCodes),
  });
  if (!setup.data) {
    return (
      <>
        <FormError message={setup.isError ? errorText(t, setup.error, "account.twoFactor") : null} />
        <button type="button" className="primary" onClick={() => setup.mutate()} disabled={setup.isPending}>
          {t("account.twoFactor.start")}
        </button>
      </>
    );
  }
  return (
    <>
      <p>{t("account.twoFactor.scan")}</p>
      <QrCode uri={setup.data.uri} alt={t("account.twoFactor.qrAlt")} />
      <p>
        {t("account.twoFactor.secret")} <code className="account-secret">{setup.data.secret}</code>
      </p>
      <form onSubmit={form.submit} noValidate>
        <FormError message={form.formError} />
        <Field
          label={t("account.field.code")}
          inputMode="numeric"
          autoComplete="one-time-code"
          {...form.field("code")}
        />
        <Field
          label={t("account.field.current")}
          type="password"
          autoComplete="current-password"
          {...form.field("password")}
        />
        <button type="submit" className="primary" disabled={form.submitting}>
          {t("account.twoFactor.enable")}
        </button>
      </form>
    </>
  );
}

/** The otpauth:// URI as a QR code image; the encoder loads only here, when someone sets up 2FA. */
function QrCode({ uri, alt }: { uri: string; alt: string }) {
  const [src, setSrc] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    void import("qrcode")
      .then((qr) => qr.toDataURL(uri, { margin: 2, width: 208 }))
      .then((url) => {
        if (live) setSrc(url);
      });
    return () => {
      live = false;
    };
  }, [uri]);
  return src ? <img src={src} alt={alt} width={208} height={208} className="account-qr" /> : null;
}

function RecoveryCodes({ codes, onDone }: { codes: string[]; onDone(): void }) {
  const t = useT();
  const [copied, setCopied] = useState(false);
  const text = codes.join("\n");
  const download = useMemo(() => URL.createObjectURL(new Blob([`${text}\n`], { type: "text/plain" })), [text]);
  useEffect(() => () => URL.revokeObjectURL(download), [download]);
  return (
    <>
      <h3>{t("account.twoFactor.codesTitle")}</h3>
      <p>{t("account.twoFactor.codesHelp")}</p>
      <ol className="account-codes">
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ol>
      <div className="row account-actions">
        <button
          type="button"
          onClick={() =>
            navigator.clipboard.writeText(text).then(
              () => setCopied(true),
              () => setCopied(false),
            )
          }
        >
          {t("account.twoFactor.copy")}
        </button>
        <a href={download} download="p2p-sandbox-recovery-codes.txt">
          {t("account.twoFactor.download")}
        </a>
        <button type="button" className="primary" onClick={onDone}>
          {t("account.twoFactor.saved")}
        </button>
      </div>
      <p role="status">{copied ? t("account.twoFactor.copied") : null}</p>
    </>
  );
}

function DisableForm({ onDisabled }: { onDisabled(): unknown }) {
  const t = useT();
  const trpc = useTRPC();
  const disable = useMutation(trpc.auth.totp.disable.mutationOptions());
  // One field takes either proof; the server's own schemas tell them apart.
  const schema = useMemo(
    () =>
      z.object({
        code: z
          .string()
          .trim()
          .refine(
            (v) => TotpCode.safeParse(v).success || RecoveryCode.safeParse(v).success,
            t("account.twoFactor.badCode"),
          ),
      }),
    [t],
  );
  const form = useZodForm({
    schema,
    initial: { code: "" },
    feature: "account.twoFactor",
    onSubmit: async ({ code }) => {
      await disable.mutateAsync(TotpCode.safeParse(code).success ? { code } : { recoveryCode: code });
      await onDisabled();
    },
  });
  return (
    <form onSubmit={form.submit} noValidate>
      <h3>{t("account.twoFactor.disableTitle")}</h3>
      <FormError message={form.formError} />
      <Field label={t("account.field.disableCode")} autoComplete="one-time-code" {...form.field("code")} />
      <button type="submit" className="danger" disabled={form.submitting}>
        {t("account.twoFactor.disable")}
      </button>
    </form>
  );
}
