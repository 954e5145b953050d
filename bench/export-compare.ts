/**
 * Export against the database's own speed (issue 17): `anxin export responses` run as a user runs
 * it (`node tools/anxin.js …`, the script `npx anxin` starts), timed against `sqlite3 -csv` running
 * a pivot query that produces the same rows and columns from the same file, in the same run.
 *
 * The pivot does in SQL what the export does in TypeScript: one row per response, the wave's name,
 * status and mode labels, the region's code and name, start and end in office time (+08:00),
 * the two quality flags (seconds per answer; one position on every scale), and one column per
 * question with option labels (several options joined with "；", yes/no as 是/否, text as typed).
 * Labels come from a temporary table built from the questionnaire, keyed like an index, so
 * SQLite looks each one up rather than scanning. What it leaves out: the BOM, generalising small
 * regions (no region of the benchmark is small) and defusing formulas (the generated text has none).
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createWriteStream, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { localize } from "../core/engine/definition.js";
import type { Questionnaire } from "../core/engine/types.js";
import { loadDefaultQuestionnaire } from "../core/definitions/load.js";
import { measuresFromDefinition } from "../core/admin/measures.js";
import { adminSettings } from "../core/admin/settings.js";
import { qualityConfig } from "../core/admin/stats-service.js";

const ROOT = resolve(fileURLToPath(import.meta.url), "../..");
const RSS_REPORTER = join(ROOT, "bench/rss-report.mjs");

/** One timed child process. */
export interface TimedRun {
  seconds: number;
  /** Peak resident set of the process (getrusage maxRSS), when it reported it. */
  maxRssMb: number | null;
  bytes: number;
}

const quote = (text: string): string => `'${text.replace(/'/g, "''")}'`;

/**
 * The SQL script for `sqlite3 -csv -header`: a temporary label table, then the pivot of the
 * wave's responses in id order (the export's order).
 */
export function pivotScript(questionnaire: Questionnaire, waveId: string): string {
  const lang = "zh-CN";
  const fallbacks = questionnaire.languages;
  const questions = questionnaire.questions.filter((q) => q.type !== "note" && q.type !== "region" && q.type !== "phone");
  const labels: string[] = [];
  for (const q of questions) {
    if (!("options" in q)) continue;
    q.options.forEach((o, position) => labels.push(`(${quote(q.id)}, ${quote(o.id)}, ${quote(localize(o.label, lang, fallbacks))}, ${position})`));
  }
  const quality = qualityConfig(measuresFromDefinition(questionnaire), adminSettings());
  const scales = quality.straightLine.scales.map((s) => quote(s.questionId)).join(", ") || "NULL";
  const local = (column: string) => `CASE WHEN ${column} IS NULL THEN NULL ELSE strftime('%Y-%m-%dT%H:%M:%S', ${column}, '+8 hours') || '+08:00' END`;
  const cell = (q: (typeof questions)[number]): string => {
    const when = `a."questionId" = ${quote(q.id)}`;
    switch (q.type) {
      case "multiple":
        return `MAX(CASE WHEN ${when} THEN (SELECT group_concat("label", '；') FROM (SELECT m."label" FROM json_each(a."value", '$.options') j JOIN labels m ON m."q" = ${quote(q.id)} AND m."o" = j."value" ORDER BY j."key")) END)`;
      case "yesno":
        return `MAX(CASE WHEN ${when} THEN CASE json_extract(a."value", '$.value') WHEN 1 THEN '是' ELSE '否' END END)`;
      case "text":
      case "number":
        return `MAX(CASE WHEN ${when} THEN json_extract(a."value", '$.value') END)`;
      default:
        return `MAX(CASE WHEN ${when} THEN l."label" || COALESCE('；' || json_extract(a."value", '$.other'), '') END)`;
    }
  };
  const speederSeconds = quality.speeder.minSecondsPerAnswer;
  return `CREATE TEMP TABLE labels ("q" TEXT, "o" TEXT, "label" TEXT, "position" INTEGER, PRIMARY KEY ("q", "o")) WITHOUT ROWID;
INSERT INTO labels VALUES ${labels.join(", ")};
SELECT r."id" AS "response_id", w."name" AS "wave",
  CASE r."status" WHEN 'completed' THEN '已完成' WHEN 'abandoned' THEN '已放弃' ELSE '进行中' END AS "status",
  r."channel" AS "channel",
  CASE r."mode" WHEN 'interviewer' THEN '入户访问' ELSE '自填（聊天）' END AS "mode",
  r."householdId" AS "household", g."code" AS "region_code", json_extract(g."name", '$."zh-CN"') AS "region",
  ${local(`r."startedAt"`)} AS "started_at", ${local(`r."completedAt"`)} AS "completed_at",
  CASE WHEN r."completedAt" IS NOT NULL AND (julianday(r."completedAt") - julianday(r."startedAt")) * 86400.0 / COUNT(a."id") < ${speederSeconds} THEN 'true' ELSE 'false' END AS "speeder",
  CASE WHEN COUNT(CASE WHEN a."questionId" IN (${scales}) THEN l."position" END) >= ${quality.straightLine.minQuestions}
    AND COUNT(DISTINCT CASE WHEN a."questionId" IN (${scales}) THEN l."position" END) = 1 THEN 'true' ELSE 'false' END AS "straight_liner",
  ${questions.map((q) => `${cell(q)} AS "${q.id.replace(/"/g, '""')}"`).join(",\n  ")}
FROM "Response" r JOIN "Wave" w ON w."id" = r."waveId" LEFT JOIN "Region" g ON g."id" = r."regionId"
  LEFT JOIN "Answer" a ON a."responseId" = r."id"
  LEFT JOIN labels l ON l."q" = a."questionId" AND l."o" = json_extract(a."value", '$.option')
WHERE r."waveId" = ${quote(waveId)}
GROUP BY r."id" ORDER BY r."id";
`;
}

/** Runs a command, timing it; with `rssFile`, a Node command preloaded with bench/rss-report.mjs reports its peak RSS there. */
function timed(command: string, args: readonly string[], options: { stdinFile?: string; stdoutFile?: string; rssFile?: string }): Promise<TimedRun> {
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    const child = spawn(command, args, {
      cwd: ROOT,
      stdio: ["pipe", options.stdoutFile ? "pipe" : "ignore", "pipe"],
      env: { ...process.env, LOG_LEVEL: "silent", ...(options.rssFile ? { ANXIN_BENCH_RSS_FILE: options.rssFile } : {}) },
    });
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const written = options.stdoutFile ? createWriteStream(options.stdoutFile) : null;
    const flushed = written ? once(written, "finish") : Promise.resolve();
    if (written) child.stdout?.pipe(written);
    if (options.stdinFile) child.stdin?.end(readFileSync(options.stdinFile));
    else child.stdin?.end();
    child.on("error", reject);
    child.on("close", (code) => {
      const seconds = (performance.now() - started) / 1000;
      if (code !== 0) {
        reject(new Error(`${command} ${args.join(" ")} exited ${code}: ${stderr.slice(-2000)}`));
        return;
      }
      let maxRssMb: number | null = null;
      if (options.rssFile) {
        // getrusage's ru_maxrss is in kilobytes on Linux.
        maxRssMb = Math.round((Number(readFileSync(options.rssFile, "utf8")) / 1024) * 10) / 10;
        rmSync(options.rssFile, { force: true });
      }
      void flushed.then(() => resolvePromise({ seconds, maxRssMb, bytes: options.stdoutFile ? statSync(options.stdoutFile).size : 0 }), reject);
    });
  });
}

/** Runs the pivot with `sqlite3 -csv -header` on `file`, writing the CSV to `out`. */
export function runSqliteCsv(file: string, script: string, out: string): Promise<TimedRun> {
  const scriptFile = `${out}.sql`;
  writeFileSync(scriptFile, script);
  return timed(SQLITE3, ["-csv", "-header", file], { stdinFile: scriptFile, stdoutFile: out }).finally(() => rmSync(scriptFile, { force: true }));
}

/**
 * Runs `anxin <args>` as a user runs it (`node tools/anxin.js`, what `npx anxin` starts, without
 * npm's own start-up), with bench/rss-report.mjs preloaded to report the process's peak RSS.
 */
export async function runAnxin(args: readonly string[], out: string): Promise<TimedRun & { maxRssMb: number }> {
  const run = await timed(process.execPath, ["--import", RSS_REPORTER, join(ROOT, "tools/anxin.js"), ...args], { rssFile: `${out}.rss` });
  return { ...run, maxRssMb: run.maxRssMb ?? Number.NaN, bytes: statSync(out).size };
}

/** The sqlite3 command-line shell (`SQLITE3` names another). */
export const SQLITE3 = process.env.SQLITE3 ?? "sqlite3";

/** Whether the sqlite3 shell runs here. */
export function hasSqlite3(): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const child = spawn(SQLITE3, ["-version"], { stdio: "ignore" });
    child.on("error", () => resolvePromise(false));
    child.on("close", (code) => resolvePromise(code === 0));
  });
}

/** The wave of a generated benchmark database. */
function benchWaveId(file: string): string {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare(`SELECT "id" FROM "Wave" ORDER BY "opensAt" DESC LIMIT 1`).get() as { id: string }).id;
  } finally {
    db.close();
  }
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

/**
 * The comparison on a generated database of `responses` responses: `rounds` alternating rounds
 * of sqlite3's pivot and the CSV export, then one XLSX export; printable lines.
 */
export async function compareWithSqlite(file: string, dir: string, responses: number, rounds: number): Promise<string[]> {
  const count = responses.toLocaleString("en");
  if (!(await hasSqlite3())) return [`export vs sqlite3: skipped, no ${SQLITE3} command (apt install sqlite3, or set SQLITE3)`];
  const script = pivotScript(loadDefaultQuestionnaire(), benchWaveId(file));
  const cliArgs = (format: string, out: string) => ["export", "responses", "--db", `file:${file}`, "--format", format, "--out", out];
  const sqlite: TimedRun[] = [];
  const csv: (TimedRun & { maxRssMb: number })[] = [];
  for (let round = 0; round < rounds; round++) {
    const sqlOut = join(dir, "pivot.csv");
    const csvOut = join(dir, "responses.csv");
    sqlite.push(await runSqliteCsv(file, script, sqlOut));
    csv.push(await runAnxin(cliArgs("csv", csvOut), csvOut));
    rmSync(sqlOut, { force: true });
  }
  const xlsxOut = join(dir, "responses.xlsx");
  const xlsx = await runAnxin(cliArgs("xlsx", xlsxOut), xlsxOut);
  const ratios = csv.map((run, i) => run.seconds / (sqlite[i] as TimedRun).seconds);
  const ratio = median(ratios);
  const peak = Math.max(...csv.map((run) => run.maxRssMb), xlsx.maxRssMb);
  const last = csv[csv.length - 1] as TimedRun;
  return [
    `export vs sqlite3: ${count} responses, median of ${rounds} alternating round(s); the CLI as a user runs it (node tools/anxin.js export responses …)`,
    `export vs sqlite3: sqlite3 -csv pivot ${median(sqlite.map((r) => r.seconds)).toFixed(1)} s (${((sqlite[0] as TimedRun).bytes / 1e6).toFixed(0)} MB); anxin export --format csv ${median(csv.map((r) => r.seconds)).toFixed(1)} s (${(last.bytes / 1e6).toFixed(0)} MB), peak RSS ${Math.max(...csv.map((r) => r.maxRssMb)).toFixed(0)} MB`,
    `export vs sqlite3: anxin export --format xlsx ${xlsx.seconds.toFixed(1)} s (${(xlsx.bytes / 1e6).toFixed(0)} MB), peak RSS ${xlsx.maxRssMb.toFixed(0)} MB`,
    `export vs sqlite3: time ratio ${ratio.toFixed(2)}× (target ≤ 2×: ${ratio <= 2 ? "OK" : "MISSED"}; rounds ${ratios.map((r) => r.toFixed(2)).join(", ")}), peak RSS ${peak.toFixed(0)} MB (target < 200 MB: ${peak < 200 ? "OK" : "MISSED"})`,
  ];
}
