import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository's root directory. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

/**
 * node's arguments in `pnpm --filter @p2p/server start` (apps/server/package.json), the script left
 * out (today V8's memory reducer off and tsx: docs/operations.md, "Node flags"). The fault tests and
 * the benchmarks start the server with them, as production does.
 */
export const serverNodeArgs: readonly string[] = JSON.parse(
  readFileSync(join(repoRoot, "apps", "server", "package.json"), "utf8"),
)
  .scripts.start.split(" ")
  .slice(1, -1);
