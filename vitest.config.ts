import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["packages/*/test/**/*.test.ts", "apps/*/test/**/*.test.ts", "apps/*/test/**/*.test.tsx"],
    globalSetup: ["packages/testkit/src/global-setup.ts"],
    // Every file owns its stores, so files run in parallel; tests inside a file run in order.
    pool: "forks",
    maxWorkers: 4,
    fileParallelism: true,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    typecheck: {
      enabled: true,
      include: ["packages/*/test/**/*.test-d.ts"],
      tsconfig: "packages/contracts/tsconfig.json",
    },
  },
});
