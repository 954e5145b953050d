/**
 * Export benchmark: memory stays flat however many responses are exported, and the responses
 * export runs near the database's own speed.
 *
 * Generates a SQLite survey database with raw SQL inserts (200,000 responses, ~12 answers each,
 * 5 % with a suggestion), then runs each export as a user runs it (`node tools/anxin.js export …`)
 * in a child process and reports the child's peak resident set size (getrusage maxRSS: the
 * high-water mark of the whole process, Node and the TypeScript loader included), time and output
 * size. Then, on a database of `BENCH_EXPORT_RESPONSES` responses (default 1,000,000), the CSV
 * export against `sqlite3 -csv` running the equivalent pivot query (bench/export-compare.ts).
 *
 * `benchExport()` is called by bench/run.ts; `npx tsx bench/export.ts [responses]` runs it alone.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { migrate } from "../prisma/migrate.js";
import { openStore } from "../prisma/store.js";
import { storeQuestionnaire } from "../core/survey/default-survey.js";
import { loadDefaultQuestionnaire } from "../core/definitions/load.js";
import { mulberry32 } from "../core/stats/index.js";
import { compareWithSqlite, runAnxin } from "./export-compare.js";

/** The RSS limit the exports must stay under. */
export const RSS_LIMIT_MB = 200;

/** Default number of responses of the memory benchmark. */
export const BENCH_RESPONSES = 200_000;

/** Default number of responses of the comparison with sqlite3 (issue 17's target: 1,000,000). */
export const COMPARE_RESPONSES = 1_000_000;

/** A whole number from the environment, or the default. */
function countFrom(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value > 0 ? value : fallback;
}

/**
 * Writes a migrated SQLite survey database with `responses` responses (raw SQL inserts, in
 * transactions of 5,000): 5 towns × 5 villages, the default questionnaire, one wave.
 */
export async function generateSurveyDb(file: string, responses: number, seed = 20261129): Promise<{ waveId: string; seconds: number }> {
  const started = performance.now();
  const target = { provider: "sqlite" as const, file, url: `file:${file}` };
  await migrate(target);
  const store = await openStore(target);
  const villages: string[] = [];
  let waveId: string;
  try {
    await store.upsertRegion({ code: "330102", name: { "zh-CN": "上城区", "zh-TW": "上城區", en: "Shangcheng" } });
    for (let t = 1; t <= 5; t++) {
      const town = `330102${String(t).padStart(3, "0")}`;
      await store.upsertRegion({ code: town, name: { "zh-CN": `街道${t}`, "zh-TW": `街道${t}`, en: `Town ${t}` }, parentCode: "330102" });
      for (let v = 1; v <= 5; v++) {
        const village = `${town}${String(v).padStart(3, "0")}`;
        await store.upsertRegion({ code: village, name: { "zh-CN": `社区${t}-${v}`, "zh-TW": `社區${t}-${v}`, en: `Village ${t}-${v}` }, parentCode: town });
        villages.push(village);
      }
    }
    const { record } = await storeQuestionnaire(store, loadDefaultQuestionnaire(), "yaml");
    const wave = await store.createWave({ name: "bench", questionnaireId: record.id, opensAt: new Date("2026-01-01T00:00:00Z") });
    waveId = wave.id;
  } finally {
    await store.close();
  }

  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = OFF");
  const regionIds = new Map((db.prepare("SELECT code, id FROM Region").all() as { code: string; id: string }[]).map((r) => [r.code, r.id]));
  const questionnaireId = (db.prepare("SELECT questionnaireId FROM Wave WHERE id = ?").get(waveId) as { questionnaireId: string }).questionnaireId;
  const insertResident = db.prepare(`INSERT INTO Resident (id, lang, role, optedOut, createdAt, updatedAt) VALUES (?, 'zh-CN', 'resident', 0, ?, ?)`);
  const insertResponse = db.prepare(
    `INSERT INTO Response (id, residentId, waveId, questionnaireId, status, channel, regionId, startedAt, completedAt, updatedAt) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertAnswer = db.prepare(`INSERT INTO Answer (id, responseId, questionId, value, answeredAt) VALUES (?, ?, ?, ?, ?)`);
  const insertSuggestion = db.prepare(`INSERT INTO Suggestion (id, residentId, responseId, waveId, regionId, text, lang, status, tags, createdAt, updatedAt) VALUES (?, ?, ?, ?, ?, ?, 'zh-CN', 'new', '[]', ?, ?)`);

  const random = mulberry32(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const safe = ["very_safe", "safe", "basically_safe", "not_very_safe", "unsafe", "dont_know"];
  const sat = ["very_satisfied", "satisfied", "basically_satisfied", "not_very_satisfied", "dissatisfied", "dont_know"];
  const hot = ["theft", "robbery", "fraud", "gambling", "drugs", "gangs", "traffic", "schools", "markets", "venues", "disputes"];
  const channels = ["telegram", "wechat", "wechat", "web"];
  const base = Date.parse("2026-03-01T00:00:00Z");
  const iso = (ms: number) => new Date(ms).toISOString().replace("Z", "+00:00");
  const choice = (option: string) => JSON.stringify({ kind: "choice", option });
  const bool = (value: boolean) => JSON.stringify({ kind: "bool", value });

  const batch = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const id = `r${String(i).padStart(7, "0")}`;
      const start = base + i * 37_000;
      const roll = random();
      const status = roll < 0.92 ? "completed" : roll < 0.97 ? "in_progress" : "abandoned";
      const end = status === "completed" ? start + (60 + Math.floor(random() * 600)) * 1000 : null;
      insertResident.run(`res${i}`, iso(start), iso(start));
      const region = regionIds.get(pick(villages)) ?? null;
      insertResponse.run(id, `res${i}`, waveId, questionnaireId, status, pick(channels), region, iso(start), end === null ? null : iso(end), iso(end ?? start));
      const victim = random() < 0.12;
      const picked = [...new Set([pick(hot), pick(hot)])];
      const answers: [string, string][] = [
        ["safety_overall", choice(pick(safe))],
        ["safety_trend", choice(pick(["better", "same", "worse", "dont_know"]))],
        ["safety_night", choice(pick(safe))],
        ["hot_issues", JSON.stringify({ kind: "choices", options: picked })],
        ["victim", bool(victim)],
        ["heard_campaign", bool(random() < 0.7)],
        ["seen_publicity", bool(random() < 0.6)],
        ["sat_police", choice(pick(sat))],
        ["sat_conduct", choice(pick(sat))],
        ["patrols", choice(pick(["often", "sometimes", "rarely", "never"]))],
        ["age_group", choice(pick(["18-29", "30-44", "45-59", "60-69", "70_plus"]))],
      ];
      if (victim) answers.push(["reported", bool(random() < 0.6)]);
      const withSuggestion = random() < 0.05;
      if (withSuggestion) answers.push(["suggestion", JSON.stringify({ kind: "text", value: `建议第${i}条：晚上多巡逻，路灯要修。` })]);
      answers.forEach(([questionId, value], k) => insertAnswer.run(`${id}a${k}`, id, questionId, value, iso(start)));
      if (withSuggestion) insertSuggestion.run(`s${i}`, `res${i}`, id, waveId, region, `建议第${i}条：晚上多巡逻，路灯要修。`, iso(start), iso(start));
    }
  });
  for (let from = 0; from < responses; from += 5000) batch(from, Math.min(responses, from + 5000));
  db.pragma("wal_checkpoint(TRUNCATE)");
  db.close();
  return { waveId, seconds: (performance.now() - started) / 1000 };
}

/** What one export reported. */
export interface ExportRun {
  kind: string;
  format: string;
  maxRssMb: number;
  seconds: number;
  bytes: number;
}

/**
 * Runs `anxin export <kind> --format <format>` against `file` as a user runs it, in a child
 * process, and measures it (its peak RSS: getrusage maxRSS of the whole process).
 */
export async function runChildExport(file: string, kind: string, format: string, out: string, extra: readonly string[] = []): Promise<ExportRun> {
  const run = await runAnxin(["export", kind, "--db", `file:${file}`, "--format", format, "--out", out, ...extra], out);
  return { kind, format, maxRssMb: run.maxRssMb, seconds: Math.round(run.seconds * 10) / 10, bytes: run.bytes };
}

/** The benchmark: printable result lines, including the RSS claim. */
export async function benchExport(responses = BENCH_RESPONSES): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), "anxin-bench-export-"));
  const lines: string[] = [];
  try {
    const file = join(dir, "bench.db");
    const generated = await generateSurveyDb(file, responses);
    lines.push(`export: generated ${responses.toLocaleString("en")} responses (~12 answers each) by raw SQL in ${generated.seconds.toFixed(1)} s; database ${(statSync(file).size / 1e6).toFixed(0)} MB`);
    const streamed: [string, string][] = [
      ["responses", "csv"],
      ["responses", "xlsx"],
      ["responses", "json"],
      ["suggestions", "csv"],
      ["stats", "xlsx"],
      ["stats", "csv"],
    ];
    let worst = 0;
    for (const [kind, format] of streamed) {
      const run = await runChildExport(file, kind, format, join(dir, `${kind}.${format}`));
      worst = Math.max(worst, run.maxRssMb);
      lines.push(`export: ${kind.padEnd(11)} ${format.padEnd(4)} peak RSS ${run.maxRssMb.toFixed(0).padStart(4)} MB, ${run.seconds.toFixed(1).padStart(5)} s, ${(run.bytes / 1e6).toFixed(1)} MB written`);
    }
    lines.push(`export: peak RSS of every export of ${responses.toLocaleString("en")} responses ≤ ${worst.toFixed(0)} MB (limit ${RSS_LIMIT_MB} MB): ${worst < RSS_LIMIT_MB ? "OK" : "OVER THE LIMIT"}`);
    // The baseline of the same run: a process that loads the same code and exports nothing
    // (an unknown wave), so the figures above read as "this much above an idle export".
    const idle = await runChildExport(file, "suggestions", "csv", join(dir, "idle.csv"), ["--since", "2100-01-01"]);
    lines.push(`export: baseline (same command, nothing to export) peak RSS ${idle.maxRssMb.toFixed(0)} MB → worst export is ${(worst / idle.maxRssMb).toFixed(2)}× the baseline`);
    rmSync(file, { force: true });
    const compared = countFrom("BENCH_EXPORT_RESPONSES", COMPARE_RESPONSES);
    const rounds = countFrom("BENCH_EXPORT_ROUNDS", 3);
    const bigFile = join(dir, "compare.db");
    const started = performance.now();
    const big = await generateSurveyDb(bigFile, compared);
    const which = compared === COMPARE_RESPONSES ? "the default, issue 17's count" : "set by BENCH_EXPORT_RESPONSES; the target is for 1,000,000, where start-up weighs less";
    lines.push(`export vs sqlite3: generated ${compared.toLocaleString("en")} responses (${which}) in ${big.seconds.toFixed(0)} s; BENCH_EXPORT_RESPONSES=50000 for a quick run, BENCH_EXPORT_ROUNDS=… rounds (${rounds} now)`);
    lines.push(...(await compareWithSqlite(bigFile, dir, compared, rounds)));
    lines.push(`export vs sqlite3: the comparison took ${((performance.now() - started) / 60_000).toFixed(1)} min in all`);
    return lines;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const count = process.argv[2] ? Number(process.argv[2]) : BENCH_RESPONSES;
  for (const line of await benchExport(count)) console.log(line);
}
