import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { build } from "vite";
import { describe, expect, it } from "vitest";
import { bundleBudget } from "../budget";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** The real app built in memory as it ships (NODE_ENV=production; vitest runs with "test"), held to `kb`. */
async function buildWithBudget(kb: number) {
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = "production";
  try {
    return await build({
      root,
      configFile: false,
      logLevel: "silent",
      plugins: [react(), bundleBudget(kb)],
      build: { write: false },
    });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
}

describe("the first page's JavaScript budget", () => {
  it("fails the production build past the budget, naming the size and the heaviest route", {
    timeout: 120_000,
  }, async () => {
    await expect(buildWithBudget(50)).rejects.toThrow(
      /over budget: first page JavaScript: at most [\d.]+ KB gzipped \(budget 50 KB; heaviest route assets\/\w+-[\w-]+\.js\)/,
    );
  });

  it("lets the app through at the real budget (200 KB)", { timeout: 120_000 }, async () => {
    await expect(buildWithBudget(200).then(() => "built")).resolves.toBe("built");
  });
});
