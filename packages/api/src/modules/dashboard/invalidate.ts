import type { AppDeps } from "../../deps";
import { unavailableStore, warnStoreUnavailable } from "../../infra/store-errors";
import { type BlockKey, invalidateBlocks } from "./cache";

/**
 * What a committed write changed on the dashboard: the "me" block of these people, the
 * organization block of these organizations, and (when `platform`) the platform block. Modules
 * whose writes change a count call this once the write committed (forums and use cases through
 * the activity they record, sign-ups, invitations, deactivations). Never fails the write: with
 * Redis away the cached blocks live out their TTL.
 */
export async function dashboardChanged(
  deps: AppDeps,
  changed: {
    users?: readonly (string | null | undefined)[];
    orgs?: readonly (string | null | undefined)[];
    platform?: boolean;
  },
): Promise<void> {
  const keys: BlockKey[] = [];
  for (const id of new Set(changed.users ?? [])) if (id) keys.push({ block: "me", id });
  for (const id of new Set(changed.orgs ?? [])) if (id) keys.push({ block: "org", id });
  if (changed.platform) keys.push({ block: "platform", id: "all" });
  try {
    await invalidateBlocks(deps, keys);
  } catch (err) {
    if (!unavailableStore(err)) throw err;
    warnStoreUnavailable(deps.logger, "redis", err, { dashboardInvalidation: keys.length });
  }
}
