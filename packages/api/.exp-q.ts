import { closeDeps, createDeps, loadConfig } from "./src/index";
import * as repo from "./src/modules/forums/repo";

const config = loadConfig({ ...process.env, LOG_LEVEL: "silent", JOBS_WORKER: "false" });
const deps = await createDeps(config, { migrate: false });
const user = await deps.db
  .selectFrom("users")
  .innerJoin("organizations", "organizations.id", "users.organizationId")
  .select(["users.id", "users.organizationId"])
  .where("organizations.name", "=", "Bench HTTP Org")
  .orderBy("users.createdAt", "desc")
  .executeTakeFirstOrThrow();
const input = { limit: 20, sort: "latest" as const, cursor: null };
const q = () => repo.listTopicsQuery(deps.db, user.organizationId, input, null).execute();
for (let i = 0; i < 200; i++) await q();
const { Session } = await import("node:inspector/promises");
const s = new Session();
s.connect();
await s.post("Profiler.enable");
await s.post("Profiler.setSamplingInterval", { interval: 100 });
await s.post("Profiler.start");
const cpu0 = process.cpuUsage();
for (let i = 0; i < 2000; i++) await q();
const cpu = process.cpuUsage(cpu0);
const { profile } = await s.post("Profiler.stop");
(await import("node:fs")).writeFileSync("/tmp/q.cpuprofile", JSON.stringify(profile));
console.log("µs/query", (cpu.user + cpu.system) / 2000);
const rows = await q();
console.log(Object.keys(rows[0]!).length, "columns", rows.length, "rows", JSON.stringify(rows[0]));
await closeDeps(deps);
process.exit(0);
