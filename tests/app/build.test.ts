/**
 * The compiled `anxin` (tools/build.mjs → dist/, run by tools/anxin.js): it says what the
 * TypeScript sources say, a build whose sources changed is rebuilt before it runs (never run
 * stale), and where building fails the sources run through tsx after one line saying so.
 * `anxin --help` lists the command groups from static descriptions: they must match the commands
 * the groups register.
 */
import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { buildCli } from "../../app/cli.js";
import { childEnv, runAnxin } from "../support/anxin-process.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

describe("anxin --help without loading the command groups", () => {
  it("lists the same commands, usages and descriptions as the full command tree", async () => {
    const listed = await buildCli(["node", "anxin", "--help"]);
    const full = await buildCli();
    expect(listed.helpInformation()).toBe(full.helpInformation());
    expect(listed.commands.map((command) => command.name())).toEqual(full.commands.map((command) => command.name()));
  });

  it("loads the group of the command asked about", async () => {
    const program = await buildCli(["node", "anxin", "help", "wave"]);
    const wave = program.commands.find((command) => command.name() === "wave");
    expect(wave?.commands.map((command) => command.name())).toContain("open");
  });
});

describe("the built command", () => {
  it("prints the same help as the TypeScript sources", async () => {
    for (const args of [["--help"], ["export", "--help"], ["db", "--help"]]) {
      const built = await runAnxin(args, { cwd: ROOT, timeoutMs: 120_000 });
      const source = await runAnxin(args, { cwd: ROOT, env: { ANXIN_FROM_SOURCE: "1" }, timeoutMs: 120_000 });
      expect(built.code, built.stderr).toBe(0);
      expect(built.stderr).toBe("");
      expect(built.stdout).toBe(source.stdout);
    }
  }, 300_000);
});

/**
 * A copy of the checkout's command: app/ and tools' launcher copied (so a test may edit them),
 * the rest linked to the real folders.
 */
function scratchCheckout(): string {
  const root = mkdtempSync(join(tmpdir(), "anxin-build-"));
  cpSync(join(ROOT, "app"), join(root, "app"), { recursive: true });
  mkdirSync(join(root, "tools"));
  for (const file of ["tools/anxin.js", "tools/build.mjs", "package.json", "tsconfig.json"]) cpSync(join(ROOT, file), join(root, file));
  for (const folder of ["core", "bots", "prisma", "locales", "node_modules"]) symlinkSync(join(ROOT, folder), join(root, folder));
  return root;
}

/** Runs the scratch checkout's `anxin --help`. */
function help(root: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, "tools/anxin.js"), "--help"], { cwd: root, env: childEnv({}), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const manifestEntry = (root: string): string => (JSON.parse(readFileSync(join(root, "dist/manifest.json"), "utf8")) as { entry: string }).entry;

describe("a build that no longer matches its sources", () => {
  const root = scratchCheckout();
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const cli = join(root, "app/cli.ts");

  it("is built on first use, then rebuilt after an edit, and what runs is the edited code", async () => {
    const first = await help(root);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toBe("");
    expect(first.stdout).toContain("database maintenance");
    const builtFirst = manifestEntry(root);
    expect(existsSync(join(root, "dist", builtFirst))).toBe(true);

    writeFileSync(cli, readFileSync(cli, "utf8").replace('"database maintenance"', '"database maintenance, edited"'));
    const edited = await help(root);
    expect(edited.code, edited.stderr).toBe(0);
    expect(edited.stderr).toBe("");
    expect(edited.stdout).toContain("database maintenance, edited");
    expect(manifestEntry(root)).not.toBe(builtFirst);
  }, 300_000);

  it("removes an earlier build's files only once no running process uses them", async () => {
    const manifestFiles = (): string[] => (JSON.parse(readFileSync(join(root, "dist/manifest.json"), "utf8")) as { files: string[] }).files;
    const age = () => {
      // Older than the grace period a process has between reading the manifest and pinning.
      const hourAgo = new Date(Date.now() - 3600_000);
      for (const name of readdirSync(join(root, "dist"))) if (name.endsWith(".js") || name.endsWith(".map")) utimesSync(join(root, "dist", name), hourAgo, hourAgo);
    };
    const edit = async (description: string) => {
      writeFileSync(cli, readFileSync(cli, "utf8").replace(/"database maintenance[^"]*"/, JSON.stringify(description)));
      const run = await help(root);
      expect(run.stdout).toContain(description);
    };
    await edit("database maintenance, pinned");
    const pinnedEntry = manifestEntry(root);
    mkdirSync(join(root, "dist/pins"), { recursive: true });
    // This test's process is running; no process has a pid above Linux's largest.
    writeFileSync(join(root, "dist/pins", `${process.pid}.json`), JSON.stringify(manifestFiles()));
    writeFileSync(join(root, "dist/pins/4194305.json"), JSON.stringify([]));
    age();
    await edit("database maintenance, rebuilt while pinned");
    expect(existsSync(join(root, "dist", pinnedEntry))).toBe(true);
    expect(existsSync(join(root, "dist/pins/4194305.json"))).toBe(false);

    rmSync(join(root, "dist/pins", `${process.pid}.json`));
    age();
    await edit("database maintenance, edited");
    expect(existsSync(join(root, "dist", pinnedEntry))).toBe(false);
  }, 300_000);

  it("runs the sources through tsx, after one line on stderr, when the build fails", async () => {
    const before = manifestEntry(root);
    // esbuild resolves every literal import up front and refuses a missing one; tsx meets it only
    // when the function runs, so the sources still serve --help.
    writeFileSync(cli, `${readFileSync(cli, "utf8").replace('"database maintenance, edited"', '"database maintenance, edited twice"')}\nexport const missing = (): Promise<unknown> => import("./no-such-module.js");\n`);
    const fallback = await help(root);
    expect(fallback.code, fallback.stderr).toBe(0);
    expect(fallback.stdout).toContain("database maintenance, edited twice");
    const lines = fallback.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^anxin: could not build dist\/ \(app\/cli\.ts changed\): .*no-such-module.*; running the TypeScript sources through tsx$/);
    // Nothing half-built was published: the manifest still names the last good build.
    expect(manifestEntry(root)).toBe(before);
  }, 300_000);
});
