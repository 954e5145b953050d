/**
 * Start-up figures for `npm run bench`: `anxin --help`, and `anxin start` until it serves on a
 * database that already exists (migrated, questionnaire loaded: the second start), each the
 * median of several runs, with the start of a bare `node` in the same run as the baseline.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const ANXIN = join(ROOT, "tools/anxin.js");
const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 5);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function timed(args: string[], env: NodeJS.ProcessEnv = process.env): number {
  const start = performance.now();
  const result = spawnSync(process.execPath, args, { env, stdio: "ignore" });
  if (result.status !== 0) throw new Error(`node ${args.join(" ")} exited with ${result.status}`);
  return performance.now() - start;
}

/** Milliseconds from spawning `anxin start` to its "Anxin is running" line; then stops it. */
function timeToServe(dir: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, [ANXIN, "start"], {
      cwd: dir,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: `file:${join(dir, "anxin.db")}`, DATA_DIR: dir, PORT: "0", LOG_LEVEL: "warn" },
      stdio: ["ignore", "pipe", "ignore"],
    });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes("Anxin is running")) {
        const ms = performance.now() - start;
        child.kill("SIGTERM");
        child.once("close", () => resolve(ms));
      }
    });
    child.once("error", reject);
    child.once("close", (code) => {
      if (!out.includes("Anxin is running")) reject(new Error(`anxin start exited with ${code}`));
    });
  });
}

/** Runs the start-up benchmark; returns the lines to print. */
export async function benchStartup(): Promise<string[]> {
  const bare = median(Array.from({ length: RUNS }, () => timed(["-e", ""])));
  const help = median(Array.from({ length: RUNS }, () => timed([ANXIN, "--help"])));
  const dir = mkdtempSync(join(tmpdir(), "anxin-startup-"));
  try {
    const first = await timeToServe(dir);
    const again: number[] = [];
    for (let i = 0; i < RUNS; i++) again.push(await timeToServe(dir));
    const serve = median(again);
    return [
      `bare node start (baseline): ${bare.toFixed(0)} ms (median of ${RUNS})`,
      `anxin --help: ${help.toFixed(0)} ms = ${(help / bare).toFixed(1)}× bare node (target ≤ 500 ms)`,
      `anxin start to serving, existing database: ${serve.toFixed(0)} ms = ${(serve / bare).toFixed(1)}× bare node (target ≤ 1,000 ms); first start with migrations: ${first.toFixed(0)} ms`,
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Run alone: `npx tsx bench/startup.ts`.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const line of await benchStartup()) console.log(line);
}
