import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

describe("contracts bundle", () => {
  it("pulls no server code: only the schemas and zod end up in a consumer's bundle", async () => {
    const result = await build({
      entryPoints: [fileURLToPath(new URL("../src/index.ts", import.meta.url))],
      bundle: true,
      write: false,
      metafile: true,
      platform: "browser",
      format: "esm",
      logLevel: "silent",
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((i) => i.includes("packages/schemas/src"))).toBe(true);
    const server = inputs.filter((i) => /packages\/api\/|@trpc\/server|kysely|mongodb|ioredis|hono|pg\//.test(i));
    expect(server).toEqual([]);
  });
});
