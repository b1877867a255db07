import { ApiKeyIdInput, ApiKeyList, CreateApiKeyInput, CreatedApiKey, Ok } from "@p2p/schemas";
import { router } from "../../trpc/init";
import { rest } from "../../trpc/meta";
import { adminProcedure } from "../../trpc/procedures";
import * as apiKeys from "./service";

export const apiKeysRouter = router({
  create: adminProcedure
    .meta(rest("POST", "/api-keys", "Create an API key (the key is shown once)"))
    .input(CreateApiKeyInput)
    .output(CreatedApiKey)
    .mutation(({ ctx, input }) => apiKeys.createApiKey(ctx.deps, ctx.principal, input, ctx.ip)),
  list: adminProcedure
    .meta(rest("GET", "/api-keys", "Your organization's API keys"))
    .output(ApiKeyList)
    .query(({ ctx }) => apiKeys.listApiKeys(ctx.deps, ctx.orgId)),
  revoke: adminProcedure
    .meta(rest("DELETE", "/api-keys/{id}", "Revoke an API key"))
    .input(ApiKeyIdInput)
    .output(Ok)
    .mutation(({ ctx, input }) => apiKeys.revokeApiKey(ctx.deps, ctx.principal, input.id, ctx.ip)),
});
