/**
 * Start-up figures for `npm run bench`: `anxin --help`, and `anxin start` until it serves on a
 * database that already exists (migrated, questionnaire loaded: the second start), each the
 * median of several runs (BENCH_STARTUP_RUNS, default 5), with the start of a bare `node` in the
 * same run as the baseline. Each is measured as installed (the compiled build in dist/, rebuilt
 * before a run if the sources changed, outside the timing) and, alternating with it, from the
 * TypeScript sources through tsx (ANXIN_FROM_SOURCE=1: how `anxin` ran before the build step).
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build, freshness } from "../tools/build.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const ANXIN = join(ROOT, "tools/anxin.js");
const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 5);

/** How `anxin` runs: the build in dist/, or the sources through tsx. */
type Mode = "built" | "source";

/** Makes sure the next built run finds a build that matches the sources, so no run times a rebuild. */
async function ensureBuilt(): Promise<void> {
  if (!freshness(ROOT).entry) await build({ root: ROOT });
}

function modeEnv(mode: Mode): NodeJS.ProcessEnv {
  return mode === "source" ? { ANXIN_FROM_SOURCE: "1" } : {};
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function timed(args: string[], env: NodeJS.ProcessEnv = {}): number {
  const start = performance.now();
  const result = spawnSync(process.execPath, args, { env: { ...process.env, ...env }, stdio: "ignore" });
  if (result.status !== 0) throw new Error(`node ${args.join(" ")} exited with ${result.status}`);
  return performance.now() - start;
}

/**
 * CPU milliseconds (user + system) a process has used so far, from /proc (Linux; NaN elsewhere):
 * on a loaded machine the wall time counts other processes' turns too, this does not.
 */
function cpuMs(pid: number | undefined): number {
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
}

/** Clock ticks per second of /proc's CPU times (USER_HZ: 100 on Linux). */
const CLOCK_TICKS = 100;

/** Time from spawning `anxin start` to its "Anxin is running" line (wall and the process's CPU, ms); then stops it. */
function timeToServe(dir: string, mode: Mode): Promise<{ wall: number; cpu: number }> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, [ANXIN, "start"], {
      cwd: dir,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: `file:${join(dir, "anxin.db")}`, DATA_DIR: dir, PORT: "0", LOG_LEVEL: "warn", ...modeEnv(mode) },
      stdio: ["ignore", "pipe", "ignore"],
    });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes("Anxin is running")) {
        const times = { wall: performance.now() - start, cpu: cpuMs(child.pid) };
        child.kill("SIGTERM");
        child.once("close", () => resolve(times));
      }
    });
    child.once("error", reject);
    child.once("close", (code) => {
      if (!out.includes("Anxin is running")) reject(new Error(`anxin start exited with ${code}`));
    });
  });
}

/** Milliseconds of `anxin --help`. */
async function timeHelp(mode: Mode): Promise<number> {
  if (mode === "built") await ensureBuilt();
  return timed([ANXIN, "--help"], modeEnv(mode));
}

/** Runs the start-up benchmark; returns the lines to print. */
export async function benchStartup(): Promise<string[]> {
  await ensureBuilt();
  const bare = median(Array.from({ length: RUNS }, () => timed(["-e", ""])));
  const help: Record<Mode, number[]> = { built: [], source: [] };
  for (let i = 0; i < RUNS; i++) for (const mode of ["built", "source"] as const) help[mode].push(await timeHelp(mode));
  const dir = mkdtempSync(join(tmpdir(), "anxin-startup-"));
  try {
    await ensureBuilt();
    const first = await timeToServe(dir, "built");
    const serve: Record<Mode, { wall: number; cpu: number }[]> = { built: [], source: [] };
    for (let i = 0; i < RUNS; i++) {
      for (const mode of ["built", "source"] as const) {
        if (mode === "built") await ensureBuilt();
        serve[mode].push(await timeToServe(dir, mode));
      }
    }
    const how = (mode: Mode) => (mode === "built" ? "compiled, as installed" : "TypeScript through tsx, before the build step");
    const helpLine = (mode: Mode) => {
      const ms = median(help[mode]);
      return `anxin --help (${how(mode)}): ${ms.toFixed(0)} ms = ${(ms / bare).toFixed(1)}× bare node (target ≤ 500 ms)`;
    };
    const serveLine = (mode: Mode) => {
      const wall = median(serve[mode].map((run) => run.wall));
      const cpu = median(serve[mode].map((run) => run.cpu));
      return `anxin start to serving, existing database (${how(mode)}): ${wall.toFixed(0)} ms = ${(wall / bare).toFixed(1)}× bare node (target ≤ 1,000 ms); CPU ${cpu.toFixed(0)} ms`;
    };
    return [
      `bare node start (baseline): ${bare.toFixed(0)} ms (median of ${RUNS})`,
      helpLine("built"),
      helpLine("source"),
      serveLine("built"),
      serveLine("source"),
      `anxin start, first start with migrations (compiled): ${first.wall.toFixed(0)} ms`,
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Run alone: `npx tsx bench/startup.ts`.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const line of await benchStartup()) console.log(line);
}
