// @vitest-environment jsdom
import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { I18nProvider, translate, useT } from "../src/i18n";
import type { MessageKey } from "../src/i18n/catalog";
import { plural } from "../src/i18n/define";

const arabicForms = {
  zero: "zero",
  one: "one",
  two: "two",
  few: "few {count}",
  many: "many {count}",
  other: "other {count}",
} as const;
const ar = (n: number) => new Intl.NumberFormat("ar").format(n);

function Heading() {
  const t = useT();
  return <h1>{t("account.title")}</h1>;
}

afterEach(cleanup);

describe("plural", () => {
  it("picks each of Arabic's six forms by the language's rules", () => {
    expect(plural("ar", 0, arabicForms)).toBe("zero");
    expect(plural("ar", 1, arabicForms)).toBe("one");
    expect(plural("ar", 2, arabicForms)).toBe("two");
    expect(plural("ar", 3, arabicForms)).toBe(`few ${ar(3)}`);
    expect(plural("ar", 10, arabicForms)).toBe(`few ${ar(10)}`);
    expect(plural("ar", 11, arabicForms)).toBe(`many ${ar(11)}`);
    expect(plural("ar", 99, arabicForms)).toBe(`many ${ar(99)}`);
    expect(plural("ar", 100, arabicForms)).toBe(`other ${ar(100)}`);
    expect(plural("ar", 103, arabicForms)).toBe(`few ${ar(103)}`);
  });

  it("falls back to `other` for a form a message leaves out, and formats the count for the language", () => {
    expect(plural("ar", 2, { one: "one", other: "{count} items" })).toBe(`${ar(2)} items`);
    expect(plural("en", 1234, { one: "one", other: "{count} items" })).toBe("1,234 items");
    expect(plural("en", 1, { one: "{count} item", other: "{count} items" })).toBe("1 item");
  });

  it("drives catalog messages: a reply count in both languages", () => {
    expect(translate("en", "forums.replyCount", { count: 1 })).toBe("1 reply");
    expect(translate("en", "forums.replyCount", { count: 3 })).toBe("3 replies");
    expect(translate("ar", "forums.replyCount", { count: 2 })).toBe("ردان");
    expect(translate("ar", "forums.replyCount", { count: 5 })).toBe(`${ar(5)} ردود`);
  });
});

describe("translate", () => {
  it("fills placeholders, and leaves a missing one visible instead of printing undefined", () => {
    expect(translate("en", "account.profile.unverified", { email: "ada@example.com" })).toBe(
      "Your email address ada@example.com is not confirmed yet.",
    );
    expect(translate("en", "account.profile.unverified")).toBe("Your email address {email} is not confirmed yet.");
    expect(translate("en", "account.profile.unverified", { other: "x" })).not.toContain("undefined");
  });

  it("answers the key itself for a key no catalog has, rather than failing the page", () => {
    expect(translate("ar", "no.such.key" as MessageKey)).toBe("no.such.key");
  });

  it("follows the provider's language in components", () => {
    render(
      <I18nProvider locale="ar">
        <Heading />
      </I18nProvider>,
    );
    expect(screen.getByRole("heading").textContent).toBe("حسابي");
    expect(document.documentElement.dir).toBe("rtl");
    expect(document.documentElement.lang).toBe("ar");
  });
});
