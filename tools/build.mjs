// Compiles the `anxin` command once (npm install runs this through tools/setup.mjs) so that a start
// does not transpile TypeScript: esbuild bundles app/cli.ts and everything it imports from app/,
// core/, bots/ and prisma/ into dist/, ESM for Node 20, one chunk per lazily imported command group
// (code splitting), with source maps. Packages stay external — native and dynamically loaded ones
// (better-sqlite3, the Prisma runtime, Wechaty's puppets, playwright-core …) load from
// node_modules as before — except a few plain-JavaScript ones made of hundreds of small modules,
// which a start would otherwise resolve and load one by one (BUNDLED).
//
// Files are named by content and written atomically (temporary name, then rename), and the build
// is published by renaming dist/manifest.json into place last. So processes that start while
// another rebuilds (tests spawn many) see either the old build or the new one, never half of each.
//
// The manifest lists every source the bundle was made from with its mtime: tools/anxin.js runs the
// build only while all of them are unchanged, and rebuilds first otherwise (see freshness()).
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** The build's folder (gitignored) and its manifest's name there. */
export const OUT_DIR = "dist";
export const MANIFEST = "manifest.json";

/** Files that change the output without being bundled sources: this script and the compiler settings. */
const BUILD_INPUTS = ["tools/build.mjs", "tsconfig.json"];

/**
 * Packages compiled into the build: pure JavaScript that reads no files of its own, loaded by
 * `anxin start` as ~900 modules (echarts and zrender ~590, zod ~95, yaml ~70) that become a few
 * chunks. Only this code uses them, so no other package sees a second copy.
 */
const BUNDLED = new Set(["echarts", "zrender", "zod", "yaml"]);

/** Where running processes list the built files they use (one `<pid>.json` each), so no build removes them. */
const PINS = "pins";

/**
 * Unused files of earlier builds are kept this long: a process that has read the manifest but not
 * yet pinned its files must still find them.
 */
const KEEP_UNPINNED_MS = 10 * 60 * 1000;

/**
 * Code that finds files next to itself (`new URL("./public/", import.meta.url)`, the Prisma client's
 * `__dirname`) must find them where the sources are, not in dist/. Every `import.meta.url` of a
 * source becomes that source's own URL, computed relative to the built chunk, so the checkout
 * stays movable and every asset (questionnaire YAML, tips, public folders, migrations, the field
 * page's engine sources) is read from where it has always been.
 */
function sourceUrlPlugin(outdir) {
  return {
    name: "source-import-meta-url",
    setup(build) {
      build.onLoad({ filter: /\.[cm]?ts$/ }, (args) => {
        const text = readFileSync(args.path, "utf8");
        if (!text.includes("import.meta.url")) return undefined;
        const fromChunk = relative(outdir, args.path).split(sep).join("/");
        const contents = text.replaceAll("import.meta.url", `new URL(${JSON.stringify(fromChunk)}, import.meta.url).href`);
        return { contents, loader: "ts" };
      });
    },
  };
}

/** Leaves every package but BUNDLED to Node, imported from node_modules at run time. */
const externalPackages = {
  name: "external-packages",
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith("node:")) return { external: true };
      const parts = args.path.split("/");
      const name = args.path.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
      return BUNDLED.has(name) ? undefined : { external: true };
    });
  },
};

/** Writes `bytes` to `file` unless it is there already (names are content hashes), atomically. */
function writeOnce(file, bytes) {
  try {
    statSync(file);
    return;
  } catch {
    // Not there yet: written below.
  }
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, bytes);
  renameSync(temporary, file);
}

/**
 * Builds dist/ under `root` (default: this checkout) and returns the manifest written.
 * Throws on any compile error (nothing is published then).
 */
export async function build({ root = ROOT } = {}) {
  const { build: esbuild } = await import("esbuild");
  const started = Date.now();
  const outdir = join(root, OUT_DIR);
  mkdirSync(outdir, { recursive: true });
  const result = await esbuild({
    absWorkingDir: root,
    entryPoints: { cli: join(root, "app/cli.ts") },
    outdir,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    // Bundled CommonJS (yaml) requires Node's built-in modules: ESM has no `require` of its own.
    banner: { js: 'import { createRequire as __anxinRequire } from "node:module"; const require = __anxinRequire(import.meta.url);' },
    sourcemap: "linked",
    sourcesContent: false,
    entryNames: "[name]-[hash]",
    chunkNames: "chunk-[hash]",
    metafile: true,
    write: false,
    logLevel: "silent",
    plugins: [externalPackages, sourceUrlPlugin(outdir)],
  });
  for (const file of result.outputFiles) writeOnce(file.path, file.contents);
  // Lazily imported modules are entry points of their own when splitting; the command's is app/cli.ts.
  const entry = Object.entries(result.metafile.outputs).find(([, output]) => output.entryPoint === "app/cli.ts")?.[0];
  if (!entry) throw new Error("esbuild produced no entry point");
  // A bundled package changes only with an install, which rewrites its package.json: that one
  // file stands for its hundreds of modules, so that checking freshness stays cheap.
  const inputs = Object.keys(result.metafile.inputs).filter((input) => !input.includes("node_modules/"));
  const sources = [...inputs, ...[...BUNDLED].map((name) => `node_modules/${name}/package.json`), ...BUILD_INPUTS];
  const manifest = {
    entry: basename(entry),
    files: result.outputFiles.map((file) => basename(file.path)),
    sources: Object.fromEntries(sources.map((source) => [source, recordedMtime(statSync(join(root, source)).mtimeMs, started)])),
  };
  const temporary = join(outdir, `${MANIFEST}.${process.pid}.tmp`);
  writeFileSync(temporary, JSON.stringify(manifest));
  renameSync(temporary, join(outdir, MANIFEST));
  prune(outdir, new Set(manifest.files));
  return manifest;
}

/**
 * A source's mtime as the manifest keeps it. A source written while esbuild read the tree (or just
 * before: file times lag the clock a little) may be in the bundle as it was before, so it is
 * recorded as changed (-1), and the next run builds again.
 */
function recordedMtime(mtimeMs, started) {
  return mtimeMs >= started - 1000 ? -1 : mtimeMs;
}

/** The first problem of a failed build, on one line: esbuild's first error with its place. */
export function buildProblem(error) {
  const first = error?.errors?.[0];
  if (first) return first.location ? `${first.location.file}:${first.location.line}: ${first.text}` : first.text;
  return (error instanceof Error ? error.message : String(error)).split("\n")[0];
}

/**
 * Records that this process runs a build made of `files` until it exits: a long-running `anxin
 * start` imports some chunks only when first needed (a workbook upload …), after other commands
 * may have rebuilt. Best effort: where dist/ is read-only nothing is rebuilt there either.
 */
export function pin(files, root = ROOT) {
  const file = join(root, OUT_DIR, PINS, `${process.pid}.json`);
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(files));
    process.once("exit", () => rmSync(file, { force: true }));
  } catch {
    // Unpinned files are still kept for KEEP_UNPINNED_MS.
  }
}

/** The files pinned by processes still running (the pins of ended ones are removed). */
function pinnedFiles(outdir) {
  const pinned = new Set();
  const dir = join(outdir, PINS);
  let names = [];
  try {
    names = readdirSync(dir);
  } catch {
    return pinned;
  }
  for (const name of names) {
    const pid = Number.parseInt(name, 10);
    try {
      process.kill(pid, 0);
    } catch (error) {
      // EPERM: running, under another user.
      if (error?.code !== "EPERM") {
        rmSync(join(dir, name), { force: true });
        continue;
      }
    }
    try {
      for (const file of JSON.parse(readFileSync(join(dir, name), "utf8"))) pinned.add(file);
    } catch {
      // Removed as its process ended.
    }
  }
  return pinned;
}

/** Removes the files of earlier builds that no running process uses. */
function prune(outdir, current) {
  const keep = new Set([...current, ...pinnedFiles(outdir), MANIFEST, PINS]);
  const now = Date.now();
  for (const name of readdirSync(outdir)) {
    if (keep.has(name)) continue;
    const file = join(outdir, name);
    try {
      if (now - statSync(file).mtimeMs > KEEP_UNPINNED_MS) rmSync(file, { force: true });
    } catch {
      // Removed by a concurrent build.
    }
  }
}

/**
 * Whether the build under `root` may run: `{ entry, files }` (its path, its files) when every source it was made
 * from still has the recorded mtime, else `{ reason }`. Reads one small file and stats a few
 * hundred, a few milliseconds.
 */
export function freshness(root = ROOT) {
  const outdir = join(root, OUT_DIR);
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(join(outdir, MANIFEST), "utf8"));
  } catch {
    return { reason: "no build" };
  }
  for (const [source, mtimeMs] of Object.entries(manifest.sources)) {
    let now;
    try {
      now = statSync(join(root, source)).mtimeMs;
    } catch {
      return { reason: `${source} is gone` };
    }
    if (now !== mtimeMs) return { reason: `${source} changed` };
  }
  return { entry: join(outdir, manifest.entry), files: manifest.files };
}

// Run alone: `node tools/build.mjs`.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  const manifest = await build();
  console.log(`built ${OUT_DIR}/${manifest.entry} from ${Object.keys(manifest.sources).length} sources in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
