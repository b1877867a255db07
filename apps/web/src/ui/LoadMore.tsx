import { useT } from "../i18n";
import { errorText } from "./errors";

interface Paged {
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  isFetchNextPageError: boolean;
  error: unknown;
  fetchNextPage(): unknown;
}

/** "Load more" under a cursor-paged list (useInfiniteQuery); a failed next page says why and keeps the button. */
export function LoadMore({ query, feature }: { query: Paged; feature?: string }) {
  const t = useT();
  if (!query.hasNextPage) return null;
  return (
    <div className="load-more">
      {query.isFetchNextPageError && (
        <p role="alert" className="form-error">
          {errorText(t, query.error, feature)}
        </p>
      )}
      <button type="button" onClick={() => query.fetchNextPage()} disabled={query.isFetchingNextPage}>
        {query.isFetchingNextPage ? t("state.loading") : t("action.loadMore")}
      </button>
    </div>
  );
}
