/**
 * What grew between two heap snapshots, per unit (e.g. per subscription): object counts and self
 * sizes by constructor (closures by function name, V8 internals by their type), largest first.
 *
 *   node --max-old-space-size=8192 --import tsx bench/heap-diff.ts <before.heapsnapshot> <after.heapsnapshot> <units> [rows]
 *
 * `pnpm bench:live` with BENCH_HEAP_SNAPSHOT=1 writes the snapshots (before, sockets, subscriptions).
 */
import { readFileSync } from "node:fs";

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

/** count and self size per kind of object. */
function tally(file: string): Map<string, { count: number; size: number }> {
  const snap = JSON.parse(readFileSync(file, "utf8")) as Snapshot;
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const width = fields.length;
  const [typeAt, nameAt, sizeAt] = ["type", "name", "self_size"].map((f) => fields.indexOf(f)) as [
    number,
    number,
    number,
  ];
  const out = new Map<string, { count: number; size: number }>();
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + typeAt] as number] as string;
    const name = snap.strings[snap.nodes[i + nameAt] as number] ?? "";
    // Strings and numbers by type only (their names are their values).
    const key =
      type === "object" || type === "native"
        ? name
        : type === "closure"
          ? `closure ${name || "(anonymous)"}`
          : type === "hidden" || type === "object shape" || type === "array"
            ? `(${type}) ${name.length > 40 ? `${name.slice(0, 40)}…` : name}`
            : `(${type})`;
    const entry = out.get(key) ?? { count: 0, size: 0 };
    entry.count++;
    entry.size += snap.nodes[i + sizeAt] as number;
    out.set(key, entry);
  }
  return out;
}

const [a, b, unitsArg, rowsArg] = process.argv.slice(2);
if (!a || !b || !unitsArg) {
  console.error("usage: heap-diff.ts <before> <after> <units> [rows]");
  process.exit(2);
}
const units = Number(unitsArg);
const before = tally(a);
const after = tally(b);
const rows = [...after].map(([key, { count, size }]) => {
  const was = before.get(key) ?? { count: 0, size: 0 };
  return { key, count: (count - was.count) / units, bytes: (size - was.size) / units };
});
rows.sort((x, y) => y.bytes - x.bytes);
const total = rows.reduce((n, r) => n + r.bytes, 0);
console.log(`per unit (${units}): ${(total / 1024).toFixed(2)} KiB of self size in total`);
console.log("| objects per unit | bytes per unit | constructor / kind |");
console.log("|---:|---:|---|");
for (const r of rows.slice(0, Number(rowsArg ?? 40))) {
  if (Math.abs(r.bytes) < 8) continue;
  console.log(`| ${r.count.toFixed(2)} | ${r.bytes.toFixed(0)} | ${r.key.replaceAll("|", "\\|")} |`);
}
