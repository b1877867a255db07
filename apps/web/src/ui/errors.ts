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
  // A feature's own words for a code, unless the server named the fields at fault: then those
  // fields say what is wrong (a wrong password is not "that code is not valid").
  if (feature && !(appCode === "BAD_REQUEST" && issues.length > 0)) {
    const specific = t(`${feature}.error.${appCode}` as MessageKey);
    if (specific !== `${feature}.error.${appCode}`) return specific;
  }
  if (issues.length > 0 || appCode === "BAD_REQUEST") return t("error.fields");
  if (appCode === "NETWORK") return t("error.network");
  if (known.has(appCode)) return t(`error.${appCode}` as MessageKey);
  return t("error.unknown");
}

/**
 * One field problem (from zod in the page or from the server: the same schemas) in words. A bound
 * is said for what it bounds (zod's `origin`): a number's value, a list's items, a text's length.
 */
export function issueText(
  t: Translate,
  issue: {
    code: string;
    message: string;
    minimum?: unknown;
    maximum?: unknown;
    format?: unknown;
    origin?: unknown;
    expected?: unknown;
  },
): string {
  const amount = issue.origin === "number" || issue.origin === "bigint";
  const list = issue.origin === "array" || issue.origin === "set";
  if (issue.code === "too_small" && issue.minimum !== undefined) {
    const min = Number(issue.minimum);
    if (amount) return t("field.atLeast", { min });
    if (list) return min <= 1 ? t("field.required") : t("field.tooFew", { min });
    return min <= 1 ? t("field.required") : t("field.tooShort", { min });
  }
  if (issue.code === "too_big" && issue.maximum !== undefined) {
    const max = Number(issue.maximum);
    return t(amount ? "field.atMost" : list ? "field.tooMany" : "field.tooLong", { max });
  }
  if (issue.code === "invalid_format" && issue.format === "email") return t("field.email");
  if (issue.code === "invalid_type") return issue.expected === "int" ? t("field.wholeNumber") : t("field.required");
  return issue.message || t("field.invalid");
}
