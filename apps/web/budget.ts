import { gzipSync } from "node:zlib";
import type { Plugin, Rolldown } from "vite";

type OutputBundle = Rolldown.OutputBundle;
type OutputChunk = Rolldown.OutputChunk;

/**
 * Fails the build when a first page's JavaScript is over `maxKb` gzipped: the entry chunk with
 * everything it imports statically, plus the heaviest route (a lazy chunk and its own static
 * imports), i.e. the most a browser loads before the page it landed on renders.
 */
export function bundleBudget(maxKb: number): Plugin {
  // A development build (NODE_ENV=development: React's development bundle, as scripts/dev.sh
  // builds it) is not what ships: its size is reported, never held to the budget.
  let production = true;
  return {
    name: "p2p-bundle-budget",
    apply: "build",
    configResolved(config) {
      production = config.isProduction;
    },
    generateBundle(_options, bundle: OutputBundle) {
      const chunk = (name: string) => bundle[name] as OutputChunk | undefined;
      const gzipped = new Map<string, number>();
      const size = (name: string) => {
        let bytes = gzipped.get(name);
        if (bytes === undefined) {
          bytes = gzipSync(chunk(name)?.code ?? "", { level: 9 }).length;
          gzipped.set(name, bytes);
        }
        return bytes;
      };
      const closure = (name: string, seen = new Set<string>()) => {
        if (seen.has(name)) return seen;
        seen.add(name);
        for (const imported of chunk(name)?.imports ?? []) closure(imported, seen);
        return seen;
      };
      const entry = Object.values(bundle).find((o): o is OutputChunk => o.type === "chunk" && o.isEntry);
      if (!entry) return;
      const shell = closure(entry.fileName);
      let worst = { route: "(none)", bytes: 0 };
      for (const route of entry.dynamicImports) {
        const bytes = [...closure(route)].filter((n) => !shell.has(n)).reduce((sum, n) => sum + size(n), 0);
        if (bytes > worst.bytes) worst = { route, bytes };
      }
      const kb = ([...shell].reduce((sum, n) => sum + size(n), 0) + worst.bytes) / 1024;
      const line = `first page JavaScript: at most ${kb.toFixed(1)} KB gzipped (budget ${maxKb} KB; heaviest route ${worst.route})`;
      if (kb > maxKb && production) this.error(`over budget: ${line}`);
      this.info(line);
    },
  };
}
