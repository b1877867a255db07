/**
 * Ceiling 2 for bench/http.ts: the least a tRPC query on this stack costs. Hono on
 * @hono/node-server, @hono/trpc-server, superjson, one public query with a zod output schema;
 * no middleware, no context, no stores. GET /json is a bare Hono JSON route, for reference.
 */
import { serve } from "@hono/node-server";
import { trpcServer } from "@hono/trpc-server";
import { initTRPC } from "@trpc/server";
import { Hono } from "hono";
import superjson from "superjson";
import { z } from "zod";

const t = initTRPC.create({ transformer: superjson });
const router = t.router({
  info: t.procedure
    .output(z.object({ version: z.string(), time: z.date() }))
    .query(() => ({ version: "0.1.0", time: new Date() })),
});

const app = new Hono();
app.get("/json", (c) => c.json({ status: "ok", version: "0.1.0" }));
app.use("/trpc/*", trpcServer({ router, endpoint: "/trpc" }));

serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 4102), hostname: "127.0.0.1" }, () =>
  console.log("minimal-trpc listening"),
);
