/**
 * Summarizes a V8 .cpuprofile: where the samples landed by self time, per function and per owner
 * (our code, a dependency, Node internals, GC, idle). Used by bench/http.ts --profile, or alone:
 *
 *   pnpm --filter @p2p/bench exec tsx profile-summary.ts file.cpuprofile [top]
 */
import { readFileSync } from "node:fs";

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

/**
 * The samples, without those taken while bench/cpu-profile-hook.ts stops the profiler (serializing
 * the profile is sampled too, and is no part of serving requests).
 */
function loadProfile(file: string): Profile {
  const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const hook = new Map<number, boolean>();
  const underHook = (id: number): boolean => {
    const known = hook.get(id);
    if (known !== undefined) return known;
    const node = byId.get(id) as Node;
    const up = parent.get(id);
    const value = node.callFrame.url.includes("cpu-profile-hook") || (up !== undefined && underHook(up));
    hook.set(id, value);
    return value;
  };
  const samples: number[] = [];
  const timeDeltas: number[] = [];
  profile.samples.forEach((id, i) => {
    if (underHook(id)) return;
    samples.push(id);
    timeDeltas.push(profile.timeDeltas[i] ?? 0);
  });
  return { nodes: profile.nodes, samples, timeDeltas };
}

export interface Summary {
  totalMs: number;
  busyMs: number;
  owners: { owner: string; ms: number; share: number }[];
  /** Node internals and native frames charged to the nearest JS caller that is a package or ours. */
  responsible: { owner: string; ms: number; share: number }[];
  frames: { frame: string; owner: string; ms: number; share: number }[];
}

/** Who a frame belongs to: a package under node_modules, our workspace, Node itself, or V8's pseudo-frames. */
export function ownerOf(url: string, name: string): string {
  if (!url) return name.startsWith("(") ? name : "(native)";
  const pkg = url.match(/node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/)?.[1];
  if (pkg) return pkg;
  if (url.startsWith("node:")) return "node (internals)";
  const ours = url.match(/\/(packages\/[^/]+|apps\/[^/]+|bench)\//)?.[1];
  return ours ? `ours: ${ours}` : url;
}

export function summarize(file: string, top = 25): Summary {
  const profile = loadProfile(file);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parentOf = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
  const responsibleOf = (id: number): string => {
    for (let cur: number | undefined = id; cur !== undefined; cur = parentOf.get(cur)) {
      const { url, functionName } = (byId.get(cur) as Node).callFrame;
      const owner = ownerOf(url, functionName || "(anonymous)");
      if (owner === "(idle)" || owner === "(garbage collector)" || owner === "(program)") return owner;
      if (owner !== "node (internals)" && owner !== "(native)" && owner !== "(anonymous)" && owner !== "(root)")
        return owner;
    }
    return "node (internals, no JS caller: HTTP parsing, sockets, timers)";
  };
  const responsible = new Map<string, number>();
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const frames = new Map<string, { owner: string; us: number }>();
  const owners = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = (byId.get(id) as Node).callFrame;
    const name = functionName || "(anonymous)";
    const owner = ownerOf(url, name);
    const short = url.replace(/^.*node_modules\/(\.pnpm\/[^/]+\/node_modules\/)?/, "").replace(/^.*\/work\/main\//, "");
    const key = url ? `${name} ${short}:${lineNumber + 1}` : name;
    const entry = frames.get(key) ?? { owner, us: 0 };
    entry.us += us;
    frames.set(key, entry);
    owners.set(owner, (owners.get(owner) ?? 0) + us);
    const who = responsibleOf(id);
    responsible.set(who, (responsible.get(who) ?? 0) + us);
    total += us;
    if (name === "(idle)") idle += us;
  }
  const busy = total - idle;
  return {
    totalMs: total / 1000,
    busyMs: busy / 1000,
    owners: [...owners].sort((a, b) => b[1] - a[1]).map(([owner, us]) => ({ owner, ms: us / 1000, share: us / total })),
    responsible: [...responsible]
      .sort((a, b) => b[1] - a[1])
      .map(([owner, us]) => ({ owner, ms: us / 1000, share: us / total })),
    frames: [...frames]
      .sort((a, b) => b[1].us - a[1].us)
      .slice(0, top)
      .map(([frame, { owner, us }]) => ({ frame, owner, ms: us / 1000, share: us / total })),
  };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/**
 * `requests`: how many the profiled window answered; each owner's time is then also shown as µs a
 * request, so that two routes' profiles compare (a share depends on everything else in its window).
 */
export function summaryMarkdown(
  title: string,
  s: Summary,
  opts: { topOwners?: number; requests?: number } = {},
): string {
  const { topOwners = 12, requests } = opts;
  const perRequest = (ms: number) => (requests ? ` (${((ms * 1000) / requests).toFixed(1)} µs)` : "");
  return [
    `**${title}**: ${s.totalMs.toFixed(0)} ms sampled, ${pct(1 - s.busyMs / s.totalMs)} idle${requests ? `; ${requests} requests, ${((s.busyMs * 1000) / requests).toFixed(1)} µs busy a request (the profiler's own overhead included)` : ""}`,
    "",
    `| self time by owner | share${requests ? " (µs a request)" : ""} | … with Node internals charged to their caller | share${requests ? " (µs a request)" : ""} |`,
    "|---|---|---|---|",
    ...Array.from({ length: Math.min(topOwners, Math.max(s.owners.length, s.responsible.length)) }, (_, i) => {
      const o = s.owners[i];
      const r = s.responsible[i];
      return `| ${o?.owner ?? ""} | ${o ? pct(o.share) + perRequest(o.ms) : ""} | ${r?.owner ?? ""} | ${r ? pct(r.share) + perRequest(r.ms) : ""} |`;
    }),
    "",
    "| top self-time frames | owner | share |",
    "|---|---|---|",
    ...s.frames.map((f) => `| \`${f.frame.replaceAll("|", "\\|")}\` | ${f.owner} | ${pct(f.share)} |`),
    "",
  ].join("\n");
}

if (process.argv[1]?.endsWith("profile-summary.ts") && process.argv[2] && process.argv[2] !== "--inclusive") {
  console.log(summaryMarkdown(process.argv[2], summarize(process.argv[2], Number(process.argv[3] ?? 25))));
}

/**
 * Inclusive time (the frame and everything it called) of the frames whose "name url:line" matches
 * `pattern`, counting a sample once per frame even under recursion. For "what does this
 * middleware cost, dependencies included".
 */
export function inclusive(file: string, pattern: RegExp, top = 30) {
  const profile = loadProfile(file);
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const label = (n: Node) => {
    const { functionName, url, lineNumber } = n.callFrame;
    const short = url.replace(/^.*node_modules\/(\.pnpm\/[^/]+\/node_modules\/)?/, "").replace(/^.*\/work\/main\//, "");
    return url ? `${functionName || "(anonymous)"} ${short}:${lineNumber + 1}` : functionName;
  };
  const totals = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    total += us;
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const key = label(byId.get(cur) as Node);
      if (seen.has(key) || !pattern.test(key)) continue;
      seen.add(key);
      totals.set(key, (totals.get(key) ?? 0) + us);
    }
  });
  return [...totals]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([frame, us]) => ({ frame, share: us / total }));
}

if (process.argv[1]?.endsWith("profile-summary.ts") && process.argv[2] === "--inclusive") {
  const file = process.argv[3] as string;
  for (const { frame, share } of inclusive(file, new RegExp(process.argv[4] ?? "."), Number(process.argv[5] ?? 40)))
    console.log(`${pct(share).padStart(6)}  ${frame}`);
}
