import type { FieldIssue } from "@p2p/schemas";
import type { MessageKey, Translate } from "../i18n";

/** What a failed call tells the page: the stable app code and, for bad input, the fields at fault. */
export interface ErrorInfo {
  appCode: string;
  message: string;
  issues: FieldIssue[];
}

export function errorInfo(error: unknown): ErrorInfo {
  const e = error as { message?: string; data?: { appCode?: string; issues?: FieldIssue[] } | null } | null;
  const network = error instanceof TypeError || /fetch|network/i.test(e?.message ?? "");
  return {
    appCode: e?.data?.appCode ?? (network ? "NETWORK" : "UNKNOWN"),
    message: e?.message ?? "",
    issues: e?.data?.issues ?? [],
  };
}

const known = new Set([
  "NOT_FOUND",
  "FORBIDDEN",
  "UNAUTHORIZED",
  "RATE_LIMITED",
  "STORE_UNAVAILABLE",
  "PAYLOAD_TOO_LARGE",
  "CONFLICT",
]);

/**
 * The sentence to show for a failed call, in the page's language. Codes a feature knows better
 * (INVALID_CREDENTIALS, EMAIL_TAKEN …) are looked up as `<feature>.error.<CODE>` first.
 */
export function errorText(t: Translate, error: unknown, feature?: string): string {
  const { appCode, issues } = errorInfo(error);
  if (feature) {
    const specific = t(`${feature}.error.${appCode}` as MessageKey);
    if (specific !== `${feature}.error.${appCode}`) return specific;
  }
  if (issues.length > 0 || appCode === "BAD_REQUEST") return t("error.fields");
  if (appCode === "NETWORK") return t("error.network");
  if (known.has(appCode)) return t(`error.${appCode}` as MessageKey);
  return t("error.unknown");
}

/** One field problem (from zod in the page or from the server: the same schemas) in words. */
export function issueText(
  t: Translate,
  issue: { code: string; message: string; minimum?: unknown; maximum?: unknown; format?: unknown },
): string {
  if (issue.code === "too_small" && issue.minimum !== undefined) {
    return Number(issue.minimum) <= 1 ? t("field.required") : t("field.tooShort", { min: Number(issue.minimum) });
  }
  if (issue.code === "too_big" && issue.maximum !== undefined)
    return t("field.tooLong", { max: Number(issue.maximum) });
  if (issue.code === "invalid_format" && issue.format === "email") return t("field.email");
  if (issue.code === "invalid_type") return t("field.required");
  return issue.message || t("field.invalid");
}
