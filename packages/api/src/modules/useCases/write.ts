import type { CreateUseCaseDraftInput, FieldIssue, UpdateUseCaseDraftInput } from "@p2p/schemas";
import { v7 as uuidv7 } from "uuid";
import type { z } from "zod";
import type { AppDeps, Db } from "../../deps";
import type { Principal } from "../../infra/auth/authenticator";
import { drainBacklog } from "../../lib/backfill";
import { appError, DomainError, notFound } from "../../lib/errors";
import { recordAudit } from "../audit/repo";
import { recordAndAnnounce } from "../dashboard/live";
import type { ModuleJob } from "../jobs";
import { notify } from "../notifications/create";
import { canEdit, mayRead, RESTORE_DAYS } from "./access";
import { contentAt, docsOf, EMPTY_CONTENT, type UseCaseContent } from "./docs";
import { useCaseListsChanged } from "./list-cache";
import { copyMediaFiles } from "./media";
import type { UseCaseRow } from "./repo";
import * as repo from "./repo";

type Fields = z.output<typeof CreateUseCaseDraftInput>;

/** A live use case the caller may change, locked for the rest of the transaction; NOT_FOUND when they may not see it. */
async function lockForEdit(trx: Db, caller: Principal, id: string) {
  // Locked before it is read: what a write at the same moment did (a deletion, a publication) shows.
  await repo.lockRow(trx, id);
  const row = await repo.findRow(trx, id);
  if (!row || !mayRead(row, caller)) throw notFound("Use case");
  if (!canEdit(row, caller))
    throw appError("FORBIDDEN", "Only its author or their organization's admin can change this use case");
  return row;
}

/**
 * After a committed change: cached list pages go, and an activity event (the feed shows
 * publications and edits of published ones, visible to everyone; the rest only counts) refreshes
 * the dashboard's counts of the owner, their organization and the platform.
 */
const announce = (
  deps: AppDeps,
  caller: Principal,
  row: { id: string; title: string; ownerId: string; organizationId: string },
  type: "published" | "updated" | "unpublished" | "deleted" | "restored" | "archived",
) =>
  Promise.all([
    useCaseListsChanged(deps),
    recordAndAnnounce(
      deps,
      {
        type: `useCase.${type}`,
        actorId: caller.userId,
        organizationId: row.organizationId,
        visibility: type === "published" || type === "updated" ? "platform" : "organization",
        subjectId: row.id,
        data: { title: row.title },
      },
      { users: [row.ownerId] },
    ),
  ]);

/** What a published use case must have; every missing or invalid field at once. */
function completeness(
  row: { title: string; summary: string; industry: string | null; technologies: string[]; city: string | null },
  content: UseCaseContent,
) {
  const issues: FieldIssue[] = [];
  const missing = (path: string, message = "Required to publish") => issues.push({ path, message, code: "custom" });
  if (row.title.length < 5) missing("title");
  if (!row.summary) missing("summary");
  if (!row.industry) missing("industry");
  if (!row.technologies.length) missing("technologies", "Name at least one technology to publish");
  if (!content.problem) missing("problem");
  if (!content.solution) missing("solution");
  const o = content.outcomes;
  if (
    !o ||
    (o.costSavingsPercent === null && o.efficiencyGainPercent === null && o.roiMonths === null && !o.metrics.length)
  ) {
    missing("outcomes", "Give at least one measured outcome to publish");
  }
  if (!row.city) missing("location", "Required to publish");
  return issues;
}

const assertComplete = (...args: Parameters<typeof completeness>) => {
  const issues = completeness(...args);
  if (issues.length) {
    throw new DomainError(
      "BAD_REQUEST",
      `Cannot publish yet: ${issues.map((i) => i.path).join(", ")}`,
      undefined,
      issues,
    );
  }
};

/** The row's columns for the given fields (only those present). */
function rowChanges(f: Fields) {
  return {
    ...(f.title !== undefined ? { title: f.title } : {}),
    ...(f.summary !== undefined ? { summary: f.summary } : {}),
    ...(f.industry !== undefined ? { industry: f.industry } : {}),
    ...(f.technologies !== undefined ? technologiesOf(f.technologies) : {}),
    ...(f.tags !== undefined ? { tags: [...new Set(f.tags)] } : {}),
    ...(f.location !== undefined
      ? {
          city: f.location?.city ?? null,
          country: f.location?.country ?? null,
          lat: f.location?.lat ?? null,
          lng: f.location?.lng ?? null,
        }
      : {}),
  };
}

const mergeContent = (current: UseCaseContent, f: Fields): UseCaseContent => ({
  problem: f.problem ?? current.problem,
  solution: f.solution ?? current.solution,
  outcomes: f.outcomes !== undefined ? f.outcomes : current.outcomes,
  vendor: f.vendor !== undefined ? f.vendor : current.vendor,
});

/** What text search reads besides title and summary. */
/** Technologies once each, whatever their letter case (the first spelling kept), and their search keys. */
function technologiesOf(names: readonly string[]) {
  const byKey = new Map<string, string>();
  for (const name of names) if (!byKey.has(name.toLowerCase())) byKey.set(name.toLowerCase(), name);
  return { technologies: [...byKey.values()], technologyKeys: [...byKey.keys()] };
}

const searchText = (c: UseCaseContent, technologies: readonly string[]) =>
  [
    ...technologies,
    c.problem,
    c.solution,
    c.vendor?.name ?? "",
    ...(c.outcomes?.metrics.map((m) => m.label) ?? []),
  ].join("\n");

/** The row's copy of the outcomes, for list cards. */
const outcomesColumn = (c: UseCaseContent) => (c.outcomes ? JSON.stringify(c.outcomes) : null);

/**
 * The two-phase write of a use case's content (PostgreSQL row + MongoDB document):
 * 1. the new content goes into the document as `pending` under a new revision;
 * 2. the row (with that revision) commits;
 * 3. the document's content becomes the pending one.
 * Readers take the content of the revision the row names, so nothing is half-visible at any point;
 * a crash leaves a pending revision that the repair job releases (the row names it) or drops.
 * Writes to one use case are serialized by the row lock taken before step 1.
 */
async function writeContent(deps: AppDeps, id: string, content: UseCaseContent) {
  const rev = uuidv7();
  await docsOf(deps.mongo).updateOne({ _id: id }, { $set: { pending: { rev, content, at: new Date() } } });
  return {
    rev,
    release: () =>
      underRowLock(deps, id, () =>
        docsOf(deps.mongo).updateOne({ _id: id, "pending.rev": rev }, { $set: { rev, content, pending: null } }),
      ),
  };
}

/**
 * A write of the document outside an edit's transaction, under the row's lock all the same: every
 * write of a use case's document holds it (media.ts), as the MongoDB-wire server used here rewrites
 * whole documents without locking them, and two writes at once could lose one's fields.
 */
const underRowLock = (deps: AppDeps, id: string, write: () => Promise<unknown>) =>
  deps.db.transaction().execute(async (trx) => {
    await repo.lockRow(trx, id);
    await write();
  });

export async function createDraft(deps: AppDeps, caller: Principal, input: Fields) {
  const id = uuidv7();
  const rev = uuidv7();
  const content = mergeContent(EMPTY_CONTENT, input);
  await docsOf(deps.mongo).insertOne({
    _id: id,
    rev: null,
    content: null,
    pending: { rev, content, at: new Date() },
    media: [],
  });
  await repo.insertRow(deps.db, {
    id,
    ownerId: caller.userId,
    organizationId: caller.organizationId,
    status: "draft",
    contentRev: rev,
    searchText: searchText(content, input.technologies ?? []),
    outcomes: outcomesColumn(content),
    ...rowChanges(input),
  });
  await docsOf(deps.mongo).updateOne({ _id: id, "pending.rev": rev }, { $set: { rev, content, pending: null } });
  await useCaseListsChanged(deps);
  return id;
}

/**
 * Saves what is present. A published use case stays published, so each change is checked as at
 * publish; so is an archived one's (a moderator's restore publishes it again as it is).
 */
export async function updateDraft(deps: AppDeps, caller: Principal, input: z.output<typeof UpdateUseCaseDraftInput>) {
  const { id, ...fields } = input;
  let release: (() => Promise<unknown>) | null = null;
  let published: UseCaseRow | null = null;
  await deps.db.transaction().execute(async (trx) => {
    const row = await lockForEdit(trx, caller, id);
    if (row.status === "published") published = { ...row, title: fields.title ?? row.title };
    const doc = await docsOf(deps.mongo).findOne({ _id: id });
    const content = mergeContent(contentAt(doc, row.contentRev), fields);
    const changes = rowChanges(fields);
    if (row.status === "published" || row.status === "archived") assertComplete({ ...row, ...changes }, content);
    const written = await writeContent(deps, id, content);
    release = written.release;
    const technologies = fields.technologies ?? row.technologies;
    await repo.updateRow(trx, id, {
      ...changes,
      contentRev: written.rev,
      searchText: searchText(content, technologies),
      outcomes: outcomesColumn(content),
    });
  });
  await (release as (() => Promise<unknown>) | null)?.();
  const changedPublished = published as UseCaseRow | null;
  if (changedPublished) await announce(deps, caller, changedPublished, "updated");
  else await useCaseListsChanged(deps);
  return id;
}

export async function publish(deps: AppDeps, caller: Principal, id: string) {
  const row = await deps.db.transaction().execute(async (trx) => {
    const row = await lockForEdit(trx, caller, id);
    if (row.status === "archived")
      throw appError("FORBIDDEN", "A moderator archived this use case; it cannot be published");
    const doc = await docsOf(deps.mongo).findOne({ _id: id });
    assertComplete(row, contentAt(doc, row.contentRev));
    if (row.status !== "published") await repo.updateRow(trx, id, { status: "published", publishedAt: new Date() });
    return row;
  });
  if (row.status !== "published") await announce(deps, caller, row, "published");
  return id;
}

/**
 * An admin who takes a member's use case off the platform (unpublishes or deletes it) moderates it:
 * audited in its organization, in the change's transaction. The owner's own acts are not.
 */
async function auditModeration(
  trx: Db,
  caller: Principal,
  row: UseCaseRow,
  action: "unpublished" | "deleted",
  ip: string | null,
) {
  if (row.ownerId === caller.userId) return;
  await recordAudit(trx, {
    organizationId: row.organizationId,
    actorId: caller.userId,
    action: `useCases.${action}`,
    targetType: "useCase",
    targetId: row.id,
    ip,
    metadata: { ownerId: row.ownerId, title: row.title },
  });
}

export async function unpublish(deps: AppDeps, caller: Principal, id: string, ip: string | null) {
  const row = await deps.db.transaction().execute(async (trx) => {
    const row = await lockForEdit(trx, caller, id);
    if (row.status === "archived") throw appError("FORBIDDEN", "A moderator archived this use case");
    // A draft already (unpublished meanwhile, a double click): nothing changes, nothing is told.
    if (row.status === "published") {
      await repo.updateRow(trx, id, { status: "draft" });
      await auditModeration(trx, caller, row, "unpublished", ip);
    }
    return row;
  });
  if (row.status === "published") await announce(deps, caller, row, "unpublished");
  return id;
}

/** Soft delete: gone from every list and read; the owner or their admin may restore it within 30 days. */
export async function remove(deps: AppDeps, caller: Principal, id: string, ip: string | null) {
  const row = await deps.db.transaction().execute(async (trx) => {
    const row = await lockForEdit(trx, caller, id);
    await repo.updateRow(trx, id, { deletedAt: new Date() });
    await auditModeration(trx, caller, row, "deleted", ip);
    return row;
  });
  await announce(deps, caller, row, "deleted");
  return { ok: true as const };
}

export async function restore(deps: AppDeps, caller: Principal, id: string) {
  const row = await deps.db.transaction().execute(async (trx) => {
    await repo.lockRow(trx, id);
    const row = await repo.findRow(trx, id);
    if (!row?.deletedAt || !canEdit(row, caller)) throw notFound("Deleted use case");
    if (Date.now() - row.deletedAt.getTime() > RESTORE_DAYS * 86_400_000) {
      throw appError("FORBIDDEN", `A use case can be restored only within ${RESTORE_DAYS} days of deleting it`);
    }
    await repo.updateRow(trx, id, { deletedAt: null });
    return row;
  });
  await announce(deps, caller, row, "restored");
  return id;
}

/** Platform moderators archive (hide) or restore a published use case; audited, the owner is told. */
export async function moderate(
  deps: AppDeps,
  caller: Principal,
  input: { id: string; action: "archive" | "restore"; reason: string },
) {
  if (!caller.isModerator) throw appError("FORBIDDEN", "Only platform moderators can moderate use cases");
  const row = await deps.db.transaction().execute(async (trx) => {
    await repo.lockRow(trx, input.id);
    const row = await repo.findRow(trx, input.id);
    if (!row || row.deletedAt || row.status === "draft") throw notFound("Use case");
    const status = input.action === "archive" ? "archived" : "published";
    // So already (a double click): nothing is written, audited or told again.
    if (row.status === status) return null;
    await repo.updateRow(trx, input.id, {
      status,
      archivedReason: input.action === "archive" ? input.reason : null,
      publishedAt: row.publishedAt ?? new Date(),
    });
    await recordAudit(trx, {
      organizationId: row.organizationId,
      actorId: caller.userId,
      action: `useCases.${input.action}`,
      targetType: "useCase",
      targetId: row.id,
      metadata: { reason: input.reason },
    });
    await notify(deps, trx, [
      {
        userId: row.ownerId,
        type: "useCase.moderation",
        actorId: caller.userId,
        subjectId: row.id,
        data: { action: input.action === "archive" ? "archived" : "restored", reason: input.reason, title: row.title },
      },
    ]);
    return row;
  });
  if (row) await announce(deps, caller, row, input.action === "archive" ? "archived" : "restored");
  return input.id;
}

// ---------------------------------------------------------------- repair

/**
 * Leftovers of interrupted writes, a minute old: a pending revision the row names is released, one
 * it does not name is dropped, and a document without a row (a create that never committed) goes.
 */
async function repairPending(deps: AppDeps): Promise<void> {
  const stale = await docsOf(deps.mongo)
    .find({ "pending.at": { $lt: new Date(Date.now() - 60_000) } })
    .limit(500)
    .toArray();
  const revs = await repo.existingRevs(
    deps.db,
    stale.map((d) => d._id),
  );
  for (const doc of stale) {
    const pending = doc.pending;
    if (!pending) continue;
    const rowRev = revs.get(doc._id);
    if (rowRev === undefined) await docsOf(deps.mongo).deleteOne({ _id: doc._id, "pending.rev": pending.rev });
    else
      await underRowLock(deps, doc._id, () =>
        docsOf(deps.mongo).updateOne(
          { _id: doc._id, "pending.rev": pending.rev },
          {
            $set:
              rowRev === pending.rev
                ? { rev: pending.rev, content: pending.content, pending: null }
                : { pending: null },
          },
        ),
      );
  }
}

const CARDS_BATCH = 200;

/**
 * Copies the card (outcomes, media files) of rows from before cards were kept in PostgreSQL. A row
 * whose content changed meanwhile stays marked, for the next batch.
 */
const fillCards = (deps: AppDeps) =>
  drainBacklog(async () => {
    const rows = await repo.cardPendingRows(deps.db, CARDS_BATCH);
    await Promise.all(
      rows.map(async (row) => {
        await copyMediaFiles(deps, row.id);
        const doc = await docsOf(deps.mongo).findOne(
          { _id: row.id },
          { projection: { content: 1, pending: 1, rev: 1 } },
        );
        await repo.fillCard(deps.db, row.id, row.contentRev, outcomesColumn(contentAt(doc, row.contentRev)));
      }),
    );
    // Once per batch, not per row.
    if (rows.length) await useCaseListsChanged(deps);
    return rows.length;
  }, CARDS_BATCH);

/** Deleted use cases past the restore window go for good, documents too. */
async function purge(deps: AppDeps): Promise<void> {
  const gone = await repo.purgeDeleted(deps.db, RESTORE_DAYS);
  if (gone.length) await docsOf(deps.mongo).deleteMany({ _id: { $in: gone.map((r) => r.id) } });
}

export const useCaseWriteJobs: ModuleJob[] = [
  { name: "useCases.repairPending", everyMs: 60_000, run: repairPending },
  { name: "useCases.purgeDeleted", everyMs: 24 * 3600_000, run: purge },
  { name: "useCases.fillCards", everyMs: 60_000, run: fillCards },
];
