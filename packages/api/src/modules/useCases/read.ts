import type {
  DeletedUseCase,
  ListUseCasesInput,
  MediaAsset,
  Outcomes,
  PageInput,
  UseCaseDetail,
  UseCaseSummary,
} from "@p2p/schemas";
import type { z } from "zod";
import type { AppDeps } from "../../deps";
import type { Principal } from "../../infra/auth/authenticator";
import { unavailableStore } from "../../infra/store-errors";
import { notFound } from "../../lib/errors";
import { cursorKeys, decodeCursor, keyCursor, toPage } from "../../lib/pagination";
import { recordDailyViews } from "../dashboard/repo";
import type { ModuleJob } from "../jobs";
import { mediaOf } from "../media/service";
import { canEdit, mayRead, RESTORE_DAYS, readerOf } from "./access";
import { contentAt, docsOf } from "./docs";
import { cachedUseCasePage, useCaseListsChanged } from "./list-cache";
import { mediaList } from "./media";
import * as repo from "./repo";

/** What a card shows besides its row: the first photo or video, and the measured outcomes. */
interface CardFacts {
  cover: MediaAsset | null;
  outcomes: Outcomes | null;
}

const toSummary = (row: repo.SummaryRow & { distanceKm: number | null }, card: CardFacts): UseCaseSummary => ({
  id: row.id,
  status: row.status,
  title: row.title,
  summary: row.summary,
  industry: row.industry as UseCaseSummary["industry"],
  technologies: row.technologies,
  tags: row.tags,
  city: row.city,
  country: row.country,
  location: row.lat !== null && row.lng !== null ? { lat: row.lat, lng: row.lng } : null,
  distanceKm: row.distanceKm === null ? null : Math.round(row.distanceKm * 10) / 10,
  organization: row.owner.organization,
  owner: row.owner,
  viewCount: row.viewCount,
  publishedAt: row.publishedAt,
  updatedAt: row.updatedAt,
  ...card,
});

/** The card facts of a page of rows: their outcomes, and their covers in one PostgreSQL read. */
async function cardFacts(
  deps: AppDeps,
  rows: readonly { id: string; outcomes: Outcomes | null; coverFileId: string | null }[],
): Promise<(row: { id: string }) => CardFacts> {
  const covers = await mediaOf(
    deps.db,
    rows.flatMap((r) => r.coverFileId ?? []),
  );
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ({ id }) => {
    const row = byId.get(id);
    return { cover: (row?.coverFileId && covers.get(row.coverFileId)) || null, outcomes: row?.outcomes ?? null };
  };
}

/** Each sort's cursor (its key as readPage writes it). */
const cursorBySort = {
  newest: keyCursor(cursorKeys.instant),
  mostViewed: keyCursor(cursorKeys.count),
  nearest: keyCursor(cursorKeys.number.min(0)),
  trending: keyCursor(cursorKeys.number),
};

/** A page of use cases the caller may see (list-cache.ts keeps pages on the node). */
export const listUseCases = (deps: AppDeps, caller: Principal, input: z.output<typeof ListUseCasesInput>) =>
  cachedUseCasePage(deps, caller, input, () => readPage(deps, caller, input));

async function readPage(deps: AppDeps, caller: Principal, input: z.output<typeof ListUseCasesInput>) {
  const cursor = decodeCursor(input.cursor, cursorBySort[input.sort]);
  const { lat, lng, radiusKm, technology, technologies, ...rest } = input;
  const filter: repo.ListFilter = {
    ...rest,
    technologies: technology ? [...(technologies ?? []), technology] : technologies,
    near: lat !== undefined && lng !== undefined && radiusKm !== undefined ? { lat, lng, radiusKm } : undefined,
  };
  const rows = await repo.listRows(deps.db, readerOf(caller), filter, cursor, input.limit);
  const card = await cardFacts(deps, rows.slice(0, input.limit));
  const time = (input.status ?? "published") === "published" ? "publishedAt" : "updatedAt";
  return toPage(
    rows,
    input.limit,
    (r) =>
      input.sort === "nearest"
        ? [(r as { knn?: number }).knn ?? 0, r.id]
        : input.sort === "mostViewed"
          ? [r.viewCount, r.id]
          : input.sort === "trending"
            ? [(r as { trendingScore?: number }).trendingScore ?? 0, r.id]
            : [(r[time] as Date).toISOString(), r.id],
    (r) => toSummary(r, card(r)),
  );
}

/** A use case as the caller may see it, with related ones; counts the caller's view once a day. */
export async function getUseCase(
  deps: AppDeps,
  caller: Principal,
  id: string,
  options = { countView: true },
): Promise<UseCaseDetail> {
  const row = await repo.findRow(deps.db, id);
  if (!row || !mayRead(row, caller)) throw notFound("Use case");
  const [doc, related] = await Promise.all([
    docsOf(deps.mongo).findOne({ _id: id }),
    repo.relatedQuery(deps.db, row, 6).execute(),
    options.countView && row.status === "published" ? countView(deps, id, caller.userId) : null,
  ]);
  const content = contentAt(doc, row.contentRev);
  const showContact = caller.emailVerified;
  const vendor = content.vendor;
  const [media, relatedCard] = await Promise.all([mediaList(deps, doc?.media ?? []), cardFacts(deps, related)]);
  return {
    ...toSummary({ ...row, distanceKm: null }, { cover: media[0] ?? null, outcomes: content.outcomes }),
    problem: content.problem,
    solution: content.solution,
    vendor: vendor && {
      name: vendor.name,
      website: vendor.website,
      contactName: showContact ? vendor.contactName : null,
      email: showContact ? vendor.email : null,
      phone: showContact ? vendor.phone : null,
    },
    vendorContactHidden: !!vendor && !showContact,
    media,
    archivedReason: row.archivedReason,
    deletedAt: row.deletedAt,
    related: related.map((r) => toSummary(r, relatedCard(r))),
    can: { edit: canEdit(row, caller), delete: canEdit(row, caller), moderate: caller.isModerator },
  };
}

/** What anyone may see of a published use case: title, summary, industry, city and outcomes. */
export async function getPublicUseCase(deps: AppDeps, id: string) {
  const row = await repo.findRow(deps.db, id);
  if (!row || row.deletedAt || row.status !== "published") throw notFound("Use case");
  const doc = await docsOf(deps.mongo).findOne({ _id: id });
  return {
    id: row.id,
    title: row.title,
    summary: row.summary,
    industry: row.industry as UseCaseSummary["industry"],
    city: row.city,
    outcomes: contentAt(doc, row.contentRev).outcomes,
  };
}

// ---------------------------------------------------------------- views

const VIEWS_KEY = "uc-views";
const dayOf = (d: Date) => d.toISOString().slice(0, 10);

/**
 * One view per viewer per use case per day: a Redis key per (use case, viewer, day) decides, and
 * counts gather in a Redis hash that a job adds to PostgreSQL in one statement every few seconds.
 * Best effort: with Redis down the page shows all the same, the view is not counted.
 */
async function countView(deps: AppDeps, id: string, viewerId: string): Promise<void> {
  const { command, prefix } = deps.redis;
  try {
    const first = await command.set(
      `${prefix}uc-view:${id}:${viewerId}:${dayOf(new Date())}`,
      "1",
      "EX",
      2 * 86_400,
      "NX",
    );
    if (first) await command.hincrby(`${prefix}${VIEWS_KEY}`, id, 1);
  } catch (err) {
    if (!unavailableStore(err)) throw err;
  }
}

// Takes the counts and empties the hash in one step, so no view is added twice or lost.
const TAKE_SCRIPT = `
local counts = redis.call('HGETALL', KEYS[1])
redis.call('DEL', KEYS[1])
return counts`;

async function flushViews(deps: AppDeps): Promise<void> {
  const flat = (await deps.redis.command.eval(TAKE_SCRIPT, 1, `${deps.redis.prefix}${VIEWS_KEY}`)) as string[];
  const counts = new Map<string, number>();
  for (let i = 0; i < flat.length; i += 2) counts.set(flat[i] as string, Number(flat[i + 1]));
  try {
    await repo.addViews(deps.db, counts);
  } catch (err) {
    // PostgreSQL is away: the counts go back for the next run.
    for (const [id, n] of counts) await deps.redis.command.hincrby(`${deps.redis.prefix}${VIEWS_KEY}`, id, n);
    throw err;
  }
  // View counts show on the cards and order "most viewed".
  if (counts.size) await useCaseListsChanged(deps);
  // The same views by day, for the dashboard's trending score; a lost batch only lowers a score.
  await recordDailyViews(deps.db, "useCases", counts).catch((err) =>
    deps.logger.warn({ err: String(err) }, "use-case views not recorded for trending"),
  );
}

export const viewJobs: ModuleJob[] = [{ name: "useCases.flushViews", everyMs: 5_000, run: flushViews }];

const deletedCursor = keyCursor(cursorKeys.instant);

/** The caller's recently deleted use cases (all of their organization's as admin), to restore. */
export async function listDeletedUseCases(deps: AppDeps, caller: Principal, input: PageInput) {
  const after = decodeCursor(input.cursor, deletedCursor);
  const rows = await repo.listDeleted(deps.db, readerOf(caller), RESTORE_DAYS, after, input.limit);
  return toPage(
    rows,
    input.limit,
    (r) => [r.deletedAt.toISOString(), r.id],
    (r): DeletedUseCase => ({
      id: r.id,
      title: r.title,
      status: r.status,
      owner: r.owner,
      deletedAt: r.deletedAt,
      restorableUntil: new Date(r.deletedAt.getTime() + RESTORE_DAYS * 86_400_000),
    }),
  );
}
