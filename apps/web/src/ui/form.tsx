import { type FormEvent, useId, useState } from "react";
import type { z } from "zod";
import { useT } from "../i18n";
import { errorInfo, errorText, issueText } from "./errors";

type Values = Record<string, unknown>;

interface FormOptions<S extends z.ZodType> {
  schema: S;
  initial: z.input<S>;
  onSubmit(values: z.output<S>): Promise<unknown>;
  /** Looks up `<feature>.error.<APP_CODE>` before the common error text. */
  feature?: string;
}

/**
 * A form checked in the page by the server's own zod schema; the server's field issues (same
 * schema, same paths) land on the same fields. Nothing is sent while a field is wrong.
 */
export function useZodForm<S extends z.ZodType>({ schema, initial, onSubmit, feature }: FormOptions<S>) {
  const t = useT();
  const [values, setValues] = useState<Values>(initial as Values);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [submitting, setSubmitting] = useState(false);

  const set = (name: string, value: unknown) => {
    setValues((v) => ({ ...v, [name]: value }));
    // A changed input's errors go, its parts' too (`tags.2` when `tags` changes).
    setFieldErrors((e) => {
      const stale = (path: string) => path === name || path.startsWith(`${name}.`);
      if (!Object.keys(e).some(stale)) return e;
      return Object.fromEntries(Object.entries(e).filter(([path]) => !stale(path)));
    });
  };

  const submit = async (event?: FormEvent) => {
    event?.preventDefault();
    if (submitting) return;
    // An empty input is an absent value: "required" for required fields, left out for optional ones.
    const parsed = schema.safeParse(Object.fromEntries(Object.entries(values).filter(([, v]) => v !== "")));
    if (!parsed.success) {
      const errors: Record<string, string> = {};
      for (const issue of parsed.error.issues) {
        const path = issue.path.join(".");
        errors[path] ??= issueText(t, issue as Parameters<typeof issueText>[1]);
      }
      setFieldErrors(errors);
      setFormError(t("error.fields"));
      focusFirstInvalid(event);
      return;
    }
    setSubmitting(true);
    setFormError(null);
    try {
      await onSubmit(parsed.data);
    } catch (error) {
      const { issues } = errorInfo(error);
      const errors: Record<string, string> = {};
      for (const issue of issues) errors[issue.path] ??= issueText(t, issue);
      setFieldErrors(errors);
      setFormError(errorText(t, error, feature));
      focusFirstInvalid(event);
    } finally {
      setSubmitting(false);
    }
  };

  /** Props for an input bound to `name`: value, change handler, and the error wiring. */
  const field = (name: string) => ({
    name,
    value: (values[name] as string | undefined) ?? "",
    // An input holding a list or an object also shows its parts' errors (`tags.2`, `location.lat`).
    error: fieldErrors[name] ?? Object.entries(fieldErrors).find(([path]) => path.startsWith(`${name}.`))?.[1],
    onChange: (value: string) => set(name, value),
  });

  return { values, set, field, fieldErrors, formError, setFormError, submitting, submit };
}

function focusFirstInvalid(event?: FormEvent) {
  const form = event?.currentTarget as HTMLFormElement | undefined;
  requestAnimationFrame(() => form?.querySelector<HTMLElement>("[aria-invalid=true]")?.focus());
}

interface FieldProps {
  label: string;
  name: string;
  value: string;
  error?: string | undefined;
  onChange(value: string): void;
  type?: string;
  autoComplete?: string;
  hint?: string;
  multiline?: boolean;
  required?: boolean;
  inputMode?: "numeric" | "text" | "email";
}

/** A labelled input whose error is announced and tied to it (aria-invalid, aria-describedby). */
export function Field({ label, error, onChange, hint, multiline, ...input }: FieldProps) {
  const id = useId();
  const described = [error ? `${id}-error` : null, hint ? `${id}-hint` : null].filter(Boolean).join(" ") || undefined;
  const common = {
    id,
    ...input,
    "aria-invalid": error ? true : undefined,
    "aria-describedby": described,
    onChange: (e: { target: { value: string } }) => onChange(e.target.value),
  };
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {multiline ? <textarea rows={5} {...common} /> : <input type={input.type ?? "text"} {...common} />}
      {hint && (
        <small id={`${id}-hint`} className="hint">
          {hint}
        </small>
      )}
      {error && (
        <small id={`${id}-error`} className="field-error">
          {error}
        </small>
      )}
    </div>
  );
}

/** The form-level error (role=alert, so screen readers hear it at once). */
export function FormError({ message }: { message: string | null }) {
  if (!message) return null;
  return (
    <p role="alert" className="form-error">
      {message}
    </p>
  );
}

interface SelectFieldProps {
  label: string;
  name: string;
  value: string;
  error?: string | undefined;
  onChange(value: string): void;
  options: { value: string; label: string }[];
  /** Shown first with an empty value, e.g. "Choose…" or "Any". */
  placeholder?: string;
}

/** A labelled <select>, wired like Field. */
export function SelectField({ label, error, onChange, options, placeholder, ...select }: SelectFieldProps) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        {...select}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
        onChange={(e) => onChange(e.target.value)}
      >
        {placeholder !== undefined && <option value="">{placeholder}</option>}
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      {error && (
        <small id={`${id}-error`} className="field-error">
          {error}
        </small>
      )}
    </div>
  );
}
