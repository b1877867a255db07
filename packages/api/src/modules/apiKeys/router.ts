import { ApiKeyIdInput, ApiKeyList, CreateApiKeyInput, CreatedApiKey, Ok } from "@p2p/schemas";
import { router } from "../../trpc/init";
import { adminProcedure } from "../../trpc/procedures";
import * as apiKeys from "./service";

export const apiKeysRouter = router({
  create: adminProcedure
    .input(CreateApiKeyInput)
    .output(CreatedApiKey)
    .mutation(({ ctx, input }) => apiKeys.createApiKey(ctx.deps, ctx.principal, input, ctx.ip)),
  list: adminProcedure.output(ApiKeyList).query(({ ctx }) => apiKeys.listApiKeys(ctx.deps, ctx.orgId)),
  revoke: adminProcedure
    .input(ApiKeyIdInput)
    .output(Ok)
    .mutation(({ ctx, input }) => apiKeys.revokeApiKey(ctx.deps, ctx.principal, input.id, ctx.ip)),
});
