/**
 * The house rules of Anxin's source tree, checked from the code's own imports (docs/architecture.md
 * explains them). `npm test` runs them (tests/architecture.test.ts); run them alone with
 * `npx tsx tools/architecture.ts`.
 *
 * - `core/` is the domain: it imports no adapter (`bots/`), no composition root or CLI (`app/`),
 *   no storage (`prisma/`) and no platform, web or database package.
 * - `core/model/` (records and ports) imports nothing outside itself.
 * - `core/engine/` is the pure dialogue engine: only itself, `core/util/`, the locales and
 *   parsing packages; no Node module that does I/O.
 * - `prisma/` is the store: from the core it takes only the model and ports (and `core/util`,
 *   helpers that know nothing of the domain); never an adapter or the app.
 * - `bots/` are adapters: they never open the store (no `prisma/` import), and never hold it:
 *   no import of the `Store` port (nor of `core/model/ports.ts`); they get services instead (the
 *   runner, the admin service) or, for an outbox transport, the narrow ports `core/channel.ts` hands over.
 *   From `app/` they take only its contract modules (configuration, logger, channel context, HTTP
 *   mount, staff tokens, the start-up error), none of which reaches the store.
 * - No import circles anywhere in the source (type-only imports count: they tie files too).
 * - No source file over 800 lines.
 *
 * Imports are read with TypeScript's own pre-processor (static, `export … from`, `import()` with
 * a literal, `import type`), so comments and strings cannot fool it.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

/** One source file as the rules see it: its repo-relative path, its imports and its length. */
export interface SourceFile {
  path: string;
  /** Import specifiers as written. */
  imports: string[];
  /** The names taken from each specifier by name (see {@link importedNames}); absent where no rule needs them. */
  names?: Readonly<Record<string, readonly string[]>>;
  lines: number;
}

/** A broken rule, with the file and the import (or figure) that breaks it. */
export interface Violation {
  rule: string;
  file: string;
  detail: string;
}

/** Folders whose files are the product's source (tests, benchmarks and generated code are not). */
const SOURCE_ROOTS = ["app", "bots", "core", "prisma", "tools"];
const SOURCE_FILE = /\.(ts|mts|js|mjs)$/;
const SKIP = /(^|\/)(node_modules|generated|public)(\/|$)|\.d\.(ts|mts)$/;

/** Packages of a platform, a web server, a CLI framework, a logger or a database: none belongs in the core. */
const OUTER_PACKAGES = /^(grammy|@grammyjs\/|telegraf|wechaty|wechaty-|fastify|@fastify\/|commander|pino|@prisma\/|prisma$|better-sqlite3|pg$|ioredis|bullmq|playwright-core|qrcode|dotenv)/;
/** Node modules that do I/O or read the clock's surroundings: the pure engine uses none. */
const IMPURE_NODE = /^node:(fs|fs\/promises|net|http|https|child_process|worker_threads|os|process|dgram|dns|tls|cluster|readline|vm)$/;

/**
 * What adapters may take from the composition root: the shapes it hands them (configuration,
 * logger, channel context, HTTP mount, staff tokens, the start-up error). None of these opens the
 * store or imports an adapter, so an adapter never reaches the store through app/.
 */
const APP_CONTRACT = ["app/channels.ts", "app/config.ts", "app/errors.ts", "app/log.ts", "app/server.ts", "app/staff-auth.ts"];

/** Maximum lines of one source file. */
export const MAX_LINES = 800;

/** Lists the source files below `root` with their imports. */
export function readSources(root: string): SourceFile[] {
  const out: SourceFile[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(join(root, dir))) {
      const path = dir === "" ? name : `${dir}/${name}`;
      if (SKIP.test(path)) continue;
      const full = join(root, path);
      if (statSync(full).isDirectory()) walk(path);
      else if (SOURCE_FILE.test(name)) {
        const text = readFileSync(full, "utf8");
        out.push({ path, imports: importsOf(text), names: importedNames(text), lines: text.split("\n").length - (text.endsWith("\n") ? 1 : 0) });
      }
    }
  };
  for (const top of SOURCE_ROOTS) {
    try {
      if (statSync(join(root, top)).isDirectory()) walk(top);
    } catch {
      // A folder the tree does not have (yet) has no rules to break.
    }
  }
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

/** The import specifiers of a module's text. */
export function importsOf(text: string): string[] {
  return ts.preProcessFile(text, true, true).importedFiles.map((file) => file.fileName);
}

/**
 * The names a module takes by name from each specifier, as they are exported there (before any
 * `as`): `import { type Store as S } from "x"` and `export { Store } from "x"` both give x → Store.
 */
export function importedNames(text: string): Record<string, string[]> {
  const names: Record<string, string[]> = {};
  for (const statement of ts.createSourceFile("module.ts", text, ts.ScriptTarget.Latest).statements) {
    const from = ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement) ? statement.moduleSpecifier : undefined;
    if (!from || !ts.isStringLiteral(from)) continue;
    const named = ts.isImportDeclaration(statement) ? statement.importClause?.namedBindings : (statement as ts.ExportDeclaration).exportClause;
    if (!named || ts.isNamespaceImport(named) || ts.isNamespaceExport(named)) continue;
    const list = (names[from.text] ??= []);
    for (const element of named.elements) list.push((element.propertyName ?? element.name).text);
  }
  return names;
}

/** Resolves a relative specifier to a repo path among `known` files, or null (a package or an asset). */
export function resolveImport(from: string, specifier: string, known: ReadonlySet<string>): string | null {
  if (!specifier.startsWith(".")) return null;
  const base = normalize(join(dirname(from), specifier)).split(sep).join("/");
  const candidates = [base, base.replace(/\.js$/, ".ts"), base.replace(/\.mjs$/, ".mts"), `${base}.ts`, `${base}/index.ts`];
  return candidates.find((candidate) => known.has(candidate)) ?? null;
}

const inside = (path: string, folder: string): boolean => path === folder || path.startsWith(`${folder}/`);

/** Checks every rule over the given files; an empty list means the house stands. */
export function checkArchitecture(files: readonly SourceFile[]): Violation[] {
  const known = new Set(files.map((file) => file.path));
  const violations: Violation[] = [];
  const edges = new Map<string, string[]>();
  for (const file of files) {
    const targets: string[] = [];
    for (const specifier of file.imports) {
      const target = resolveImport(file.path, specifier, known);
      const relativeTarget = specifier.startsWith(".") ? normalize(join(dirname(file.path), specifier)).split(sep).join("/") : null;
      if (target) targets.push(target);
      const where = target ?? relativeTarget;
      const say = (rule: string): void => void violations.push({ rule, file: file.path, detail: `imports ${specifier}` });
      if (inside(file.path, "core")) {
        if (where && (inside(where, "bots") || inside(where, "app") || inside(where, "prisma") || inside(where, "tools"))) say("core imports no adapter, app or store");
        if (!specifier.startsWith(".") && OUTER_PACKAGES.test(specifier)) say("core imports no platform, server or database package");
        if (inside(file.path, "core/model") && where && !inside(where, "core/model")) say("core/model imports nothing outside itself");
        if (inside(file.path, "core/engine")) {
          if (where && !inside(where, "core/engine") && !inside(where, "core/util") && !inside(where, "locales")) say("the engine imports only itself, core/util and the locales");
          if (IMPURE_NODE.test(specifier)) say("the engine does no I/O");
        }
      }
      if (inside(file.path, "prisma") && where) {
        if (inside(where, "bots") || inside(where, "app")) say("the store imports no adapter or app");
        if (inside(where, "core") && !inside(where, "core/model") && !inside(where, "core/util")) say("the store takes only the model, the ports and core/util from the core");
      }
      if (inside(file.path, "bots") && where && inside(where, "prisma")) say("adapters never open the store");
      if (inside(file.path, "bots") && where && inside(where, "app") && !APP_CONTRACT.includes(where)) say("adapters take from app/ only its contract modules");
      if (inside(file.path, "bots") && where && inside(where, "core/model") && (where.startsWith("core/model/ports.") || file.names?.[specifier]?.includes("Store"))) say("adapters never hold the Store port");
    }
    edges.set(file.path, targets);
    if (file.lines > MAX_LINES) violations.push({ rule: `no source file over ${MAX_LINES} lines`, file: file.path, detail: `${file.lines} lines` });
  }
  for (const circle of findCircles(edges)) {
    violations.push({ rule: "no import circles", file: circle[0] ?? "", detail: circle.join(" -> ") });
  }
  return violations;
}

/** The import circles (strongly connected components of more than one file, or a file importing itself). */
export function findCircles(edges: ReadonlyMap<string, readonly string[]>): string[][] {
  // Tarjan's algorithm, iterative so a deep tree cannot overflow the stack.
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const circles: string[][] = [];
  for (const start of edges.keys()) {
    if (index.has(start)) continue;
    const work: { node: string; next: number }[] = [{ node: start, next: 0 }];
    index.set(start, counter);
    low.set(start, counter++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const targets = edges.get(frame.node) ?? [];
      if (frame.next < targets.length) {
        const target = targets[frame.next++]!;
        if (!index.has(target)) {
          index.set(target, counter);
          low.set(target, counter++);
          stack.push(target);
          onStack.add(target);
          work.push({ node: target, next: 0 });
        } else if (onStack.has(target)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, index.get(target)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let member: string | undefined;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.node);
        const selfLoop = component.length === 1 && (edges.get(frame.node) ?? []).includes(frame.node);
        if (component.length > 1 || selfLoop) circles.push(component.sort());
      }
    }
  }
  return circles;
}

/** The repository's root (this file lives in tools/). */
export const REPO_ROOT = relative(process.cwd(), join(dirname(fileURLToPath(import.meta.url)), "..")) || ".";

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const files = readSources(REPO_ROOT);
  const violations = checkArchitecture(files);
  for (const violation of violations) console.log(`${violation.rule}: ${violation.file} ${violation.detail}`);
  console.log(`${files.length} source files, ${violations.length} violation(s)`);
  process.exitCode = violations.length === 0 ? 0 : 1;
}
