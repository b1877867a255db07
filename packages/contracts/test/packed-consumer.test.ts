/**
 * What an app outside this workspace gets: the packed @p2p/schemas, @p2p/contracts and @p2p/client
 * tarballs (their `prepack` builds dist/), installed with their npm dependencies into a temporary
 * package, then type-checked (bundler and NodeNext resolution, no skipLibCheck) and run in Node.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../..", import.meta.url));
const packages = ["schemas", "contracts", "client"] as const;
/** The server's packages: none of them may reach a consumer. */
const serverPackages =
  /^(@p2p\+api|kysely|mongodb|ioredis|pg|hono|@hono\+|bullmq|pino|@aws-sdk\+|argon2|supertokens-node)@/;

interface Result {
  code: number;
  output: string;
}

function run(command: string, args: string[], cwd: string): Promise<Result> {
  // pnpm passes its own settings down as npm_config_*; the consumer must install as a stranger would.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !/^(npm_|pnpm_config_|INIT_CWD$)/i.test(key)),
  );
  return new Promise((resolve) => {
    execFile(command, args, { cwd, env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ code, output: `$ ${command} ${args.join(" ")} (in ${cwd})\n${stdout}${stderr}` });
    });
  });
}

async function mustRun(command: string, args: string[], cwd: string): Promise<void> {
  const result = await run(command, args, cwd);
  if (result.code !== 0) throw new Error(result.output);
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name)));
}

/** Every check here would pass if the router's types were `any`; together they cannot. */
const consumerSource = `
import { type AppRouter, createClient, type RouterInputs, type RouterOutputs, TRPCClientError } from "@p2p/client";
import { type AppErrorCode, type Post, ServerInfo } from "@p2p/contracts";

/** true only when A and B are the same type; \`any\` equals nothing but \`any\`. */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const expectType = <T extends true>(): T | undefined => undefined;

const client = createClient({ url: "http://localhost:3000", token: () => "token" });

// Outputs, as RouterOutputs and as a call's result.
expectType<Equal<RouterOutputs["system"]["info"], { version: string; time: Date }>>();
expectType<Equal<Awaited<ReturnType<typeof client.system.info.query>>, { version: string; time: Date }>>();
expectType<Equal<RouterOutputs["forums"]["listPosts"]["items"][number], Post>>();
expectType<Equal<Post["replies"], Post[]>>();
// Inputs.
expectType<Equal<RouterInputs["auth"]["signIn"]["email"], string>>();
expectType<Equal<RouterInputs["system"]["info"], void>>();
// The schemas, with their types.
expectType<Equal<ReturnType<typeof ServerInfo.parse>, RouterOutputs["system"]["info"]>>();
// Errors carry the server's error shape.
declare const error: TRPCClientError<AppRouter>;
expectType<Equal<NonNullable<typeof error.data>["appCode"], AppErrorCode>>();
// Subscription events.
client.forums.onTopic.subscribe(
  { topicId: "t" },
  {
    onData: (event) => {
      expectType<Equal<typeof event.id, string>>();
      if (event.data.type === "post.liked") expectType<Equal<typeof event.data.likeCount, number>>();
    },
  },
);

// Mistakes are compile errors.
// @ts-expect-error no such procedure
client.system.nope.query();
// @ts-expect-error no such output field
(await client.system.info.query()).nope;
// @ts-expect-error an input of the wrong type
client.auth.signIn.mutate({ email: 1, password: "x" });
// @ts-expect-error a query is not a mutation
client.system.info.mutate();
`;

const runtimeSource = `
import { createClient } from "@p2p/client";
import { ServerInfo } from "@p2p/contracts";
const client = createClient({ url: "http://127.0.0.1:9" });
const info = ServerInfo.parse({ version: "1.2.3", time: new Date(0) });
console.log(JSON.stringify({ query: typeof client.system.info.query, version: info.version }));
client.close();
`;

const tsconfig = (module: "ESNext" | "NodeNext", moduleResolution: "Bundler" | "NodeNext") => ({
  compilerOptions: {
    target: "ES2022",
    module,
    moduleResolution,
    // ESNext.Disposable: @trpc/server's own declarations use it.
    lib: ["ES2023", "ESNext.Disposable", "DOM", "DOM.Iterable"],
    strict: true,
    noEmit: true,
    // Our declarations are checked too, not only their use.
    skipLibCheck: false,
    types: [],
  },
  files: ["consumer.ts"],
});

describe("@p2p/contracts and @p2p/client, packed and installed outside the workspace", () => {
  let dir: string;
  let consumer: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "p2p-packed-consumer-"));
    const tarballDir = join(dir, "tarballs");
    consumer = join(dir, "consumer");
    await mkdir(consumer, { recursive: true });

    // In dependency order; each package's prepack builds its dist/ (turbo, cached).
    const tarballs: Record<string, string> = {};
    for (const name of packages) {
      await mustRun("pnpm", ["pack", "--pack-destination", tarballDir], join(root, "packages", name));
      const file = (await readdir(tarballDir)).find((f) => f.startsWith(`p2p-${name}-`));
      if (!file) throw new Error(`pnpm pack wrote no tarball for @p2p/${name}`);
      tarballs[`@p2p/${name}`] = `file:${join(tarballDir, file)}`;
    }

    const typescript = JSON.parse(await readFile(join(root, "node_modules/typescript/package.json"), "utf8"));
    await writeFile(
      join(consumer, "package.json"),
      JSON.stringify({
        name: "p2p-consumer",
        private: true,
        type: "module",
        dependencies: tarballs,
        devDependencies: { typescript: typescript.version },
        // The packed manifests name each other by version (pnpm rewrites workspace:*); these are not on npm.
        pnpm: { overrides: tarballs },
      }),
    );
    await writeFile(join(consumer, "consumer.ts"), consumerSource);
    await writeFile(join(consumer, "runtime.mjs"), runtimeSource);
    await writeFile(join(consumer, "tsconfig.bundler.json"), JSON.stringify(tsconfig("ESNext", "Bundler")));
    await writeFile(join(consumer, "tsconfig.nodenext.json"), JSON.stringify(tsconfig("NodeNext", "NodeNext")));
    await mustRun(
      "pnpm",
      ["install", "--prefer-offline", "--no-frozen-lockfile", "--ignore-workspace", "--reporter=append-only"],
      consumer,
    );
  }, 600_000); // builds + install take ~30 s of CPU; the margin is for a loaded machine

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("installs no @p2p/api and none of the server's dependencies", async () => {
    expect((await readdir(join(consumer, "node_modules/@p2p"))).sort()).toEqual(["client", "contracts", "schemas"]);
    const installed = await readdir(join(consumer, "node_modules/.pnpm"));
    expect(installed.filter((p) => p.startsWith("@p2p+"))).toHaveLength(3);
    expect(installed.filter((p) => p.startsWith("@p2p+") && !p.includes("@file+"))).toEqual([]);
    expect(installed.filter((p) => serverPackages.test(p))).toEqual([]);
  });

  it.each(packages)("@p2p/%s ships dist/ only: declarations, JavaScript, imports of its dependencies", async (name) => {
    const pkgDir = join(consumer, "node_modules/@p2p", name);
    const manifest = JSON.parse(await readFile(join(pkgDir, "package.json"), "utf8"));
    const files = await filesUnder(pkgDir);
    expect(files).toContain("dist/index.d.ts");
    expect(files).toContain("dist/index.js");
    expect(files.filter((f) => f !== "package.json" && !f.startsWith("dist/"))).toEqual([]);
    expect(files.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))).toEqual([]);

    const dependencies = Object.keys(manifest.dependencies ?? {});
    expect(dependencies).not.toContain("@p2p/api");
    const foreign: string[] = [];
    for (const file of files.filter((f) => f.startsWith("dist/"))) {
      const text = await readFile(join(pkgDir, file), "utf8");
      for (const [, specifier = ""] of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*)["']([^"']+)["']/g)) {
        const ownFile = /^\.\/[\w.-]+\.js$/.test(specifier);
        const dependency = dependencies.some((d) => specifier === d || specifier.startsWith(`${d}/`));
        if (!ownFile && !dependency) foreign.push(`${file}: ${specifier}`);
      }
    }
    expect(foreign).toEqual([]);
  });

  it.each([
    ["bundler", "tsconfig.bundler.json"],
    ["NodeNext", "tsconfig.nodenext.json"],
  ])(
    "type-checks a consumer with exact router types (%s resolution)",
    async (_, config) => {
      const result = await run(join(consumer, "node_modules/.bin/tsc"), ["-p", config], consumer);
      expect(result.code, result.output).toBe(0);
    },
    180_000,
  );

  it("runs in Node: the packed JavaScript resolves and the schemas parse", async () => {
    const result = await run(process.execPath, ["runtime.mjs"], consumer);
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain('{"query":"function","version":"1.2.3"}');
  }, 60_000);
});
