// @vitest-environment jsdom
import { requiredText } from "@p2p/schemas";
import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { TRPCClientError } from "@trpc/client";
import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { I18nProvider, type Locale } from "../src/i18n";
import { errorText, issueText } from "../src/ui/errors";
import { Field, FormError, useZodForm } from "../src/ui/form";

const Schema = z.object({ name: requiredText(20), email: z.email(), note: z.string().max(5).optional() });
type Values = z.output<typeof Schema>;

function Profile({ onSubmit }: { onSubmit(values: Values): Promise<unknown> }) {
  const form = useZodForm({ schema: Schema, initial: { name: "", email: "", note: "" }, onSubmit });
  return (
    <form onSubmit={form.submit} noValidate>
      <FormError message={form.formError} />
      <Field label="Name" {...form.field("name")} />
      <Field label="Email" {...form.field("email")} />
      <Field label="Note" {...form.field("note")} />
      <button type="submit">Save</button>
    </form>
  );
}

function renderForm(onSubmit: (values: Values) => Promise<unknown>, locale: Locale = "en") {
  render(
    <I18nProvider locale={locale}>
      <Profile onSubmit={onSubmit} />
    </I18nProvider>,
  );
}

const input = (label: string) => screen.getByLabelText(label) as HTMLInputElement;
const type = (label: string, value: string) => fireEvent.change(input(label), { target: { value } });
const submit = () => act(async () => fireEvent.click(screen.getByRole("button", { name: "Save" })));
/** The error text tied to an input (aria-describedby), as a screen reader reads it. */
const errorOf = (label: string) =>
  (input(label).getAttribute("aria-describedby") ?? "")
    .split(" ")
    .map((id) => document.getElementById(id)?.textContent)
    .join(" ")
    .trim();

afterEach(cleanup);

describe("issueText", () => {
  it("says a bound for what it bounds: a number's value, a list's items, a text's length", () => {
    const say = (schema: z.ZodType, value: unknown) => {
      const issue = schema.safeParse(value).error?.issues[0];
      return issueText((key, params) => `${key}${params ? ` ${JSON.stringify(params)}` : ""}`, issue as never);
    };
    const months = z.number().int().min(0).max(1000);
    expect(say(months, -3)).toBe('field.atLeast {"min":0}');
    expect(say(months, 5000)).toBe('field.atMost {"max":1000}');
    expect(say(z.array(z.string()).min(2).max(3), ["a"])).toBe('field.tooFew {"min":2}');
    expect(say(z.array(z.string()).max(3), ["a", "b", "c", "d"])).toBe('field.tooMany {"max":3}');
    expect(say(z.string().min(1), "")).toBe("field.required");
    expect(say(z.string().max(5), "far too long")).toBe('field.tooLong {"max":5}');
    // A decimal in a whole-number field is not a missing value.
    expect(say(months, 2.5)).toBe("field.wholeNumber");
    expect(say(z.object({ months }), {})).toBe("field.required");
  });
});

describe("errorText", () => {
  // Every key has words here (a missing one would come back as the key itself).
  const t = ((key: string) => `text of ${key}`) as never;
  const badRequest = (issues: { path: string; message: string }[]) =>
    Object.assign(new Error("bad"), { data: { code: "BAD_REQUEST", appCode: "BAD_REQUEST", issues } });
  it("uses a feature's words for a code only when no field is named", () => {
    expect(errorText(t, badRequest([]), "account.twoFactor")).toBe("text of account.twoFactor.error.BAD_REQUEST");
    expect(
      errorText(t, badRequest([{ path: "password", message: "Current password is incorrect" }]), "account.twoFactor"),
    ).toBe("text of error.fields");
  });
});

describe("useZodForm", () => {
  it("checks with the schema in the page, in the page's language, and sends nothing while a field is wrong", async () => {
    const onSubmit = vi.fn(async () => undefined);
    renderForm(onSubmit, "ar");
    type("Email", "not an address");
    type("Note", "far too long");
    await submit();
    expect(onSubmit).not.toHaveBeenCalled();
    expect(screen.getByRole("alert").textContent).toBe("يرجى تصحيح الحقول المحددة.");
    expect(input("Name").getAttribute("aria-invalid")).toBe("true");
    expect(errorOf("Name")).toBe("مطلوب");
    expect(errorOf("Email")).toBe("أدخل بريداً إلكترونياً صالحاً");
    expect(errorOf("Note")).toBe("5 حرفاً على الأكثر");

    // Fixing a field clears its error at once; the others stay until the next try.
    type("Name", "Ada");
    expect(input("Name").getAttribute("aria-invalid")).toBeNull();
    expect(input("Email").getAttribute("aria-invalid")).toBe("true");
  });

  it("sends the parsed values, leaving emptied optional fields out", async () => {
    const onSubmit = vi.fn(async () => undefined);
    renderForm(onSubmit);
    type("Name", "  Ada  ");
    type("Email", "ada@example.com");
    await submit();
    expect(onSubmit).toHaveBeenCalledWith({ name: "Ada", email: "ada@example.com" });
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("puts the server's field issues on the same fields", async () => {
    const refusal = TRPCClientError.from({
      error: {
        code: -32600,
        message: "Invalid input",
        data: {
          code: "BAD_REQUEST",
          httpStatus: 400,
          appCode: "BAD_REQUEST",
          issues: [{ path: "email", code: "custom", message: "This address is already invited" }],
        },
      },
    });
    const onSubmit = vi.fn(async () => Promise.reject(refusal));
    renderForm(onSubmit);
    type("Name", "Ada");
    type("Email", "ada@example.com");
    await submit();
    expect(onSubmit).toHaveBeenCalledOnce();
    expect(errorOf("Email")).toBe("This address is already invited");
    expect(input("Name").getAttribute("aria-invalid")).toBeNull();
    expect(screen.getByRole("alert").textContent).toBe("Please correct the highlighted fields.");
  });

  it("shows a refusal without fields as a sentence for the form", async () => {
    const refusal = TRPCClientError.from({
      error: { code: -32603, message: "down", data: { code: "INTERNAL_SERVER_ERROR", appCode: "STORE_UNAVAILABLE" } },
    });
    renderForm(async () => Promise.reject(refusal));
    type("Name", "Ada");
    type("Email", "ada@example.com");
    await submit();
    expect(screen.getByRole("alert").textContent).toBe(
      "The service is briefly unavailable. Try again in a few seconds.",
    );
  });
});
