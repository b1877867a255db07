import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from "react";
import { catalogs, type Locale, locales, type MessageKey } from "./catalog";
import type { Params } from "./define";

export type { Locale, MessageKey } from "./catalog";
export { locales } from "./catalog";

const STORAGE_KEY = "p2p.locale";

export type Translate = (key: MessageKey, params?: Params) => string;

interface I18n {
  locale: Locale;
  dir: "ltr" | "rtl";
  setLocale(locale: Locale): void;
  /** The signed-in user's time zone (their profile's), for dates; the browser's until then. */
  setTimeZone(timeZone: string | undefined): void;
  t: Translate;
  format: Formatters;
}

export interface Formatters {
  /** A calendar date (no time), in the user's time zone. */
  date(value: Date | string): string;
  dateTime(value: Date | string): string;
  /** "5 minutes ago", "in 2 days". */
  relative(value: Date | string): string;
  number(value: number): string;
}

const I18nContext = createContext<I18n | null>(null);

export function initialLocale(): Locale {
  const saved = globalThis.localStorage?.getItem(STORAGE_KEY);
  if (saved && (locales as readonly string[]).includes(saved)) return saved as Locale;
  return globalThis.navigator?.language?.toLowerCase().startsWith("ar") ? "ar" : "en";
}

export function translate(locale: Locale, key: MessageKey, params: Params = {}): string {
  const message = catalogs[locale][key] ?? catalogs.en[key] ?? key;
  if (typeof message === "function") return message(params);
  return message.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

export function formatters(locale: Locale, timeZone?: string): Formatters {
  const date = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeZone });
  const dateTime = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short", timeZone });
  const relative = new Intl.RelativeTimeFormat(locale, { numeric: "auto" });
  const number = new Intl.NumberFormat(locale);
  const units: [Intl.RelativeTimeFormatUnit, number][] = [
    ["year", 31_536_000],
    ["month", 2_592_000],
    ["week", 604_800],
    ["day", 86_400],
    ["hour", 3_600],
    ["minute", 60],
  ];
  const asDate = (v: Date | string) => (typeof v === "string" ? new Date(v) : v);
  return {
    date: (v) => date.format(asDate(v)),
    dateTime: (v) => dateTime.format(asDate(v)),
    relative: (v) => {
      const seconds = (asDate(v).getTime() - Date.now()) / 1000;
      for (const [unit, size] of units) {
        if (Math.abs(seconds) >= size) return relative.format(Math.round(seconds / size), unit);
      }
      return relative.format(Math.round(seconds), "second");
    },
    number: (v) => number.format(v),
  };
}

export function I18nProvider({ children, locale: fixed }: { children: ReactNode; locale?: Locale }) {
  const [locale, setLocaleState] = useState<Locale>(fixed ?? initialLocale);
  const [timeZone, setTimeZone] = useState<string | undefined>();
  const dir = locale === "ar" ? "rtl" : "ltr";
  useEffect(() => {
    document.documentElement.lang = locale;
    document.documentElement.dir = dir;
  }, [locale, dir]);
  const setLocale = useCallback((next: Locale) => {
    globalThis.localStorage?.setItem(STORAGE_KEY, next);
    setLocaleState(next);
  }, []);
  const value = useMemo<I18n>(
    () => ({
      locale,
      dir,
      setLocale,
      setTimeZone,
      t: (key, params) => translate(locale, key, params),
      format: formatters(locale, timeZone),
    }),
    [locale, dir, setLocale, timeZone],
  );
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const value = useContext(I18nContext);
  if (!value) throw new Error("useI18n outside I18nProvider");
  return value;
}

/** The translate function of the current language. */
export const useT = (): Translate => useI18n().t;
