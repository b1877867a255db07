import { GlobalSearchInput, GlobalSearchResult } from "@p2p/schemas";
import { router } from "../../trpc/init";
import { rest } from "../../trpc/meta";
import { orgProcedure } from "../../trpc/procedures";
import { globalSearch } from "./service";

/** One search box over everything the caller may see. */
export const searchRouter = router({
  global: orgProcedure
    .meta(
      rest(
        "GET",
        "/search",
        "Search people, organizations, forum topics and posts, use cases and your tasks",
        "One ranked list with highlighted snippets (escaped HTML with <mark>), counts per type up to 100, English and Arabic.",
      ),
    )
    .input(GlobalSearchInput)
    .output(GlobalSearchResult)
    .query(({ ctx, input }) => globalSearch(ctx.deps, ctx.principal, input)),
});
