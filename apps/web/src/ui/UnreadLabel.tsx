import { useI18n } from "../i18n";

/**
 * A link's label with how many unread things it leads to: seen as the label and a badge, read out
 * as one name, "Messages, 3 unread" (one hidden text: pieces apart would be read "Messages , 3").
 * `labelHidden` for a link shown as an icon.
 */
export function UnreadLabel({ label, count, labelHidden }: { label: string; count: number; labelHidden?: boolean }) {
  const { t, format } = useI18n();
  const labelClass = labelHidden ? "visually-hidden" : undefined;
  if (count <= 0) return <span className={labelClass}>{label}</span>;
  return (
    <>
      <span className={labelClass} aria-hidden="true">
        {label}
      </span>
      <span className="badge" aria-hidden="true">
        {count > 99 ? `${format.number(99)}+` : format.number(count)}
      </span>
      <span className="visually-hidden">{t("nav.withUnread", { label, count: format.number(count) })}</span>
    </>
  );
}
