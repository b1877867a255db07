import { type Notification, notificationPath } from "@p2p/schemas";
import type { AppDeps } from "../../deps";
import { readAfterCommit } from "../../infra/postgres/commit-lock";
import { unavailableStore, warnStoreUnavailable } from "../../infra/store-errors";
import type { ModuleJob } from "../jobs";
import { publishToUser } from "../messages/channel";
import { mailProfiles } from "../users/repo";
import { DISPATCH_JOB, DISPATCH_LOCK, type PlannedNotification } from "./create";
import { effectivePreferences, kindOf, unsubscribeUrl } from "./preferences";
import { render } from "./read";
import * as repo from "./repo";

/**
 * After a notification is stored: the live event to its reader, and its email, now (after quiet
 * hours) or in the daily digest, as the reader chose. Delivery runs in a job once the writing
 * transaction commits; a sweeper delivers what a lost job left (at least once: the live event
 * carries the notification's id, the email job is keyed by it).
 */

const EMAIL_JOB = "notifications.email";
const SWEEP_JOB = "notifications.sweep";
const DIGEST_JOB = "notifications.digest";
const PRUNE_JOB = "notifications.prune";
/** Digests go out from this local hour on, at most one a day: none within DIGEST_GAP_MS of the last. */
const DIGEST_HOUR = 8;
const DIGEST_GAP_MS = 20 * 3600_000;
/** Candidates read and served together; items in one digest at most. */
const DIGEST_PAGE = 200;
const DIGEST_ITEMS = 50;
const RETENTION_DAYS = 90;
/** Notifications claimed in one delivery transaction at most (repo.claimUndelivered's default). */
const CLAIM_LIMIT = 500;

type Claimed = Awaited<ReturnType<typeof repo.claimUndelivered>>;

/**
 * Each person's rows (`rowsOf`) as they see them, by notification id; a row not shown (its target
 * out of their reach) is absent. Rendered once per organization (what a target shows depends on the
 * reader's organization only), not once per person: a reply's watchers are a few organizations,
 * not a query each.
 */
async function renderFor<Person extends { organizationId: string }>(
  deps: AppDeps,
  people: readonly Person[],
  rowsOf: (person: Person) => Parameters<typeof render>[2],
): Promise<Map<string, Notification>> {
  const rendered = await Promise.all(
    [...Map.groupBy(people, (person) => person.organizationId)].map(([organizationId, members]) =>
      render(deps, { organizationId }, members.flatMap(rowsOf)),
    ),
  );
  return new Map(rendered.flat().map((notification) => [notification.id, notification]));
}

async function deliver(deps: AppDeps, rows: Claimed): Promise<void> {
  if (!rows.length) return;
  // Each recipient's rows, grouped once (a round carries up to CLAIM_LIMIT rows for as many people).
  const rowsByUser = Map.groupBy(rows, (row) => row.userId);
  const userIds = [...rowsByUser.keys()];
  // What every recipient needs: one statement for all of them, and their preferences (cached).
  const [people, prefs] = await Promise.all([
    repo.deliveryProfiles(deps.db, userIds),
    effectivePreferences(deps, deps.db, userIds),
  ]);
  const shownById = await renderFor(deps, people, (person) => (rowsByUser.get(person.id) ?? []).filter((r) => r.inApp));
  await Promise.all(
    people.map(async (person) => {
      const mine = rowsByUser.get(person.id) ?? [];
      for (const row of mine) {
        const notification = shownById.get(row.id);
        if (!notification) continue;
        await publishToUser(deps, person.id, { type: "notification.new", notification, unread: person.unread });
      }
      const delayMs = quietDelayMs(new Date(), person.timezone, person.quiet);
      for (const row of mine) {
        if (prefs.get(person.id)?.get(row.type)?.email !== "immediately") continue;
        await deps.jobs.enqueue(EMAIL_JOB, { id: row.id }, { jobId: `notify-email-${row.id}`, delayMs });
      }
    }),
  );
  // No email will ever be due for these (their type's email is off, their reader not active): settled
  // now, so the daily digest's candidates are only rows a digest may still carry.
  const active = new Set(people.map((person) => person.id));
  const settled = rows.filter(
    (row) => !active.has(row.userId) || prefs.get(row.userId)?.get(row.type)?.email === "off",
  );
  await repo.markEmailed(
    deps.db,
    settled.map((row) => row.id),
  );
}

/** Delivers one committed batch (the job `notify` enqueues). */
async function dispatch(deps: AppDeps, data: unknown): Promise<void> {
  const { batch, ids } = data as { batch: string; ids: string[] };
  await readAfterCommit(deps.db, DISPATCH_LOCK, batch, async (trx) => {
    await deliver(deps, await repo.claimUndelivered(trx, { ids }));
  });
}

/** Per app instance (tests run several in one process): committed rows waiting, and the round running. */
const waiting = new WeakMap<AppDeps, { rows: Claimed; round: Promise<void> | null }>();

/**
 * Delivers notifications whose transaction committed, soon and on this node, without a job to enqueue
 * and fetch: a forum reply's (the hot path). The writer hands over the rows it stored, so nothing is
 * read back. One round at a time takes every row waiting, so a busy node delivers many in one round.
 * The writer does not wait for it. The rows are delivered first and marked delivered after, without
 * a transaction: no connection is held while Redis is told, and what fails before the mark (a store
 * away, the process ending) stays undelivered, for the sweeper within a minute (at least once, as a
 * swept row is, and as a row the sweeper took while a round was late: the live event carries the
 * notification's id, the email job is keyed by it). Answers the round, for a caller that wants to know it ended.
 */
export function deliverCommitted(deps: AppDeps, committed: readonly PlannedNotification[]): Promise<void> {
  // (A round started with nothing to do would end before it is stored, and block the next ones.)
  if (!committed.length) return Promise.resolve();
  let queue = waiting.get(deps);
  if (!queue) {
    queue = { rows: [], round: null };
    waiting.set(deps, queue);
  }
  queue.rows.push(...committed.map((n) => ({ ...n, readAt: null })));
  queue.round ??= deliverWaiting(deps, queue);
  return queue.round;
}

/** Rounds until no row waits; never fails (what it could not deliver is logged and left to the sweeper). */
async function deliverWaiting(deps: AppDeps, queue: { rows: Claimed; round: Promise<void> | null }) {
  while (queue.rows.length) {
    const rows = queue.rows.splice(0, CLAIM_LIMIT);
    try {
      await deliver(deps, rows);
      await repo.markDelivered(
        deps.db,
        rows.map((r) => r.id),
      );
    } catch (err) {
      const store = unavailableStore(err);
      if (store) warnStoreUnavailable(deps.logger, store, err, { notifications: rows.length });
      else deps.logger.error({ err }, "notification delivery failed");
    }
  }
  queue.round = null;
}

/** What a lost dispatch job or delivery left behind (a crash, a store down at the time). */
async function sweep(deps: AppDeps): Promise<void> {
  await deps.db.transaction().execute(async (trx) => {
    await deliver(deps, await repo.claimUndelivered(trx, { olderThanMs: 10_000 }));
  });
}

// ---------------------------------------------------------------- email

const linkOf = (deps: AppDeps, n: Notification) => `${deps.config.publicUrl}${notificationPath(n.target)}`;

const unsubscribeHeaders = (url: string) => ({
  "List-Unsubscribe": `<${url}>`,
  "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
});

/** One notification by email, unless it was read (in the app) or hidden meanwhile. */
async function emailOne(deps: AppDeps, data: unknown): Promise<void> {
  const row = await repo.findNotification(deps.db, (data as { id: string }).id);
  if (!row || row.emailedAt || row.readAt) return;
  const [person] = await mailProfiles(deps.db, [row.userId]);
  if (!person) return;
  const [n] = await render(deps, person, [row]);
  if (!n) return;
  const unsubscribe = unsubscribeUrl(deps, person.id, row.type);
  await deps.mail.send({
    to: person.email,
    subject: n.text,
    text: [
      `Hello ${person.firstName},`,
      "",
      `${n.text}.`,
      linkOf(deps, n),
      "",
      `Stop emails like this (${kindOf(deps, row.type).label}): ${unsubscribe}`,
    ].join("\n"),
    headers: unsubscribeHeaders(unsubscribe),
  });
  await repo.markEmailed(deps.db, [row.id]);
}

/**
 * Daily digests: for each person past their digest hour and outside their quiet hours, one email
 * with what they have not read of the types they get daily. Every candidate is seen, a page at a
 * time (DIGEST_PAGE), each page's profiles, preferences, items and rendering read together.
 */
export async function sendDigests(deps: AppDeps, now = new Date()): Promise<number> {
  // Declared kinds only: a stored choice for a type no module declares any more is not rendered.
  const declared = new Set<string>(deps.notificationKinds.map((k) => k.type));
  const dailyByDefault = deps.notificationKinds.filter((k) => k.defaults.email === "daily").map((k) => k.type);
  const digestedBefore = new Date(now.getTime() - DIGEST_GAP_MS);
  let sent = 0;
  let after: string | null = null;
  for (;;) {
    const ids = await repo.digestCandidates(deps.db, {
      declared: [...declared],
      dailyByDefault,
      digestedBefore,
      after,
      limit: DIGEST_PAGE,
    });
    sent += await sendDigestPage(deps, ids, declared, now);
    if (ids.length < DIGEST_PAGE) return sent;
    after = ids.at(-1) as string;
  }
}

async function sendDigestPage(
  deps: AppDeps,
  ids: readonly string[],
  declared: ReadonlySet<string>,
  now: Date,
): Promise<number> {
  if (!ids.length) return 0;
  const [people, prefs] = await Promise.all([
    repo.deliveryProfiles(deps.db, ids),
    effectivePreferences(deps, deps.db, ids),
  ]);
  // A candidate no longer active gets no digest: what waits for one is settled, not read every round.
  const active = new Set(people.map((person) => person.id));
  await repo.settlePendingEmail(
    deps.db,
    ids.filter((id) => !active.has(id)),
  );
  const due = people.filter(
    (person) =>
      localMinutes(now, person.timezone) >= DIGEST_HOUR * 60 && quietDelayMs(now, person.timezone, person.quiet) === 0,
  );
  const dailyTypes = (userId: string) =>
    [...(prefs.get(userId) ?? [])]
      .filter(([type, pref]) => pref.email === "daily" && declared.has(type))
      .map(([type]) => type);
  const rows = Map.groupBy(
    await repo.digestItems(deps.db, new Map(due.map((person) => [person.id, dailyTypes(person.id)])), DIGEST_ITEMS),
    (row) => row.userId,
  );
  const shownById = await renderFor(deps, due, (person) => rows.get(person.id) ?? []);
  let sent = 0;
  for (const person of due) {
    const mine = rows.get(person.id) ?? [];
    // Rows not shown (targets gone or out of reach) are marked too: not read again every round.
    const items = mine.flatMap((row) => shownById.get(row.id) ?? []);
    if (mine.length && (await sendDigest(deps, person, items, mine, now))) sent++;
  }
  return sent;
}

/**
 * One person's digest: its rows marked emailed (every one read for it, also one not shown: its
 * target gone), the email of the items this call marked, and the day's digest noted, together.
 * False when there was nothing left to send.
 */
async function sendDigest(
  deps: AppDeps,
  person: { id: string; email: string; firstName: string },
  shown: readonly Notification[],
  rows: readonly { id: string }[],
  now: Date,
): Promise<boolean> {
  return deps.db.transaction().execute(async (trx) => {
    // Marked first: a run overlapping this one (a slow round, another node) waits here for this
    // transaction and then finds them marked, so nobody gets the same items twice.
    const marked = new Set(
      await repo.markEmailed(
        trx,
        rows.map((r) => r.id),
      ),
    );
    const items = shown.filter((n) => marked.has(n.id));
    if (!items.length) return false;
    const types = [...new Set(items.map((n) => n.type))];
    const links = types.map((type) => `${kindOf(deps, type).label}: ${unsubscribeUrl(deps, person.id, type)}`);
    await deps.mail.send(
      {
        to: person.email,
        subject: `Your daily summary: ${items.length} unread notification${items.length === 1 ? "" : "s"}`,
        text: [
          `Hello ${person.firstName}, here is what you missed:`,
          "",
          ...items.map((n) => `- ${n.text}: ${linkOf(deps, n)}`),
          "",
          "Stop these emails, one kind at a time:",
          ...links,
        ].join("\n"),
        headers: unsubscribeHeaders(unsubscribeUrl(deps, person.id, types[0] as string)),
      },
      trx,
    );
    await repo.saveSettings(trx, person.id, { lastDigestAt: now });
    return true;
  });
}

// ---------------------------------------------------------------- time of day

/** Minutes after local midnight in `timezone`. */
export function localMinutes(now: Date, timezone: string): number {
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone: timezone,
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(now);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return get("hour") * 60 + get("minute");
}

/** How long mail must wait for the quiet window (local minutes [start, end), possibly over midnight) to end; 0 outside it. */
export function quietDelayMs(
  now: Date,
  timezone: string,
  quiet: { quietStart: number | null; quietEnd: number | null } | null,
): number {
  if (quiet?.quietStart == null || quiet.quietEnd == null) return 0;
  const { quietStart: start, quietEnd: end } = quiet;
  const minutes = localMinutes(now, timezone);
  const inside = start < end ? minutes >= start && minutes < end : minutes >= start || minutes < end;
  if (!inside) return 0;
  return ((end - minutes + 1440) % 1440) * 60_000 - (now.getTime() % 60_000);
}

export const notificationJobs: ModuleJob[] = [
  { name: DISPATCH_JOB, run: dispatch },
  { name: EMAIL_JOB, run: emailOne },
  { name: SWEEP_JOB, everyMs: 30_000, run: sweep },
  { name: DIGEST_JOB, everyMs: 15 * 60_000, run: (deps) => sendDigests(deps) },
  { name: PRUNE_JOB, everyMs: 24 * 3600_000, run: (deps) => repo.pruneRead(deps.db, RETENTION_DAYS) },
];
