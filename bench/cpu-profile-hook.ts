/**
 * Preloaded into the server by `bench/http.ts --profile` (node --import tsx --import ./cpu-profile-hook.ts):
 * each SIGUSR2 toggles the V8 CPU profiler, so one server process yields one profile per measured
 * route, covering exactly the load window (`node --cpu-prof` only writes one profile at exit).
 * Profiles go to BENCH_PROFILE_DIR as 1.cpuprofile, 2.cpuprofile, … in order.
 */
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { join } from "node:path";

const dir = process.env.BENCH_PROFILE_DIR ?? ".";
const session = new Session();
session.connect();
let running = false;
let count = 0;

process.on("SIGUSR2", () => {
  void (async () => {
    if (!running) {
      running = true;
      await session.post("Profiler.enable");
      await session.post("Profiler.setSamplingInterval", {
        interval: Number(process.env.BENCH_PROFILE_INTERVAL_US ?? 200),
      });
      await session.post("Profiler.start");
      return;
    }
    const { profile } = await session.post("Profiler.stop");
    running = false;
    writeFileSync(join(dir, `${++count}.cpuprofile`), JSON.stringify(profile));
  })();
});
