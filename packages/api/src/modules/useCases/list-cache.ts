import type { UseCaseSummary } from "@p2p/schemas";
import type { AppDeps } from "../../deps";
import type { Principal } from "../../infra/auth/authenticator";
import { definePageCache } from "../../infra/events/page-cache";
import { mediaFinished } from "../media/service";
import { readerOf } from "./access";

/**
 * Use-case list pages, cached on each node (infra/events/page-cache.ts): browsing reads the same
 * pages over and over, and a page costs two queries and a card per row. A page of published use
 * cases is the same for every member (a summary carries nothing per viewer); a page of drafts or
 * archived ones depends on who asks. Dropped on every node by each committed use-case change
 * (write.ts, media.ts), by counted views (flushViews) and trending scores (the dashboard's job),
 * and by a finished media file (a cover's processing status and thumbnails).
 */
export interface UseCasePage {
  items: UseCaseSummary[];
  nextCursor: string | null;
}

/** A page of 20 cards is ~20 KB of JSON (several times that as objects): 500 bound a node's share. */
const useCasePages = definePageCache<UseCasePage>("useCases.lists", {
  ttlMs: 10_000,
  maxPages: 500,
  alsoDropOn: [mediaFinished],
});

export function cachedUseCasePage(
  deps: AppDeps,
  caller: Principal,
  input: { status?: string | undefined },
  read: () => Promise<UseCasePage>,
): Promise<UseCasePage> {
  const who = (input.status ?? "published") === "published" ? "everyone" : JSON.stringify(readerOf(caller));
  return useCasePages.load(deps, `${who}|${JSON.stringify(input)}`, read);
}

/** After a committed change to what a use-case list shows: every node drops its pages. */
export const useCaseListsChanged = useCasePages.changed;

/** Heard on every node after each such change (global search drops its use-case hits with it). */
export const useCaseListsChannel = useCasePages.channel;
