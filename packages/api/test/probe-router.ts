/**
 * A router for foundation tests: the app's router plus a `probe` domain built with the same
 * builders, bus and mailer, so error format, batching and subscriptions are tested on the real
 * machinery before any product domain exists.
 */
import { EventId } from "@p2p/schemas";
import { z } from "zod";
import { defineChannel, mergeRouters, publicProcedure, router, streamChannel, trackedStream } from "../src";
import { appRouter } from "../src/trpc/router";

export const probeChannel = defineChannel<{ n: number }>("probe");

export const probeRouter = mergeRouters(
  appRouter,
  router({
    probe: router({
      /** Writes one outbox mail after validating its input. */
      send: publicProcedure
        .input(z.object({ to: z.email(), subject: z.string().min(1).max(20) }))
        .mutation(async ({ ctx, input }) => {
          await ctx.deps.mail.send({ to: input.to, subject: input.subject, text: "probe" });
          return { ok: true };
        }),
      publish: publicProcedure
        .input(z.object({ key: z.string(), n: z.number() }))
        .mutation(({ ctx, input }) => ctx.deps.events.publish(probeChannel, input.key, { n: input.n })),
      onEvent: publicProcedure
        .input(z.object({ key: z.string(), lastEventId: EventId.nullish() }))
        .subscription(async function* ({ ctx, input, signal }) {
          yield* trackedStream(
            streamChannel(ctx.deps.events, probeChannel, input.key, { lastEventId: input.lastEventId, signal }),
          );
        }),
      /** Answers after `ms`: a request still under way when its client leaves. */
      slow: publicProcedure.input(z.object({ ms: z.number().int().min(0).max(2_000) })).query(async ({ input }) => {
        await new Promise((resolve) => setTimeout(resolve, input.ms));
        return { ok: true };
      }),
      boom: publicProcedure.query(() => {
        throw new Error("secret detail: password=hunter2 at db.internal:5432");
      }),
    }),
  }),
);
export type ProbeRouter = typeof probeRouter;
