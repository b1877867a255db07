import { type ApiKey, type CreateApiKeyInput, MAX_API_KEYS_PER_ORG } from "@p2p/schemas";
import { v7 as uuidv7 } from "uuid";
import type { z } from "zod";
import type { AppDeps } from "../../deps";
import { API_KEY_PREFIX, type Principal } from "../../infra/auth/authenticator";
import { randomToken, sha256 } from "../../infra/auth/crypto";
import { authInvalidation } from "../../infra/auth/provider";
import { lockUntilCommit } from "../../infra/postgres/commit-lock";
import { appError, notFound } from "../../lib/errors";
import { recordAudit } from "../audit/repo";
import { toUserRef } from "../audit/service";
import { loadAuthors } from "../users/authors";
import * as repo from "./repo";

/** Creates a key and returns its token, the only time the secret exists outside the caller's hands. */
/** Namespace (int4) of the advisory lock on one organization's key count. */
const API_KEYS_LOCK = 0x61706b79;

export async function createApiKey(
  deps: AppDeps,
  principal: Principal,
  input: z.infer<typeof CreateApiKeyInput>,
  ip: string | null,
) {
  // A leaked key must not be able to mint keys that outlive its own revocation.
  if (principal.via === "apiKey") throw appError("FORBIDDEN", "API keys cannot create API keys; sign in instead");
  const orgId = principal.organizationId;
  const id = uuidv7();
  const secret = randomToken();
  const created = await deps.db.transaction().execute(async (trx) => {
    // Counted under a lock per organization: keys created at once cannot pass the limit together.
    await lockUntilCommit(trx, API_KEYS_LOCK, orgId);
    if ((await repo.countActiveApiKeys(trx, orgId)) >= MAX_API_KEYS_PER_ORG) {
      throw appError("CONFLICT", `An organization can hold at most ${MAX_API_KEYS_PER_ORG} active API keys`);
    }
    const row = await repo.insertApiKey(trx, {
      id,
      organizationId: orgId,
      createdBy: principal.userId,
      name: input.name,
      role: input.role,
      secretHash: sha256(secret),
    });
    await recordAudit(trx, {
      organizationId: orgId,
      actorId: principal.userId,
      action: "apiKey.created",
      targetType: "apiKey",
      targetId: id,
      ip,
      metadata: { name: input.name, role: input.role },
    });
    return row;
  });
  return { ...created, key: `${API_KEY_PREFIX}${id}.${secret}` };
}

export async function listApiKeys(deps: AppDeps, orgId: string): Promise<{ items: ApiKey[] }> {
  const rows = await repo.listApiKeys(deps.db, orgId);
  const creators = await loadAuthors(
    deps,
    rows.map((r) => r.createdBy),
  );
  return {
    // created_by is a foreign key, so every creator is found; the check only narrows the type.
    items: rows.flatMap(({ createdBy, ...key }) => {
      const creator = creators.get(createdBy);
      return creator ? [{ ...key, createdBy: toUserRef(creator) }] : [];
    }),
  };
}

/** Revokes a key of the caller's organization; every node forgets it before this returns. */
export async function revokeApiKey(deps: AppDeps, principal: Principal, id: string, ip: string | null) {
  await deps.db.transaction().execute(async (trx) => {
    const revoked = await repo.revokeApiKey(trx, principal.organizationId, id);
    // Another organization's key answers the same as a missing one, so ids cannot be probed.
    if (!revoked) throw notFound("API key");
    await recordAudit(trx, {
      organizationId: principal.organizationId,
      actorId: principal.userId,
      action: "apiKey.revoked",
      targetType: "apiKey",
      targetId: id,
      ip,
      metadata: { name: revoked.name },
    });
  });
  await deps.events.broadcast(authInvalidation, "all", { apiKeyIds: [id] });
  return { ok: true as const };
}
