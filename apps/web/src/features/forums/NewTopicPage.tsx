import { CreateTopicInput } from "@p2p/schemas";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useLocation } from "wouter";
import { useTRPC } from "../../api";
import { useT } from "../../i18n";
import { errorText } from "../../ui/errors";
import { Field, FormError, SelectField, useZodForm } from "../../ui/form";
import { PageHeading } from "../../ui/PageHeading";
import { RichTextEditor } from "./RichTextEditor";

/** "maintenance, Pumps ,," → ["maintenance", "Pumps"]; the schema lower-cases and checks each. */
const parseTags = (raw: string) =>
  raw
    .split(",")
    .map((tag) => tag.trim())
    .filter(Boolean);

export default function NewTopicPage() {
  const t = useT();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [, navigate] = useLocation();
  const categories = useQuery(trpc.forums.listCategories.queryOptions());
  const createTopic = useMutation(trpc.forums.createTopic.mutationOptions());
  const [tags, setTags] = useState("");
  /** Edited since the last submit: a bad tag's error (at its index, "tags.1") no longer applies. */
  const [tagsEdited, setTagsEdited] = useState(false);
  const form = useZodForm({
    schema: CreateTopicInput,
    initial: { title: "", categoryId: "", visibility: "organization", body: "", tags: [] },
    feature: "forums",
    onSubmit: async (input) => {
      const topic = await createTopic.mutateAsync(input);
      queryClient.setQueryData(trpc.forums.getTopic.queryKey({ id: topic.id }), topic);
      await Promise.all([
        queryClient.invalidateQueries(trpc.forums.listTopics.pathFilter()),
        queryClient.invalidateQueries(trpc.forums.listCategories.pathFilter()),
      ]);
      navigate(`/forums/topics/${topic.id}`);
    },
  });
  const body = form.field("body");
  // A bad tag is reported at its index ("tags.1"); the one input shows the first such problem.
  const tagsError = Object.entries(form.fieldErrors).find(([path]) => path === "tags" || path.startsWith("tags."))?.[1];

  return (
    <section className="card">
      <PageHeading title={t("forums.new.title")} />
      <form
        onSubmit={(event) => {
          setTagsEdited(false);
          void form.submit(event);
        }}
        noValidate
      >
        <FormError message={form.formError ?? (categories.error ? errorText(t, categories.error, "forums") : null)} />
        <Field label={t("forums.field.title")} {...form.field("title")} />
        <div className="row">
          <SelectField
            label={t("forums.field.category")}
            {...form.field("categoryId")}
            placeholder={t("field.choose")}
            options={(categories.data ?? []).map((c) => ({ value: c.id, label: c.name }))}
          />
          <SelectField
            label={t("forums.field.visibility")}
            {...form.field("visibility")}
            options={[
              { value: "organization", label: t("forums.visibility.organization") },
              { value: "platform", label: t("forums.visibility.platform") },
            ]}
          />
        </div>
        <Field
          label={t("forums.field.tags")}
          name="tags"
          value={tags}
          hint={t("forums.field.tagsHint")}
          error={tagsEdited ? undefined : tagsError}
          onChange={(raw) => {
            setTags(raw);
            setTagsEdited(true);
            form.set("tags", parseTags(raw));
          }}
        />
        <RichTextEditor label={t("forums.field.body")} value={body.value} error={body.error} onChange={body.onChange} />
        <div className="forums-actions">
          <button type="submit" className="primary" disabled={form.submitting}>
            {form.submitting ? t("state.saving") : t("forums.new.submit")}
          </button>
          <Link href="/forums">{t("action.cancel")}</Link>
        </div>
      </form>
    </section>
  );
}
