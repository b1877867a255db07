import type { Contact } from "@p2p/schemas";
import { z } from "zod";
import type { AppDeps } from "../../deps";
import type { Principal } from "../../infra/auth/authenticator";
import { fieldError, notFound } from "../../lib/errors";
import { decodeCursor, toPage } from "../../lib/pagination";
import { forgetActor } from "../notifications/read";
import { announce, hideFromEachOther, withPresence } from "../presence/service";
import { activeUserIds } from "../users/repo";
import * as repo from "./repo";

/** Contacts are a personal address book; blocks stop messages and typing and hide presence both ways. */

async function assertOtherActiveUser(deps: AppDeps, caller: Principal, userId: string) {
  if (userId === caller.userId) throw fieldError("userId", "That is you");
  if (!(await activeUserIds(deps.db, [userId])).has(userId)) throw notFound("User");
}

export async function addContact(deps: AppDeps, caller: Principal, userId: string) {
  await assertOtherActiveUser(deps, caller, userId);
  await repo.addContact(deps.db, caller.userId, userId);
  return { ok: true as const };
}

export async function removeContact(deps: AppDeps, caller: Principal, userId: string) {
  await repo.removeContact(deps.db, caller.userId, userId);
  return { ok: true as const };
}

const NameCursor = z.tuple([z.string(), z.uuid()]);

export async function listContacts(
  deps: AppDeps,
  caller: Principal,
  input: { q?: string; cursor?: string | null; limit: number },
) {
  const rows = await repo.listContacts(
    deps.db,
    caller.userId,
    input.q,
    decodeCursor(input.cursor, NameCursor),
    input.limit,
  );
  const { items, nextCursor } = toPage(
    rows,
    input.limit,
    (r) => [r.sortName, r.contactId],
    (r) => r,
  );
  const people = await withPresence(
    deps,
    caller.userId,
    items.map((r) => r.person),
  );
  return {
    items: people.map((p, i): Contact => ({ ...p, addedAt: (items[i] as (typeof items)[number]).addedAt })),
    nextCursor,
  };
}

/** Blocking also tells each side's open apps that the other is no longer visible. */
export async function block(deps: AppDeps, caller: Principal, userId: string) {
  await assertOtherActiveUser(deps, caller, userId);
  await repo.block(deps.db, caller.userId, userId);
  await Promise.all([hideFromEachOther(deps, caller.userId, userId), forgetActor(deps, caller.userId, userId)]);
  return { ok: true as const };
}

export async function unblock(deps: AppDeps, caller: Principal, userId: string) {
  await repo.unblock(deps.db, caller.userId, userId);
  await Promise.all([announce(deps, caller.userId), announce(deps, userId)]);
  return { ok: true as const };
}

const TimeCursor = z.tuple([z.iso.datetime(), z.uuid()]);

export async function listBlocked(deps: AppDeps, caller: Principal, input: { cursor?: string | null; limit: number }) {
  const rows = await repo.listBlocked(deps.db, caller.userId, decodeCursor(input.cursor, TimeCursor), input.limit);
  return toPage(
    rows,
    input.limit,
    (r) => [r.createdAt, r.blockedId],
    (r) => ({ ...r.person, blockedAt: r.createdAt }),
  );
}
