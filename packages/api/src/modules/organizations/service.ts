import type { DirectoryInput, UpdateOrganizationInput } from "@p2p/schemas";
import { z } from "zod";
import type { AppDeps } from "../../deps";
import { invalidateOrganizations, type Principal } from "../../infra/auth/authenticator";
import type { Db } from "../../infra/postgres/db";
import { decodeCursor, toPage } from "../../lib/pagination";
import { recordAudit } from "../audit/repo";
import { storageBytes as filesStorageBytes } from "../files/repo";
import { forumCountsOf } from "../forums/stats";
import { countPublished } from "../useCases/repo";
import { memberCounts } from "../users/repo";
import { toOrganization, toOrganizationPublic } from "./dto";
import * as repo from "./repo";

export async function currentOrganization(db: Db, orgId: string) {
  return toOrganization(await repo.findOrganization(db, orgId));
}

export async function updateOrganization(
  deps: AppDeps,
  admin: Principal,
  input: z.infer<typeof UpdateOrganizationInput>,
  ip: string | null,
) {
  const updated = await deps.db.transaction().execute(async (trx) => {
    const org = await repo.updateOrganization(trx, admin.organizationId, input);
    await recordAudit(trx, {
      organizationId: org.id,
      actorId: admin.userId,
      action: "organizations.update",
      targetType: "organization",
      targetId: org.id,
      ip,
      metadata: { fields: Object.keys(input).filter((k) => input[k as keyof typeof input] !== undefined) },
    });
    return toOrganization(org);
  });
  await invalidateOrganizations(deps.events, [updated.id]);
  return updated;
}

const DirectoryCursor = z.tuple([z.string(), z.uuid()]);

export async function directory(db: Db, input: z.infer<typeof DirectoryInput>) {
  const after = decodeCursor(input.cursor, DirectoryCursor);
  const rows = await repo.listDirectory(db, input, after, input.limit);
  return toPage(rows, input.limit, (o) => [o.name, o.id], toOrganizationPublic);
}

const ACTIVE_WINDOW_MS = 30 * 24 * 60 * 60 * 1000;

export async function organizationStats(deps: AppDeps, orgId: string) {
  const [members, storageBytes, forum, useCases] = await Promise.all([
    memberCounts(deps.db, orgId, new Date(Date.now() - ACTIVE_WINDOW_MS)),
    filesStorageBytes(deps.db, orgId),
    forumCountsOf(deps, orgId),
    countPublished(deps.db, orgId),
  ]);
  return { ...members, storageBytes, ...forum, useCases };
}
