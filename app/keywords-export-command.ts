/**
 * `anxin export keywords`: what residents' suggestions talk about (core/insight/keywords.ts) — the
 * terms most suggestions use, for one wave, optionally broken down by region, each with the ids of
 * the suggestions that use it. Registered under `anxin export` by admin-commands.ts.
 */
import { createWriteStream } from "node:fs";
import type { Writable } from "node:stream";
import { Command, InvalidArgumentError, Option } from "commander";
import type { Store, SuggestionQuery } from "../core/model/index.js";
import { isLang, type Lang } from "../core/engine/types.js";
import { at } from "../core/admin/i18n.js";
import { EXPORT_FORMATS, writeExport, type ExportFormat } from "../core/admin/export-writers.js";
import { resolveWave } from "../core/admin/stats-service.js";
import { keywordsTable, suggestionKeywords } from "../core/insight/keywords-table.js";
import { officeTimeZone } from "./config.js";

interface KeywordsExportOptions {
  db?: string;
  wave?: string;
  region?: string;
  level?: number;
  top: number;
  minSuggestions: number;
  minGroup: number;
  format: ExportFormat;
  lang: Lang;
  out?: string;
}

/** Thrown for an option that names nothing (the CLI prints the message). */
export class KeywordsExportError extends Error {}

function integer(name: string, min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} takes a whole number from ${min} to ${max}`);
    return n;
  };
}

/**
 * Adds `keywords` under `anxin export`. `withStore` opens the database of `--db` (default
 * DATABASE_URL); the suggestions of the wave are read page by page and held as text only.
 */
export function registerKeywordsExport(exportCommand: Command, withStore: <T>(options: { db?: string }, run: (store: Store) => Promise<T>) => Promise<T>): Command {
  return exportCommand
    .command("keywords")
    .description("what suggestions talk about: the terms most suggestions use (Chinese and English), with the ids of the suggestions that use each")
    .option("--db <url>", "database URL instead of DATABASE_URL")
    .option("--wave <id-or-name>", "survey wave (default: the current one)")
    .option("--region <code>", "only this region and the regions under it")
    .option("--level <n>", "also break down by the regions at this level (0 = top)", integer("--level", 0, 10))
    .option("--top <n>", "terms per group", integer("--top", 1, 500), 30)
    .option("--min-suggestions <n>", "a term must be used by at least this many suggestions", integer("--min-suggestions", 1, 1_000_000), 2)
    .option("--min-group <n>", "regions with fewer suggestions are not broken out", integer("--min-group", 2, 1_000_000), 10)
    .addOption(new Option("--format <format>", "csv (UTF-8 with BOM), xlsx or json (JSON lines)").choices(EXPORT_FORMATS as string[]).default("csv"))
    .addOption(
      new Option("--lang <lang>", "language of headers and region names: zh-CN, zh-TW or en").default("zh-CN").argParser((value: string) => {
        if (!isLang(value)) throw new InvalidArgumentError("zh-CN, zh-TW or en");
        return value;
      }),
    )
    .option("--out <file>", "write to this file (default: stdout)")
    .action(async (options: KeywordsExportOptions) => {
      if (options.format === "xlsx" && !options.out && process.stdout.isTTY) throw new KeywordsExportError("--out <file> is needed for xlsx (a spreadsheet cannot be shown in a terminal)");
      await withStore(options, async (store) => {
        const wave = await resolveWave(store, options.wave, new Date());
        if (options.wave && !wave) throw new KeywordsExportError(`no such wave: ${options.wave}`);
        const query: SuggestionQuery = wave ? { waveId: wave.id } : {};
        if (options.region) {
          const region = await store.getRegionByCode(options.region);
          if (!region) throw new KeywordsExportError(`no region with code ${options.region}`);
          query.regionPath = region.path;
        }
        const { groups } = await suggestionKeywords(store, query, options.lang, {
          top: options.top,
          minSuggestions: options.minSuggestions,
          minGroupSize: options.minGroup,
          ...(options.level === undefined ? {} : { level: options.level }),
        });
        if (groups[0]!.keywords.length === 0) process.stderr.write(`${at(options.lang, "keywords.none", { min: options.minSuggestions })}\n`);
        const out: Writable = options.out ? createWriteStream(options.out) : process.stdout;
        const { rows } = await writeExport([keywordsTable(groups, options.lang, wave?.name ?? null)], options.format, out, { timeZone: officeTimeZone() });
        await store.audit(null, "export", "keywords", { via: "cli", format: options.format, rows, wave: wave?.id ?? null, region: options.region ?? null });
        if (options.out) process.stderr.write(`${at(options.lang, "cli.exported", { rows, file: options.out })}\n`);
      });
    });
}
