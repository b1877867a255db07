import { strings as account } from "../features/account/strings";
import { strings as auth } from "../features/auth/strings";
import { strings as dashboard } from "../features/dashboard/strings";
import { strings as forums } from "../features/forums/strings";
import { strings as messages } from "../features/messages/strings";
import { strings as notifications } from "../features/notifications/strings";
import { strings as organization } from "../features/organization/strings";
import { strings as tasks } from "../features/tasks/strings";
import { strings as useCases } from "../features/useCases/strings";
import { common } from "./common";

/** Every feature's strings, one catalog per language; keys are prefixed by feature, so they never clash. */
const parts = [
  common,
  auth,
  dashboard,
  forums,
  messages,
  notifications,
  useCases,
  tasks,
  organization,
  account,
] as const;

type Part = (typeof parts)[number];
type KeysOf<P> = P extends { en: infer E } ? keyof E : never;
export type MessageKey = KeysOf<Part> & string;

export const locales = ["en", "ar"] as const;
export type Locale = (typeof locales)[number];

export const catalogs = {
  en: Object.assign({}, ...parts.map((p) => p.en)),
  ar: Object.assign({}, ...parts.map((p) => p.ar)),
} as Record<Locale, Record<MessageKey, import("./define").Message>>;
