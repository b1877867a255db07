import { z } from "zod";
import { UserRef } from "./audit.js";
import { Id, requiredText } from "./common.js";
import { Role } from "./users.js";

/** Active keys an organization may hold, so the key list stays one short page. */
export const MAX_API_KEYS_PER_ORG = 100;

export const CreateApiKeyInput = z.object({ name: requiredText(100), role: Role });
export const ApiKeyIdInput = z.object({ id: Id });

export const ApiKey = z.object({
  id: Id,
  name: z.string(),
  role: Role,
  createdBy: UserRef,
  lastUsedAt: z.date().nullable(),
  createdAt: z.date(),
});
export type ApiKey = z.infer<typeof ApiKey>;
export const ApiKeyList = z.object({ items: z.array(ApiKey) });

/** Returned once, at creation: `key` is the bearer token and is never shown again. */
export const CreatedApiKey = z.object({ id: Id, name: z.string(), role: Role, key: z.string(), createdAt: z.date() });
