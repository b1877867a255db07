import { GetPresenceInput, PresenceList, PresenceSettings, UpdatePresenceInput } from "@p2p/schemas";
import { router } from "../../trpc/init";
import { rest } from "../../trpc/meta";
import { sessionProcedure } from "../../trpc/procedures";
import { presenceFor, updatePresence } from "./service";

export const presenceRouter = router({
  get: sessionProcedure
    .meta(rest("GET", "/presence", "Who is online, as far as you may see"))
    .input(GetPresenceInput)
    .output(PresenceList)
    .query(({ ctx, input }) => presenceFor(ctx.deps, ctx.principal.userId, input.userIds)),
  update: sessionProcedure
    .meta(rest("PATCH", "/presence", "Show yourself as away, or hide your presence"))
    .input(UpdatePresenceInput)
    .output(PresenceSettings)
    .mutation(({ ctx, input }) => updatePresence(ctx.deps, ctx.principal.userId, input)),
});
