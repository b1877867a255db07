import { CreateTopicInput } from "@p2p/schemas";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useLocation } from "wouter";
import { useTRPC } from "../../api";
import { useT } from "../../i18n";
import { useClientKey } from "../../ui/clientKey";
import { errorText } from "../../ui/errors";
import { Field, FormError, SelectField, useZodForm } from "../../ui/form";
import { PageHeading } from "../../ui/PageHeading";
import { RichTextEditor } from "./RichTextEditor";
import { TagsField } from "./TagsField";

export default function NewTopicPage() {
  const t = useT();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [, navigate] = useLocation();
  const categories = useQuery(trpc.forums.listCategories.queryOptions());
  const createTopic = useMutation(trpc.forums.createTopic.mutationOptions());
  const clientKey = useClientKey();
  const form = useZodForm({
    schema: CreateTopicInput,
    initial: { title: "", categoryId: "", visibility: "organization", body: "", tags: [] },
    feature: "forums",
    onSubmit: async (input) => {
      const topic = await createTopic.mutateAsync({ ...input, clientMessageId: clientKey.for(input) });
      clientKey.made();
      queryClient.setQueryData(trpc.forums.getTopic.queryKey({ id: topic.id }), topic);
      await Promise.all([
        queryClient.invalidateQueries(trpc.forums.listTopics.pathFilter()),
        queryClient.invalidateQueries(trpc.forums.listCategories.pathFilter()),
      ]);
      navigate(`/forums/topics/${topic.id}`);
    },
  });
  const body = form.field("body");

  return (
    <section className="card">
      <PageHeading title={t("forums.new.title")} />
      <form onSubmit={form.submit} noValidate>
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
        <TagsField initial={[]} error={form.field("tags").error} onChange={(tags) => form.set("tags", tags)} />
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
