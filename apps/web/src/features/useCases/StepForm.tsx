import type { RouterInputs, RouterOutputs } from "@p2p/client";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, type ReactNode, useRef, useState } from "react";
import { Link, useLocation } from "wouter";
import type { z } from "zod";
import { useTRPC } from "../../api";
import { useT } from "../../i18n";
import { FormError, useZodForm } from "../../ui/form";

export type UseCase = RouterOutputs["useCases"]["get"];
type DraftFields = RouterInputs["useCases"]["createDraft"];
type Form = ReturnType<typeof useZodForm>;

/** Saves a step as a draft: starts one the first time, then saves into it; the page's copy is the answer. */
export function useSaveDraft() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const create = useMutation(trpc.useCases.createDraft.mutationOptions());
  const update = useMutation(trpc.useCases.updateDraft.mutationOptions());
  return async (id: string | null, fields: DraftFields): Promise<UseCase> => {
    const saved = id ? await update.mutateAsync({ id, ...fields }) : await create.mutateAsync(fields);
    queryClient.setQueryData(trpc.useCases.get.queryKey({ id: saved.id }), saved);
    void queryClient.invalidateQueries(trpc.useCases.list.pathFilter());
    return saved;
  };
}

interface StepFormProps<S extends z.ZodType<DraftFields>> {
  useCase: UseCase | null;
  step: number;
  schema: S;
  initial: z.input<S>;
  children(form: Form): ReactNode;
}

/**
 * One step of the submission: checked by its schema, saved as a draft by "Save draft" (staying)
 * or "Save and continue" (to the next step); the address names the draft and the step, so a
 * reload, or coming back later, resumes there.
 */
export function StepForm<S extends z.ZodType<DraftFields>>({
  useCase,
  step,
  schema,
  initial,
  children,
}: StepFormProps<S>) {
  const t = useT();
  const [, navigate] = useLocation();
  const save = useSaveDraft();
  const next = useRef(true);
  const [saved, setSaved] = useState(false);
  const form = useZodForm({
    schema,
    initial,
    feature: "useCases",
    onSubmit: async (fields) => {
      const result = await save(useCase?.id ?? null, fields);
      if (next.current || !useCase) {
        navigate(`/use-cases/${result.id}/edit?step=${next.current ? step + 1 : step}`, { replace: !next.current });
      } else {
        setSaved(true);
      }
    },
  });
  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    const submitter = (event.nativeEvent as SubmitEvent).submitter as HTMLButtonElement | null;
    next.current = submitter?.value !== "save";
    setSaved(false);
    void form.submit(event);
  };
  const published = useCase?.status === "published";
  return (
    <form onSubmit={onSubmit} noValidate>
      <FormError message={form.formError} />
      {children(form as unknown as Form)}
      <div className="uc-step-actions">
        {useCase && step > 1 && (
          <Link href={`/use-cases/${useCase.id}/edit?step=${step - 1}`}>{t("useCases.step.back")}</Link>
        )}
        <button type="submit" value="save" disabled={form.submitting}>
          {published ? t("action.save") : t("useCases.step.saveDraft")}
        </button>
        <button type="submit" value="next" className="primary" disabled={form.submitting}>
          {t("useCases.step.next")}
        </button>
        <span role="status" className="muted">
          {form.submitting ? t("state.saving") : saved ? t("useCases.step.saved") : ""}
        </span>
      </div>
    </form>
  );
}
