import type { ReactNode } from "react";
import { useT } from "../i18n";
import { errorText } from "./errors";

/** Loading, failed (with a retry) or the content of a query. */
export function QueryState<T>({
  query,
  children,
  feature,
}: {
  query: { data: T | undefined; error: unknown; isPending: boolean; refetch(): unknown };
  children: (data: T) => ReactNode;
  feature?: string;
}) {
  const t = useT();
  if (query.error) {
    return (
      <div role="alert" className="notice error">
        <p>{errorText(t, query.error, feature)}</p>
        <button type="button" onClick={() => query.refetch()}>
          {t("action.retry")}
        </button>
      </div>
    );
  }
  if (query.isPending || query.data === undefined) return <Loading />;
  return <>{children(query.data)}</>;
}

export function Loading() {
  const t = useT();
  return (
    <p className="muted" aria-busy="true">
      {t("state.loading")}
    </p>
  );
}

export function Empty({ children }: { children?: ReactNode }) {
  const t = useT();
  return <p className="muted">{children ?? t("state.empty")}</p>;
}
