/**
 * Builds dist/ for consumers outside the workspace (`pnpm --filter @p2p/contracts build`):
 *
 * - dist/index.js and dist/index.d.ts from src/index.ts;
 * - dist/router.d.ts: the declaration TypeScript emits for packages/api/src/trpc/router.ts (every
 *   procedure's input and output written out in full), with the server's context type replaced by
 *   `object`. A client never sees `ctx`, and its type (AppDeps: kysely, mongodb, ioredis, …) would
 *   otherwise drag the API's sources and the server's dependencies into the package.
 *
 * The build fails on type errors that can change the router's type (schemas, contracts, the tRPC setup,
 * the domain routers), when the router's declaration still refers to anything but @trpc/server and
 * @p2p/schemas (e.g. a procedure whose output is a type from the API's sources instead of a schema:
 * give it an `.output()` schema from @p2p/schemas), and when it has `any` in it.
 * packages/contracts/test/packed-consumer.test.ts packs and installs the result outside the workspace.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
// TypeScript 7 (the workspace's tsc) ships no compiler API yet; this script uses TypeScript 6's.
import ts from "typescript6";

const pkgDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const packagesDir = resolve(pkgDir, "..");
const distDir = join(pkgDir, "dist");
const entry = join(pkgDir, "src/index.ts");
const apiRouter = join(packagesDir, "api/src/trpc/router.ts");
/** Packages the emitted router declaration may import: dependencies of @p2p/contracts. */
const allowedImports = [/^@trpc\/server(\/|$)/, /^@p2p\/schemas$/];

function fail(message: string): never {
  console.error(`@p2p/contracts build: ${message}`);
  process.exit(1);
}

const host: ts.FormatDiagnosticsHost = {
  getCanonicalFileName: (f) => f,
  getCurrentDirectory: () => pkgDir,
  getNewLine: () => "\n",
};

function compilerOptions(): ts.CompilerOptions {
  const parsed = ts.getParsedCommandLineOfConfigFile(join(pkgDir, "tsconfig.json"), undefined, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => fail(ts.formatDiagnostic(d, host)),
  });
  if (!parsed) fail("cannot read tsconfig.json");
  return {
    ...parsed.options,
    noEmit: false,
    declaration: true,
    // The API's router is a root file (so that it is emitted at all); outputs are mapped below.
    rootDir: packagesDir,
    outDir: join(pkgDir, ".emit"),
  };
}

/** The router's root config `{ ctx; meta; errorShape; transformer }`, as printed in the declaration. */
function isRootConfig(node: ts.Node): node is ts.TypeLiteralNode {
  if (!ts.isTypeLiteralNode(node)) return false;
  const names = node.members.map((m) => (m.name && ts.isIdentifier(m.name) ? m.name.text : ""));
  return names.includes("ctx") && names.includes("errorShape") && names.includes("transformer");
}

/** A procedure's or the router's type parameters `{ …; meta; errorShape }`: procedure metadata lives here. */
function hasMeta(node: ts.Node): node is ts.TypeLiteralNode {
  if (!ts.isTypeLiteralNode(node)) return false;
  const names = node.members.map((m) => (m.name && ts.isIdentifier(m.name) ? m.name.text : ""));
  return names.includes("meta") && names.includes("errorShape");
}

/**
 * Replaces `ctx: <server context>` with `ctx: object` wherever the router's config is spelled out,
 * and `meta: <procedure metadata>` (access and REST mapping, server-side only) with `meta: object`.
 */
function eraseContext(fileName: string, text: string): string {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  let erased = 0;
  const transformer: ts.TransformerFactory<ts.SourceFile> = (context) => {
    const { factory } = context;
    const visit = (node: ts.Node): ts.Node => {
      if (isRootConfig(node) || hasMeta(node)) {
        const root = isRootConfig(node);
        if (root) erased++;
        const members = node.members.map((m) =>
          ts.isPropertySignature(m) &&
          ts.isIdentifier(m.name) &&
          ((root && m.name.text === "ctx") || m.name.text === "meta")
            ? factory.updatePropertySignature(
                m,
                m.modifiers,
                m.name,
                m.questionToken,
                factory.createKeywordTypeNode(ts.SyntaxKind.ObjectKeyword),
              )
            : (ts.visitEachChild(m, visit, context) as ts.TypeElement),
        );
        return factory.updateTypeLiteralNode(node, factory.createNodeArray(members));
      }
      return ts.visitEachChild(node, visit, context);
    };
    return (file) => ts.visitNode(file, visit) as ts.SourceFile;
  };
  const [result] = ts.transform(source, [transformer]).transformed;
  if (!result || erased === 0) fail(`found no router config ({ ctx, errorShape, transformer }) in ${fileName}`);
  const printed = ts.createPrinter({ newLine: ts.NewLineKind.LineFeed }).printFile(result);

  // Whatever the declaration still imports must be installable next to @p2p/contracts.
  const reprinted = ts.createSourceFile(fileName, printed, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const foreign = new Set<string>();
  const check = (node: ts.Node): void => {
    let specifier: ts.Node | undefined;
    if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) specifier = node.argument.literal;
    else if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) specifier = node.moduleSpecifier;
    if (specifier && ts.isStringLiteral(specifier) && !allowedImports.some((re) => re.test(specifier.text))) {
      foreign.add(specifier.text);
    }
    ts.forEachChild(node, check);
  };
  check(reprinted);
  if (foreign.size > 0) {
    fail(
      `the router's declaration refers to ${[...foreign].join(", ")}; a consumer could not resolve that. ` +
        "Procedure inputs and outputs must be types from @p2p/schemas (give the procedure an .output(Schema)).",
    );
  }
  // `any` in an input or output would type-check every use silently; only async iterators' TNext may be any.
  const anys: string[] = [];
  const findAny = (node: ts.Node): void => {
    if (node.kind === ts.SyntaxKind.AnyKeyword && !isIteratorArgument(node)) anys.push(propertyPath(node));
    ts.forEachChild(node, findAny);
  };
  findAny(reprinted);
  if (anys.length > 0) fail(`the router's type has \`any\` at ${anys.slice(0, 10).join(", ")}`);
  return printed;
}

function isIteratorArgument(node: ts.Node): boolean {
  const parent = node.parent;
  return (
    ts.isTypeReferenceNode(parent) &&
    ts.isIdentifier(parent.typeName) &&
    /^Async(Iterable|Iterator|Generator)$/.test(parent.typeName.text) &&
    parent.typeArguments?.indexOf(node as ts.TypeNode) !== 0
  );
}

/** `forums.onTopic.output`: the property names from the root to a node, for error messages. */
function propertyPath(node: ts.Node): string {
  const names: string[] = [];
  for (let n: ts.Node | undefined = node; n; n = n.parent) {
    if (ts.isPropertySignature(n) && ts.isIdentifier(n.name)) names.unshift(n.name.text);
  }
  return names.join(".");
}

/**
 * Type errors that can change the router's type: in the schemas, the contracts, the tRPC setup and the
 * domain routers. The rest of the API (services, infrastructure) is the typecheck task's business.
 */
const shapesRouter = (file: string) => {
  const path = relative(packagesDir, file).replaceAll("\\", "/");
  return (
    /^(schemas\/src|contracts\/src|api\/src\/trpc)\//.test(path) || /^api\/src\/modules\/[^/]+\/router\.ts$/.test(path)
  );
};

const options = compilerOptions();
const program = ts.createProgram({ rootNames: [entry, apiRouter], options });
const diagnostics = [
  ...program.getOptionsDiagnostics(),
  ...program.getGlobalDiagnostics(),
  ...program
    .getSourceFiles()
    .flatMap((file) => [
      ...program.getSyntacticDiagnostics(file),
      ...(shapesRouter(file.fileName) ? program.getSemanticDiagnostics(file) : []),
    ]),
];
if (diagnostics.length > 0) fail(`type errors\n${ts.formatDiagnosticsWithColorAndContext(diagnostics, host)}`);

const emitted = new Map<string, string>();
const capture: ts.WriteFileCallback = (fileName, text) => {
  emitted.set(relative(options.outDir ?? "", fileName).replaceAll("\\", "/"), text);
};
for (const [file, dtsOnly] of [
  [entry, false],
  [apiRouter, true],
] as const) {
  const result = program.emit(program.getSourceFile(file), capture, undefined, dtsOnly);
  if (result.emitSkipped || result.diagnostics.length > 0) {
    fail(`emit failed for ${file}\n${ts.formatDiagnosticsWithColorAndContext(result.diagnostics, host)}`);
  }
}

const routerDts = emitted.get("api/src/trpc/router.d.ts") ?? fail("no declaration emitted for the API's router");
const outputs: Record<string, string> = {
  "index.js": emitted.get("contracts/src/index.js") ?? fail("no index.js emitted"),
  "index.d.ts": emitted.get("contracts/src/index.d.ts") ?? fail("no index.d.ts emitted"),
  "router.d.ts": `// Generated by @p2p/contracts' scripts/build.ts from packages/api/src/trpc/router.ts.\n${eraseContext("router.d.ts", routerDts)}`,
};
rmSync(distDir, { recursive: true, force: true });
mkdirSync(distDir, { recursive: true });
for (const [name, text] of Object.entries(outputs)) writeFileSync(join(distDir, name), text);
console.log(`@p2p/contracts: wrote ${Object.keys(outputs).join(", ")} to dist/`);
