// Preloaded into the benchmarked server (node --expose-gc --require): on SIGUSR2 it collects garbage
// and writes process.memoryUsage() to BENCH_MEM_FILE, so the benchmark reads memory after a GC settle
// without the app exposing anything. Benchmark-only; the app never loads it.
// Also the young generation's committed size: V8 sizes it by the recent allocation rate, and a
// plain gc() does not shrink it, so RSS read after a busy spell holds it whatever the heap holds.
const { writeFileSync } = require("node:fs");
const { getHeapSpaceStatistics } = require("node:v8");

const youngBytes = () =>
  getHeapSpaceStatistics()
    .filter((s) => s.space_name === "new_space" || s.space_name === "new_large_object_space")
    .reduce((sum, s) => sum + s.space_size, 0);

process.on("SIGUSR2", () => {
  global.gc?.();
  global.gc?.();
  setTimeout(() => {
    global.gc?.();
    const file = process.env.BENCH_MEM_FILE;
    if (file) writeFileSync(file, JSON.stringify({ ...process.memoryUsage(), young: youngBytes(), at: Date.now() }));
  }, 200);
});
