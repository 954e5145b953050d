/**
 * `anxin export visits`: every recorded household visit, one row per visit (core/field/visits-table.ts),
 * as CSV (UTF-8 with BOM), XLSX or JSON lines, streamed from the store page by page so that memory
 * stays flat. Filters: one officer, a region subtree, a period of office days. Registered under
 * `anxin export` by admin-commands.ts.
 */
import { createWriteStream } from "node:fs";
import type { Writable } from "node:stream";
import { Command, InvalidArgumentError, Option } from "commander";
import type { FieldQuery, Store } from "../core/model/index.js";
import { isLang, type Lang } from "../core/engine/types.js";
import { at } from "../core/admin/i18n.js";
import { EXPORT_FORMATS, writeExport, type ExportFormat } from "../core/admin/export-writers.js";
import { visitsTable } from "../core/field/visits-table.js";
import { parseAccount } from "../core/outreach/invitations.js";
import { parseLocalDateTime } from "../core/util/time-zone.js";
import { officeTimeZone } from "./config.js";

interface VisitsExportOptions {
  db?: string;
  officer?: string;
  region?: string;
  since?: string;
  until?: string;
  format: ExportFormat;
  lang: Lang;
  output?: string;
  out?: string;
}

/** Thrown for an option that names nothing (the CLI prints the message). */
export class VisitsExportError extends Error {}

const DAY_MS = 24 * 3600 * 1000;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * A `--since` / `--until` in the office's time: a date is that office day's midnight, and for
 * `--until` the midnight after it, so that `--until 2026-12-07` takes the whole 7th in. A time
 * with an offset is taken as written.
 */
export function periodBound(text: string, zone: string, end: boolean, option: string): Date {
  const start = parseLocalDateTime(text, zone) ?? Date.parse(text);
  if (Number.isNaN(start)) throw new VisitsExportError(`${option}: not a date: ${text}`);
  // The next calendar day's midnight, parsed as such rather than 24 h later: exact across a
  // daylight-saving change too.
  if (!end || !DATE_ONLY.test(text.trim())) return new Date(start);
  const next = new Date(Date.parse(`${text.trim()}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);
  return new Date(parseLocalDateTime(next, zone) ?? start + DAY_MS);
}

/** The officer `--officer` names: a chat account (`telegram:123`) or an officer's id. */
async function officerOf(store: Store, text: string): Promise<string> {
  const account = parseAccount(text);
  const identity = account ? await store.findIdentity(account.platform, account.userId) : null;
  const officer = await store.getOfficer(identity?.residentId ?? text.trim());
  if (!officer) throw new VisitsExportError(`--officer: ${text} is not an officer or admin`);
  return officer.id;
}

/**
 * Adds `visits` under `anxin export`. `withStore` opens the database of `--db` (default
 * DATABASE_URL): visits are read through the store, which pages them by key.
 */
export function registerVisitsExport(exportCommand: Command, withStore: <T>(options: { db?: string }, run: (store: Store) => Promise<T>) => Promise<T>): Command {
  return exportCommand
    .command("visits")
    .description("household visits, one row per visit, oldest first: officer, village, address, head, leaflet, tips, survey outcome (no phone numbers)")
    .option("--db <url>", "database URL instead of DATABASE_URL")
    .option("--officer <account-or-id>", "one officer's visits: a chat account like telegram:123456789, or the officer's id")
    .option("--region <code>", "only this region and the regions under it")
    .option("--since <date>", "visited on or after, e.g. 2026-11-01 (office time)")
    .option("--until <date>", "visited on or before this day, e.g. 2026-11-30 (office time)")
    .addOption(new Option("--format <format>", "csv (UTF-8 with BOM), xlsx or json (JSON lines)").choices(EXPORT_FORMATS as string[]).default("csv"))
    .addOption(
      new Option("--lang <lang>", "language of headers and labels: zh-CN, zh-TW or en").default("zh-CN").argParser((value: string) => {
        if (!isLang(value)) throw new InvalidArgumentError("zh-CN, zh-TW or en");
        return value;
      }),
    )
    .option("--output <file>", "write to this file (default: stdout)")
    .addOption(new Option("--out <file>", "the same as --output, as the other exports spell it").hideHelp())
    .action(async (options: VisitsExportOptions) => {
      const file = options.output ?? options.out;
      if (options.format === "xlsx" && !file && process.stdout.isTTY) throw new VisitsExportError("--output <file> is needed for xlsx (a spreadsheet cannot be shown in a terminal)");
      const zone = officeTimeZone();
      await withStore(options, async (store) => {
        const query: FieldQuery = {};
        if (options.officer) query.officerId = await officerOf(store, options.officer);
        if (options.region) {
          const region = await store.getRegionByCode(options.region);
          if (!region) throw new VisitsExportError(`no region with code ${options.region}`);
          query.regionPath = region.path;
        }
        if (options.since) query.since = periodBound(options.since, zone, false, "--since");
        if (options.until) query.until = periodBound(options.until, zone, true, "--until");
        const out: Writable = file ? createWriteStream(file) : process.stdout;
        const { rows } = await writeExport([visitsTable(store, query, options.lang)], options.format, out, { timeZone: zone });
        // Addresses and heads of household are personal data: who took them out, and how many, is audited.
        await store.audit(null, "export", "visits", { via: "cli", format: options.format, rows, officer: query.officerId ?? null, region: options.region ?? null });
        if (file) process.stderr.write(`${at(options.lang, "cli.exported", { rows, file })}\n`);
      });
    });
}
