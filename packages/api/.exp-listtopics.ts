// temporary: where does listTopics' CPU go, piece by piece (in-process, no HTTP)

import { TopicList } from "@p2p/schemas";
import superjson from "superjson";
import { closeDeps, createDeps, loadConfig } from "./src/index";
import * as repo from "./src/modules/forums/repo";
import * as topics from "./src/modules/forums/topics";
import { loadAuthors } from "./src/modules/users/authors";
import { wireTransformer } from "./src/trpc/transformer";

const config = loadConfig({ ...process.env, LOG_LEVEL: "silent", JOBS_WORKER: "false" });
const deps = await createDeps(config, { migrate: false });
const user = await deps.db
  .selectFrom("users")
  .innerJoin("organizations", "organizations.id", "users.organizationId")
  .select(["users.id", "users.organizationId"])
  .where("organizations.name", "=", "Bench HTTP Org")
  .orderBy("users.createdAt", "desc")
  .executeTakeFirstOrThrow();
const caller = {
  userId: user.id,
  organizationId: user.organizationId,
  role: "admin",
  isModerator: false,
  emailVerified: true,
  via: "bearer",
  sessionId: null,
  apiKeyId: null,
  csrfToken: null,
} as const;
const input = { limit: 20, sort: "latest" as const, cursor: null };

async function time(name: string, n: number, f: () => unknown) {
  for (let i = 0; i < 50; i++) await f();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await f();
  const cpu = process.cpuUsage(cpu0);
  const ms = performance.now() - t0;
  console.log(
    `${name.padEnd(40)} ${((cpu.user + cpu.system) / n).toFixed(1).padStart(8)} µs CPU  ${((ms * 1000) / n).toFixed(1).padStart(8)} µs wall`,
  );
}
const out = await topics.listTopics(deps, caller as never, input);
console.log("items", out.items.length, "json bytes", JSON.stringify(superjson.serialize(out)).length);
const rows = await repo.listTopicsQuery(deps.db, caller.organizationId, input, null).execute();
await time("listTopics service (2 queries)", 500, () => topics.listTopics(deps, caller as never, input));
await time("topics query", 500, () => repo.listTopicsQuery(deps.db, caller.organizationId, input, null).execute());
await time("topics query compile only", 2000, () =>
  repo.listTopicsQuery(deps.db, caller.organizationId, input, null).compile(),
);
await time("authors query", 500, () =>
  loadAuthors(
    deps.db,
    rows.map((r) => r.authorId),
  ),
);
await time("SELECT 1 (kysely)", 500, () => deps.db.selectNoFrom((eb) => eb.lit(1).as("x")).execute());
await time("zod TopicList.parse", 2000, () => TopicList.parse(out));
await time("superjson.serialize", 2000, () => wireTransformer.serialize(out));
await time("JSON.stringify(serialized)", 2000, () => JSON.stringify(wireTransformer.serialize(out)));
const caller2 = (await import("./src/trpc/router")).appRouter.createCaller;
const ctx = {
  deps,
  requestId: "x",
  headers: new Headers(),
  ip: null,
  transport: "http",
  face: "trpc",
  resHeaders: new Headers(),
  logger: () => deps.logger,
  principal: caller,
  connection: null,
  currentPrincipal: () => Promise.resolve(caller),
};
const c = caller2(ctx as never);
await time("createCaller forums.listTopics", 500, () => c.forums.listTopics(input));
await time("createCaller auth.me", 500, () => c.auth.me());
await time("createCaller system.info", 2000, () => c.system.info());
await closeDeps(deps);
process.exit(0);
