/**
 * `anxin coverage`: door-to-door coverage per officer and village and for the whole office —
 * households assigned, visited, material delivered, surveyed in a wave (self / interviewer),
 * reached and read-confirmed in chat — against the plan's minimum of 10 households per village
 * per cadre. As a tab-separated table (for a terminal), CSV (UTF-8 with BOM, for Excel) or the
 * report as JSON. Registered by staff-command-line.ts beside the other outreach commands.
 */
import { Command, InvalidArgumentError, Option } from "commander";
import type { Store } from "../core/model/index.js";
import { isLang, type Lang } from "../core/engine/types.js";
import { parseLocalDateTime } from "../core/util/time-zone.js";
import { coverageReport, CoverageRequestError, villageName, type CoverageCounts, type CoverageReport } from "../core/outreach/coverage.js";
import { parseAccount } from "../core/outreach/invitations.js";
import { defuse, UTF8_BOM } from "../core/admin/export-writers.js";
import { officeTimeZone } from "./config.js";
import { StartupError } from "./database.js";

/** How `anxin coverage` prints the report. */
export type CoverageFormat = "table" | "csv" | "json";

/** The output formats, table first (the default). */
export const COVERAGE_FORMATS: readonly CoverageFormat[] = ["table", "csv", "json"];

interface CoverageCliOptions {
  db?: string;
  region?: string;
  officer?: string;
  wave?: string;
  broadcast?: string;
  since?: string;
  lang: Lang;
  format: CoverageFormat;
  json?: boolean;
}

/** The CSV's columns: machine-readable names, as the JSON's fields are. */
const CSV_COLUMNS = [
  "level",
  "officer_id",
  "officer",
  "village_code",
  "village",
  "assigned",
  "visited",
  "material_delivered",
  "surveyed",
  "surveyed_self",
  "surveyed_interviewer",
  "reached",
  "confirmed",
  "missing",
  "meets_minimum",
  "visits_meet_minimum",
  "complete",
] as const;

function csvField(value: string | number | boolean | null): string {
  if (value === null) return "";
  if (typeof value !== "string") return String(value);
  // Officer and village names are typed by people: no spreadsheet formulas out of them.
  const text = defuse(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const counts = (c: CoverageCounts): number[] => [c.assigned, c.visited, c.materialDelivered, c.surveyed, c.surveyedSelf, c.surveyedInterviewer, c.reached, c.confirmed, c.missing];

/**
 * The report as CSV lines: one per officer and village, a subtotal per officer (`level`
 * `officer`) and the whole office (`office`), so that a spreadsheet can filter by level.
 */
export function coverageCsv(report: CoverageReport, lang: Lang): string[] {
  const lines = [CSV_COLUMNS.join(",")];
  const line = (cells: (string | number | boolean | null)[]) => lines.push(cells.map(csvField).join(","));
  for (const officer of report.officers) {
    const name = officer.officerName ?? officer.officerId;
    for (const v of officer.villages) line(["village", officer.officerId, name, v.regionCode, villageName(v, lang), ...counts(v), v.meetsMinimum, v.visitsMeetMinimum, v.complete]);
    const t = officer.totals;
    line(["officer", officer.officerId, name, null, null, ...counts(t), t.villagesBelowMinimum === 0, t.villagesBelowVisitMinimum === 0, t.villagesComplete === t.villages]);
  }
  const t = report.totals;
  line(["office", null, null, null, null, ...counts(t), t.villagesBelowMinimum === 0, t.villagesBelowVisitMinimum === 0, t.villagesComplete === t.villages]);
  return lines;
}

const TABLE_HEADER = (min: number) => ["officer", "village", "assigned", "reached", "confirmed", "missing", `≥${min}`, "visited", "material", "surveyed", "self", "interviewer", `visited≥${min}`];

function tableRow(name: string, village: string, c: CoverageCounts, meets: string, visitsMeet: string): string {
  // The chat columns first, in the order they had before the field columns were added (scripts read them).
  return [name, village, c.assigned, c.reached, c.confirmed, c.missing, meets, c.visited, c.materialDelivered, c.surveyed, c.surveyedSelf, c.surveyedInterviewer, visitsMeet].join("\t");
}

/** The report as tab-separated lines for a terminal. */
export function coverageTable(report: CoverageReport, lang: Lang): string[] {
  const min = report.minimumPerVillage;
  const lines = [TABLE_HEADER(min).join("\t")];
  const yes = (ok: boolean) => (ok ? "yes" : "NO");
  for (const officer of report.officers) {
    const name = officer.officerName ?? officer.officerId;
    for (const v of officer.villages) lines.push(tableRow(name, villageName(v, lang), v, yes(v.meetsMinimum), yes(v.visitsMeetMinimum)));
  }
  const t = report.totals;
  lines.push(tableRow("total", `${t.villages} villages`, t, `${t.villagesBelowMinimum} below`, `${t.villagesBelowVisitMinimum} below`));
  lines.push(report.wave ? `surveyed: completed responses of wave ${report.wave.name} (${report.wave.id})` : "surveyed: there is no survey wave yet");
  return lines;
}

/** Adds `coverage` to the CLI; `withStore` opens the database of `--db` (default DATABASE_URL). */
export function registerCoverageCommand(program: Command, withStore: <T>(options: { db?: string }, run: (store: Store) => Promise<T>) => Promise<T>): Command {
  program
    .command("coverage")
    .description("door-to-door coverage per officer and village and for the whole office: households assigned, visited, material delivered, surveyed (self / interviewer), reached and confirmed in chat")
    .option("--region <code>", "villages inside this region only")
    .option("--officer <platform:user-id>", "one officer only")
    .option("--wave <id-or-name>", "responses of this wave count as surveyed (default: the current one)")
    .option("--broadcast <id>", "count deliveries of one broadcast only")
    .option("--since <date>", "count visits and deliveries since this date (YYYY-MM-DD, office time)")
    .addOption(
      new Option("--lang <lang>", "language of village names").default("zh-CN").argParser((value: string) => {
        if (!isLang(value)) throw new InvalidArgumentError("zh-CN, zh-TW or en");
        return value;
      }),
    )
    .addOption(new Option("--format <format>", "table (tab-separated), csv (UTF-8 with BOM) or json").choices(COVERAGE_FORMATS as string[]).default("table"))
    .option("--json", "the report as JSON (same as --format json)")
    .addOption(new Option("--db <url>", "database URL instead of DATABASE_URL"))
    .action(async (options: CoverageCliOptions) => {
      await withStore(options, async (store) => {
        let officerId: string | undefined;
        if (options.officer) {
          const account = parseAccount(options.officer);
          const identity = account ? await store.findIdentity(account.platform, account.userId) : null;
          if (!identity) throw new StartupError(`--officer: no account ${options.officer}`);
          officerId = identity.residentId;
        }
        // A date is the office's day (midnight office time); an offset in the text wins.
        const since = options.since ? new Date(parseLocalDateTime(options.since, officeTimeZone()) ?? Date.parse(options.since)) : undefined;
        if (since && Number.isNaN(since.getTime())) throw new StartupError(`--since: not a date: ${options.since}`);
        let report: CoverageReport;
        try {
          report = await coverageReport(store, {
            ...(options.region ? { regionCode: options.region } : {}),
            ...(officerId ? { officerId } : {}),
            ...(options.wave ? { waveId: options.wave } : {}),
            ...(options.broadcast ? { broadcastId: options.broadcast } : {}),
            ...(since ? { since } : {}),
          });
        } catch (error) {
          if (error instanceof CoverageRequestError) throw new StartupError(error.message);
          throw error;
        }
        const format = options.json ? "json" : options.format;
        if (format === "json") console.log(JSON.stringify(report, null, 2));
        else if (format === "csv") console.log(UTF8_BOM + coverageCsv(report, options.lang).join("\r\n"));
        else console.log(coverageTable(report, options.lang).join("\n"));
      });
    });
  return program;
}

