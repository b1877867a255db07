/** A message: plain text with `{name}` placeholders, or a function for plurals and the like. */
export type Message = string | ((params: Params) => string);
export type Params = Record<string, string | number>;

/**
 * One feature's messages in both languages. The Arabic catalog must have every English key (and
 * no other): a missing translation is a type error, not a blank in the page.
 */
export function defineMessages<const E extends Record<string, Message>>(
  en: E,
  ar: { [K in keyof E]: Message },
): { en: E; ar: { [K in keyof E]: Message } } {
  return { en, ar };
}

/** Chooses a plural form by the language's rules (Arabic has six: zero, one, two, few, many, other). */
export function plural(
  locale: string,
  count: number,
  forms: Partial<Record<Intl.LDMLPluralRule, string>> & { other: string },
): string {
  const form = forms[new Intl.PluralRules(locale).select(count)] ?? forms.other;
  return form.replaceAll("{count}", new Intl.NumberFormat(locale).format(count));
}
