// Preloaded into the benchmarked server (node --expose-gc --require): on SIGUSR2 it collects garbage
// and writes process.memoryUsage() to BENCH_MEM_FILE, so the benchmark reads memory after a GC settle
// without the app exposing anything. Benchmark-only; the app never loads it.
const { writeFileSync } = require("node:fs");

process.on("SIGUSR2", () => {
  global.gc?.();
  global.gc?.();
  setTimeout(() => {
    global.gc?.();
    const file = process.env.BENCH_MEM_FILE;
    if (file) writeFileSync(file, JSON.stringify({ ...process.memoryUsage(), at: Date.now() }));
  }, 200);
});
