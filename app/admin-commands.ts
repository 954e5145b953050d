/**
 * Admin commands of the `anxin` CLI: exports (suggestions, raw responses, statistics, spot
 * checks), spot-check sampling and outcomes, and wave targets. Wired into cli.ts with
 * `registerAdminCommands(program)`.
 *
 * Exports stream page by page to a file or stdout, with a progress bar on stderr when stderr is
 * a terminal.
 */
import { createWriteStream } from "node:fs";
import type { Writable } from "node:stream";
import { Command, InvalidArgumentError, Option } from "commander";
import { parseDatabaseUrl } from "../prisma/database-url.js";
import type { DatabaseTarget } from "../prisma/database-url.js";
import type { Store, SuggestionQuery, SuggestionStatus, ExportSource } from "../core/model/index.js";
import { BulkReader } from "../prisma/bulk-reader.js";
import { migrate } from "../prisma/migrate.js";
import { loadConfig, officeTimeZone } from "./config.js";
import { computeOutreachFigures, outreachOptionsFor } from "../core/admin/outreach-figures.js";
import { isLang, type Lang } from "../core/engine/types.js";
import { at } from "../core/admin/i18n.js";
import { EXPORT_FORMATS, writeExport, type ExportFormat, type ExportTable } from "../core/admin/export-writers.js";
import { parseLocalDateTime } from "../core/util/time-zone.js";
import { computeReport, ReportRequestError, resolveWave, waveMeasures } from "../core/admin/stats-service.js";
import { responsesTable, spotChecksTable, statsTables, suggestionsTable } from "../core/admin/tables.js";
import { computeDriversReport, driversTable } from "../core/admin/drivers.js";
import { drawSpotChecks, isOutcome, spotCheckConsistency } from "../core/admin/spot-checks.js";
import { chatRecheckSettings, expireChatRechecks, queueChatRechecks } from "../core/admin/spot-check-chat.js";
import { measureName } from "../core/admin/measures.js";
import { adminSettings } from "../core/admin/settings.js";
import { TargetError } from "../core/admin/targets.js";
import { AdminService, type CheckedTarget } from "../core/admin/service.js";
import { registerVisitsExport } from "./visits-export-command.js";
import { holdYoungGeneration } from "../core/admin/memory.js";
import { registerKeywordsExport } from "./keywords-export-command.js";

/** The `--db <url>` option every admin command has. */
export interface DbOption {
  db?: string;
}

interface ExportOptions extends DbOption {
  wave?: string;
  region?: string;
  since?: string;
  status?: string;
  tag?: string;
  search?: string;
  level?: number;
  excludeFlagged?: boolean;
  minGroup?: number;
  format: ExportFormat;
  out?: string;
  lang: Lang;
}

/** A one-line CLI error (runCli prints its message). */
export class AdminCliError extends Error {}

// Deliberately not imported at the top: loading Prisma costs ~50 MB, and exports of raw responses
// and suggestions run without it (see bench/export.ts).
const SUGGESTION_STATUSES: readonly SuggestionStatus[] = ["new", "read", "forwarded", "answered"];

function targetOf(options: DbOption): DatabaseTarget {
  return options.db ? parseDatabaseUrl(options.db) : loadConfig().database;
}

/** Runs with a store on `--db` (default DATABASE_URL), migrated, and closes it afterwards. */
export async function withStore<T>(options: DbOption, run: (store: Store) => Promise<T>): Promise<T> {
  const { openDatabase } = await import("./database.js");
  const { store } = await openDatabase(targetOf(options));
  try {
    return await run(store);
  } finally {
    await store.close();
  }
}

/** Runs with a plain-SQL read-only connection (no Prisma) on a migrated database. */
async function withReader<T>(options: DbOption, run: (reader: BulkReader) => Promise<T>): Promise<T> {
  const target = targetOf(options);
  await migrate(target);
  const reader = await BulkReader.open(target);
  try {
    return await run(reader);
  } finally {
    await reader.close();
  }
}

const integer = (name: string, min: number) => (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be a whole number ≥ ${min}`);
  return n;
};

const share = (value: string): number => {
  const n = Number(value);
  if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError("must be between 0 and 1, e.g. 0.05");
  return n;
};

const langOption = () =>
  new Option("--lang <lang>", "language of headers and labels: zh-CN, zh-TW or en").default("zh-CN").argParser((value: string) => {
    if (!isLang(value)) throw new InvalidArgumentError("zh-CN, zh-TW or en");
    return value;
  });

const formatOption = () => new Option("--format <format>", "csv (UTF-8 with BOM), xlsx or json (JSON lines)").choices(EXPORT_FORMATS as string[]).default("csv");

/** A progress bar on stderr (only when stderr is a terminal). */
export function progressBar(total: number, label: string, stream: NodeJS.WriteStream = process.stderr): { tick(): void; done(): void } {
  if (!stream.isTTY) return { tick() {}, done() {} };
  let count = 0;
  let last = 0;
  const draw = () => {
    const ratio = total > 0 ? Math.min(1, count / total) : 1;
    const width = 30;
    const filled = Math.round(ratio * width);
    stream.write(`\r${label} [${"█".repeat(filled)}${"░".repeat(width - filled)}] ${(ratio * 100).toFixed(0).padStart(3)}% ${count}/${total}`);
  };
  draw();
  return {
    tick() {
      count += 1;
      const t = Date.now();
      if (t - last > 100) {
        last = t;
        draw();
      }
    },
    done() {
      draw();
      stream.write("\n");
    },
  };
}

async function runExport(source: ExportSource, kind: "suggestions" | "responses" | "stats" | "drivers" | "spot-checks", options: ExportOptions): Promise<void> {
  const lang = options.lang;
  const now = new Date();
  const zone = officeTimeZone();
  const settings = adminSettings(options.minGroup ? { minGroupSize: options.minGroup } : {});
  const waves = await source.listWaves();
  const waveNames = new Map(waves.map((w) => [w.id, w.name]));
  const region = options.region ? await source.getRegionByCode(options.region) : null;
  if (options.region && !region) throw new AdminCliError(`no region with code ${options.region}`);
  let tables: ExportTable[];
  let total = 0;
  switch (kind) {
    case "suggestions": {
      const query: SuggestionQuery = {};
      if (options.wave) {
        const wave = await resolveWave(source, options.wave, now);
        if (!wave) throw new AdminCliError(`no wave ${options.wave}`);
        query.waveId = wave.id;
      }
      if (region) query.regionPath = region.path;
      if (options.since) {
        // A date is the office's day (midnight office time); an offset in the text wins.
        const since = new Date(parseLocalDateTime(options.since, zone) ?? Date.parse(options.since));
        if (Number.isNaN(since.getTime())) throw new AdminCliError(`--since: not a date: ${options.since}`);
        query.since = since;
      }
      if (options.status) {
        const statuses = options.status.split(",");
        const bad = statuses.filter((s) => !(SUGGESTION_STATUSES as readonly string[]).includes(s));
        if (bad.length > 0) throw new AdminCliError(`--status: ${bad.join(", ")} (use ${SUGGESTION_STATUSES.join(", ")})`);
        query.status = statuses as SuggestionStatus[];
      }
      if (options.tag) query.tag = options.tag;
      if (options.search) query.search = options.search;
      total = await source.countSuggestions(query);
      tables = [suggestionsTable(source, query, lang, waveNames)];
      break;
    }
    case "responses": {
      const wave = await resolveWave(source, options.wave, now);
      if (!wave) throw new AdminCliError(options.wave ? `no wave ${options.wave}` : "there is no survey wave yet");
      const { questionnaire, quality } = await waveMeasures(source, wave, settings);
      const query = { waveIds: [wave.id], ...(region ? { regionPath: region.path } : {}) };
      total = await source.countResponses(query);
      tables = [
        await responsesTable(source, {
          query,
          questionnaire,
          lang,
          regions: await source.listRegions(),
          quality,
          minGroupSize: settings.minGroupSize,
          waveNames,
        }),
      ];
      break;
    }
    case "stats": {
      try {
        const report = await computeReport(source, {
          ...(options.wave ? { waveId: options.wave } : {}),
          ...(region ? { regionCode: region.code } : {}),
          ...(options.level !== undefined ? { level: options.level } : {}),
          excludeFlagged: options.excludeFlagged ?? false,
          settings,
          now,
        });
        tables = statsTables(report, lang, await computeOutreachFigures(source, outreachOptionsFor(report)));
      } catch (error) {
        if (error instanceof ReportRequestError) throw new AdminCliError(error.message);
        throw error;
      }
      break;
    }
    case "drivers": {
      try {
        const report = await computeDriversReport(source, {
          ...(options.wave ? { waveId: options.wave } : {}),
          ...(region ? { regionCode: region.code } : {}),
          ...(options.level !== undefined ? { level: options.level } : {}),
          settings,
          now,
        });
        tables = [driversTable(report, lang)];
      } catch (error) {
        if (error instanceof ReportRequestError) throw new AdminCliError(error.message);
        throw error;
      }
      break;
    }
    case "spot-checks": {
      const wave = await resolveWave(source, options.wave, now);
      if (!wave) throw new AdminCliError("no such wave");
      const checks = await source.listSpotChecks(wave.id);
      total = checks.length;
      tables = [spotChecksTable(checks, lang, new Map((await source.listRegions()).map((r) => [r.code, r])))];
      break;
    }
  }
  if (options.format === "xlsx" && !options.out && process.stdout.isTTY) throw new AdminCliError("--out <file> is needed for xlsx (a spreadsheet cannot be shown in a terminal)");
  const out: Writable = options.out ? createWriteStream(options.out) : process.stdout;
  const bar = progressBar(total, at(lang, "cli.progress"));
  const { rows } = await writeExport(tables, options.format, out, { onRow: () => bar.tick(), timeZone: zone });
  bar.done();
  if (options.out) process.stderr.write(`${at(lang, "cli.exported", { rows, file: options.out })}\n`);
}

/** Adds `export`, `sample` and `targets` commands to the `anxin` program. */
export function registerAdminCommands(program: Command): Command {
  const exportCommand = program.command("export").description("export suggestions, raw responses, statistics, spot checks or household visits (CSV with BOM, XLSX or JSON lines)");
  for (const kind of ["suggestions", "responses", "stats", "drivers", "spot-checks"] as const) {
    const command = exportCommand
      .command(kind)
      .description(
        {
          suggestions: "residents' suggestions, newest first",
          responses: "raw answers: one row per response, question and option labels in --lang",
          stats: "every figure with n and 95% CI: overall against targets, trend, regions, channels, survey modes, hot problems, quality",
          drivers: "drivers of feeling unsafe and of dissatisfaction: odds ratios with 95% CI and p-values from a logistic regression of the wave's completed responses, ranked; small levels suppressed",
          "spot-checks": "the spot-check list for verifiers, with the phone numbers residents shared",
        }[kind],
      )
      .option("--db <url>", "database URL instead of DATABASE_URL")
      .option("--wave <id-or-name>", "survey wave (default: the current one)")
      .option("--region <code>", "only this region and the regions under it")
      .addOption(formatOption())
      .addOption(langOption())
      .option("--out <file>", "write to this file (default: stdout)");
    if (kind === "suggestions") {
      command
        .option("--since <date>", "created on or after, e.g. 2026-11-01")
        .option("--status <list>", `comma-separated: ${SUGGESTION_STATUSES.join(", ")}`)
        .option("--tag <tag>", "with this tag")
        .option("--search <text>", "text contains");
    }
    if (kind === "drivers") command.option("--level <n>", "region level of the region factor (0 = top; default: the first level with several regions)", integer("--level", 0));
    if (kind === "stats") {
      command.option("--level <n>", "region level to break down by (0 = top)", integer("--level", 0)).option("--exclude-flagged", "leave out speeders and straight-liners");
    }
    if (kind === "stats" || kind === "responses" || kind === "drivers") command.option("--min-group <n>", "suppress groups smaller than this (default 10)", integer("--min-group", 2));
    command.action(async (options: ExportOptions) => {
      // This process now only streams the export (bench/export.ts measures the memory it saves).
      holdYoungGeneration();
      await withReader(options, (reader) => runExport(reader, kind, options));
    });
  }
  // Visits are read through the store (keyset pages), not the plain-SQL reader: app/visits-export-command.ts.
  registerVisitsExport(exportCommand, withStore);
  registerKeywordsExport(exportCommand, withStore);

  const sample = program.command("sample").description("telephone spot checks of completed questionnaires");
  sample
    .command("draw")
    .description("draw a stratified random sample of completed responses (stored with its seed)")
    .option("--db <url>", "database URL instead of DATABASE_URL")
    .option("--wave <id-or-name>", "survey wave (default: the current one)")
    .option("--share <p>", "share of completed responses, 0–1", share, 0.05)
    .option("--min-per-stratum <n>", "at least this many per stratum", integer("--min-per-stratum", 0), 2)
    .option("--level <n>", "region level of the strata (0 = top)", integer("--level", 0), 1)
    .option("--seed <text>", "seed (default: random; printed so the draw can be repeated)")
    .addOption(new Option("--method <method>", "how the drawn questionnaires are checked: phone (a verifier calls), chat (two answers re-asked in chat: `anxin sample reask`) or visit").choices(["phone", "chat", "visit"]).default("phone"))
    .action(async (options: DbOption & { wave?: string; share: number; minPerStratum: number; level: number; seed?: string; method: "phone" | "chat" | "visit" }) => {
      await withStore(options, async (store) => {
        const wave = await resolveWave(store, options.wave, new Date());
        if (!wave) throw new AdminCliError("no such wave");
        const result = await drawSpotChecks(store, { waveId: wave.id, share: options.share, minPerStratum: options.minPerStratum, level: options.level, ...(options.seed ? { seed: options.seed } : {}), method: options.method, now: new Date() });
        console.log(`wave ${wave.name}: drew ${result.created} new spot check(s) from ${result.sample.population} completed responses in ${result.sample.strata.length} strata (${result.existing} already drawn); seed ${result.seed}`);
      });
    });
  sample
    .command("list")
    .description("list the spot checks of a wave for verifiers (CSV on stdout, or --format/--out)")
    .option("--db <url>", "database URL instead of DATABASE_URL")
    .option("--wave <id-or-name>", "survey wave (default: the current one)")
    .addOption(formatOption())
    .addOption(langOption())
    .option("--out <file>", "write to this file (default: stdout)")
    .action(async (options: ExportOptions) => {
      await withReader(options, (reader) => runExport(reader, "spot-checks", options));
    });
  sample
    .command("record")
    .description("record the outcome of a spot check")
    .argument("<spot-check-id>", "the id from `anxin sample list`")
    .argument("<outcome>", "consistent, inconsistent or unreachable")
    .option("--db <url>", "database URL instead of DATABASE_URL")
    .option("--verifier <name>", "who made the call")
    .option("--notes <text>", "notes")
    .action(async (id: string, outcome: string, options: DbOption & { verifier?: string; notes?: string }) => {
      if (!isOutcome(outcome)) throw new AdminCliError(`outcome must be consistent, inconsistent or unreachable (got ${JSON.stringify(outcome)})`);
      await withStore(options, async (store) => {
        const saved = await store.recordSpotCheck(id, { outcome, verifier: options.verifier ?? null, notes: options.notes ?? null, now: new Date() });
        if (!saved) throw new AdminCliError(`no spot check ${id}`);
        console.log(`spot check ${id}: ${outcome}`);
      });
    });
  sample
    .command("reask")
    .description("re-ask two answers in chat for the wave's open spot checks drawn with --method chat (the running `anxin start` asks them and records the outcomes)")
    .option("--db <url>", "database URL instead of DATABASE_URL")
    .option("--wave <id-or-name>", "survey wave (default: the current one)")
    .option("--limit <n>", "at most this many (default: all)", integer("--limit", 1))
    .action(async (options: DbOption & { wave?: string; limit?: number }) => {
      await withStore(options, async (store) => {
        const wave = await resolveWave(store, options.wave, new Date());
        if (!wave) throw new AdminCliError("no such wave");
        const result = await queueChatRechecks(store, { waveId: wave.id, ...(options.limit !== undefined ? { limit: options.limit } : {}), now: new Date() });
        console.log(
          `wave ${wave.name}: ${result.queued} spot check(s) queued for a re-check in chat (${result.remaining} more not queued); the running Anxin asks them within ${chatRecheckSettings().intervalSeconds} s and records the outcomes (no reply within ${chatRecheckSettings().replyDays} days: unreachable)`,
        );
      });
    });
  sample
    .command("expire")
    .description("record as unreachable the re-checks in chat not answered in time (the running `anxin start` does this by itself)")
    .option("--db <url>", "database URL instead of DATABASE_URL")
    .option("--days <n>", "days a queued re-check may wait to be asked (default SPOT_CHECK_CHAT_DAYS, 7)", integer("--days", 1))
    .addOption(langOption())
    .action(async (options: DbOption & { days?: number; lang: Lang }) => {
      await withStore(options, async (store) => {
        const result = await expireChatRechecks(store, { now: new Date(), lang: options.lang, replyDays: options.days ?? chatRecheckSettings().replyDays });
        console.log(`re-checks in chat recorded unreachable: ${result.noReply} without a reply, ${result.notDelivered} never delivered`);
      });
    });
  sample
    .command("report")
    .description("the consistency rate of a wave's spot checks, with its 95% CI")
    .option("--db <url>", "database URL instead of DATABASE_URL")
    .option("--wave <id-or-name>", "survey wave (default: the current one)")
    .action(async (options: DbOption & { wave?: string }) => {
      await withStore(options, async (store) => {
        const wave = await resolveWave(store, options.wave, new Date());
        if (!wave) throw new AdminCliError("no such wave");
        const checks = await store.listSpotChecks(wave.id);
        const c = spotCheckConsistency(checks);
        const pending = checks.filter((x) => !x.outcome).length;
        const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
        console.log(
          c.rate
            ? `wave ${wave.name}: consistency ${pct(c.rate.value)} (95% CI ${pct(c.rate.ci.lower)}–${pct(c.rate.ci.upper)}, n=${c.rate.n}); consistent ${c.consistent}, inconsistent ${c.inconsistent}, unreachable ${c.unreachable}, not yet checked ${pending}`
            : `wave ${wave.name}: no spot check reached a resident yet (${checks.length} drawn, ${pending} not yet checked)`,
        );
      });
    });

  const targets = program.command("targets").description("benchmark figures (e.g. provincial and municipal averages) per wave");
  targets
    .command("list")
    .description("the measures of a wave (ids to set targets for) and the targets already set")
    .option("--db <url>", "database URL instead of DATABASE_URL")
    .option("--wave <id-or-name>", "survey wave (default: the current one)")
    .addOption(langOption())
    .action(async (options: DbOption & { wave?: string; lang: Lang }) => {
      await withStore(options, async (store) => {
        const wave = await resolveWave(store, options.wave, new Date());
        if (!wave) throw new AdminCliError("no such wave");
        const report = await computeReport(store, { waveId: wave.id });
        const set = await store.waveTargets(wave.id);
        console.log(`wave ${wave.name} (${wave.id})`);
        for (const m of report.measures.filter((x) => x.scalar)) {
          const mine = set.filter((t) => t.measureId === m.spec.id).map((t) => `${t.label}=${t.value}`);
          console.log(`  ${m.spec.id.padEnd(28)} ${measureName(m, options.lang)}${mine.length > 0 ? `  [${mine.join(", ")}]` : ""}`);
        }
      });
    });
  targets
    .command("set")
    .description("set a target, e.g. anxin targets set --measure safety_overall.rate --label 省均 --value 0.953 (rates as 0–1)")
    .option("--db <url>", "database URL instead of DATABASE_URL")
    .option("--wave <id-or-name>", "survey wave (default: the current one)")
    .requiredOption("--measure <id>", "measure id from `anxin targets list`")
    .requiredOption("--label <label>", "e.g. 省均 (provincial average)")
    .requiredOption("--value <number>", "rates as proportions 0–1, indices as scores", (v: string) => {
      const n = Number(v);
      if (!Number.isFinite(n)) throw new InvalidArgumentError("a number");
      return n;
    })
    .action(async (options: DbOption & { wave?: string; measure: string; label: string; value: number }) => {
      await withStore(options, async (store) => {
        const admin = new AdminService(store);
        const wave = await admin.waves.resolve(options.wave);
        if (!wave) throw new AdminCliError("no such wave");
        let target: CheckedTarget;
        try {
          target = await admin.targets.set(wave, { measure: options.measure, label: options.label, value: options.value }, "stored", { id: null, via: "cli" });
        } catch (error) {
          if (error instanceof TargetError) throw new AdminCliError(`${error.message} (--value takes rates as proportions 0–1; \`anxin targets list\` shows the measures)`);
          throw error;
        }
        console.log(`wave ${wave.name}: ${target.measure.spec.id} ${target.label} = ${target.value}`);
      });
    });
  return program;
}
