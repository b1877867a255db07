import { TaskPriority, UpdateTaskInput } from "@p2p/schemas";
import { useMutation } from "@tanstack/react-query";
import { z } from "zod";
import { useTRPC } from "../../api";
import { useSession } from "../../app/session";
import { useI18n } from "../../i18n";
import { Dialog } from "../../ui/Dialog";
import { Field, FormError, SelectField, useZodForm } from "../../ui/form";
import { type Task, useTaskWrites } from "./writes";
import { fromZoned, toZoned } from "./zoned";

/** Editing a task in a dialog; the due time is read and shown in the user's time zone. */
export function TaskEditDialog({ task, open, onClose }: { task: Task; open: boolean; onClose(): void }) {
  const { t } = useI18n();
  return (
    <Dialog open={open} title={t("tasks.edit.title")} onClose={onClose}>
      <EditForm task={task} onDone={onClose} />
    </Dialog>
  );
}

function EditForm({ task, onDone }: { task: Task; onDone(): void }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const { user } = useSession();
  const refresh = useTaskWrites();
  const update = useMutation(trpc.tasks.update.mutationOptions());
  const schema = z.object({
    title: UpdateTaskInput.shape.title,
    description: UpdateTaskInput.shape.description,
    dueAt: z
      .preprocess((v) => (typeof v === "string" ? fromZoned(v, user.timezone) : v), UpdateTaskInput.shape.dueAt)
      .optional(),
    priority: UpdateTaskInput.shape.priority,
    tags: z
      .preprocess(
        (v) =>
          typeof v === "string"
            ? v
                .split(",")
                .map((s) => s.trim())
                .filter(Boolean)
            : v,
        UpdateTaskInput.shape.tags,
      )
      .optional(),
  });
  const form = useZodForm({
    schema,
    initial: {
      title: task.title,
      description: task.description ?? "",
      dueAt: task.dueAt ? toZoned(task.dueAt, user.timezone) : "",
      priority: task.priority,
      tags: task.tags.join(", "),
    },
    feature: "tasks",
    onSubmit: async (values) => {
      // A field emptied here is cleared, not left as it was.
      const cleared = {
        description: form.values.description === "" ? null : values.description,
        dueAt: form.values.dueAt === "" ? null : values.dueAt,
        tags: form.values.tags === "" ? [] : values.tags,
      };
      await update.mutateAsync({ id: task.id, ...values, ...cleared });
      await refresh();
      onDone();
    },
  });
  return (
    <form onSubmit={form.submit} noValidate>
      <FormError message={form.formError} />
      <Field label={t("tasks.field.title")} required {...form.field("title")} />
      <Field label={t("tasks.field.description")} multiline {...form.field("description")} />
      <Field
        label={t("tasks.field.due")}
        type="datetime-local"
        hint={t("tasks.field.timeZone", { zone: user.timezone })}
        {...form.field("dueAt")}
      />
      <SelectField
        label={t("tasks.field.priority")}
        options={TaskPriority.options.map((p) => ({ value: p, label: t(`tasks.priority.${p}`) }))}
        {...form.field("priority")}
      />
      <Field label={t("tasks.field.tags")} hint={t("tasks.field.tagsHint")} {...form.field("tags")} />
      <div className="dialog-actions">
        <button type="button" onClick={onDone}>
          {t("action.cancel")}
        </button>
        <button type="submit" className="primary" disabled={form.submitting}>
          {t("action.save")}
        </button>
      </div>
    </form>
  );
}
