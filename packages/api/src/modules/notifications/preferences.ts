import type { EmailFrequency, NotificationType } from "@p2p/schemas";
import type { AppDeps, Db, NotificationKind } from "../../deps";
import { defineUserView, invalidateProfiles } from "../../infra/auth/authenticator";
import { appError } from "../../lib/errors";
import { signerFor } from "../../lib/signing";
import { findUser } from "../users/repo";
import * as repo from "./repo";

export interface Preference {
  inApp: boolean;
  email: EmailFrequency;
}

/** The kind of a type, or an error for a type no module declares (a programming error). */
export function kindOf(deps: AppDeps, type: string): NotificationKind {
  const kind = deps.notificationKinds.find((k) => k.type === type);
  if (!kind) throw new Error(`notification type ${type} is not declared in modules/index.ts`);
  return kind;
}

type StoredPreference = Awaited<ReturnType<typeof repo.preferencesOf>>[number];

/** A user's own choices, cached on each node like their profile (dropped on every node when they change). */
const choicesView = defineUserView<StoredPreference[]>("notificationChoices");

/**
 * Each user's preference for every type: what they chose, else the type's defaults. From this
 * node's cache where it has them, the others in one query on `db` (the caller's transaction, if in
 * one: a second connection from inside it could wait on a full pool); `fresh` reads them all (the
 * transaction that changes them).
 */
export async function effectivePreferences(deps: AppDeps, db: Db, userIds: readonly string[], fresh = false) {
  const stored = fresh
    ? await repo.preferencesOf(db, userIds)
    : [
        ...(
          await deps.authenticator.userViews(choicesView, userIds, async (missing) => {
            // Choices do not depend on the organization (no organization's change drops them).
            const byUser = new Map(
              missing.map((userId) => [userId, { organizationId: "", value: [] as StoredPreference[] }]),
            );
            for (const row of await repo.preferencesOf(db, missing)) byUser.get(row.userId)?.value.push(row);
            return byUser;
          })
        ).values(),
      ].flat();
  const byUser = new Map<string, Map<string, Preference>>();
  for (const userId of userIds) {
    byUser.set(userId, new Map(deps.notificationKinds.map((k) => [k.type, { ...k.defaults }])));
  }
  for (const row of stored) byUser.get(row.userId)?.set(row.type, { inApp: row.inApp, email: row.email });
  return byUser;
}

const toTime = (minutes: number) =>
  `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
const toMinutes = (time: string) => Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));

export async function getPreferences(deps: AppDeps, userId: string) {
  const [prefs, settings, user] = await Promise.all([
    effectivePreferences(deps, deps.db, [userId]),
    repo.settingsOf(deps.db, userId),
    findUser(deps.db, userId),
  ]);
  const mine = prefs.get(userId) as Map<string, Preference>;
  return {
    types: deps.notificationKinds.map((k) => ({ type: k.type, label: k.label, ...(mine.get(k.type) as Preference) })),
    quietHours:
      settings?.quietStart != null && settings.quietEnd != null
        ? { start: toTime(settings.quietStart), end: toTime(settings.quietEnd) }
        : null,
    timezone: user.timezone,
  };
}

export async function updatePreferences(
  deps: AppDeps,
  userId: string,
  input: {
    types?: { type: NotificationType; inApp?: boolean; email?: EmailFrequency }[];
    quietHours?: { start: string; end: string } | null;
  },
) {
  await deps.db.transaction().execute(async (trx) => {
    if (input.types?.length) {
      const current = (await effectivePreferences(deps, trx, [userId], true)).get(userId) as Map<string, Preference>;
      for (const change of input.types) {
        // Each change on top of the ones before it (the same type twice: both apply, in order).
        const now = current.get(change.type) as Preference;
        const next = { inApp: change.inApp ?? now.inApp, email: change.email ?? now.email };
        current.set(change.type, next);
        await repo.savePreference(trx, userId, change.type, next);
      }
    }
    if (input.quietHours !== undefined) {
      await repo.saveSettings(trx, userId, {
        quietStart: input.quietHours ? toMinutes(input.quietHours.start) : null,
        quietEnd: input.quietHours ? toMinutes(input.quietHours.end) : null,
      });
    }
  });
  await invalidateProfiles(deps.events, [userId]);
  return getPreferences(deps, userId);
}

// ---------------------------------------------------------------- one-click unsubscribe

/**
 * The link in every notification email: `userId.type.signature`, signed with a key derived from the
 * server's secret (TOTP_ENCRYPTION_KEY, through HKDF for this purpose only). It needs no sign-in and
 * only ever turns that one type's email off.
 */
const signer = (deps: AppDeps) => signerFor(deps.config.auth.totpEncryptionKey, "p2p unsubscribe links");

export function unsubscribeToken(deps: AppDeps, userId: string, type: string): string {
  const payload = `${userId}.${type}`;
  return `${payload}.${signer(deps).sign(payload)}`;
}

export function unsubscribeUrl(deps: AppDeps, userId: string, type: string): string {
  return `${deps.config.publicUrl}/notifications/unsubscribe?token=${encodeURIComponent(unsubscribeToken(deps, userId, type))}`;
}

/** Turns one type's email off for the token's user; says what changed. */
export async function unsubscribe(deps: AppDeps, token: string) {
  // userId.type.signature, where the type has dots of its own.
  const first = token.indexOf(".");
  const last = token.lastIndexOf(".");
  const [userId, type, sig] = [token.slice(0, first), token.slice(first + 1, last), token.slice(last + 1)];
  const kind = deps.notificationKinds.find((k) => k.type === type);
  if (!kind || !signer(deps).verify(`${userId}.${type}`, sig)) {
    throw appError("INVALID_TOKEN", "This unsubscribe link is not valid");
  }
  const current = (await effectivePreferences(deps, deps.db, [userId], true)).get(userId)?.get(type) as Preference;
  await repo.savePreference(deps.db, userId, type, { inApp: current.inApp, email: "off" });
  await invalidateProfiles(deps.events, [userId]);
  return {
    type: kind.type,
    label: kind.label,
    email: "off" as const,
    message: `You will no longer get emails for: ${kind.label}. Other notifications are unchanged.`,
  };
}
