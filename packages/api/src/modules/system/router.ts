import { ServerInfo } from "@p2p/schemas";
import { router } from "../../trpc/init";
import { publicProcedure } from "../../trpc/procedures";

/** Server facts a client checks before anything else (compatibility, clock skew). */
export const systemRouter = router({
  info: publicProcedure.output(ServerInfo).query(({ ctx }) => ({ version: ctx.deps.config.version, time: new Date() })),
});
