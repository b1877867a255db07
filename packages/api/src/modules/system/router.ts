import { ServerInfo } from "@p2p/schemas";
import { router } from "../../trpc/init";
import { rest } from "../../trpc/meta";
import { publicProcedure } from "../../trpc/procedures";

/** Server facts a client checks before anything else (compatibility, clock skew). */
export const systemRouter = router({
  info: publicProcedure
    .meta(rest("GET", "/system/info", "Server version and time"))
    .output(ServerInfo)
    .query(({ ctx }) => ({ version: ctx.deps.config.version, time: new Date() })),
});
