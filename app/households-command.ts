/**
 * `anxin households import | list | erase`: the dwellings officers visit, from the command line.
 * Wired into cli.ts with `registerHouseholdCommands(program)`.
 *
 *   anxin households import households.csv [--officer telegram:123] [--dry-run]   a CSV (UTF-8) or XLSX file
 *   anxin households list [--officer telegram:123] [--region 330106001] [--format table|csv|json]
 *   anxin households erase <id> --yes
 *
 * An import goes through the field service (checked row by row, one transaction, audited with the
 * command line as actor: nobody signed in); a refused one prints every problem with its line (the
 * first 50) and stores nothing. Messages are in the office language (DEFAULT_LANG, or --lang).
 */
import { readFile, stat } from "node:fs/promises";
import { Command, InvalidArgumentError, Option } from "commander";
import { isLang, type Lang } from "../core/engine/types.js";
import { maskPhone } from "../core/engine/phone.js";
import { defuse } from "../core/admin/export-writers.js";
import { FieldRequestError, type HouseholdRecord, type Store } from "../core/model/index.js";
import { EMPTY_TIP_LIBRARY } from "../core/outreach/tip-library.js";
import { FieldService, importIssueLines } from "../core/field/service.js";
import { ft } from "../core/field/i18n.js";
import { nameIn } from "../core/field/area.js";
import { withStore, type DbOption } from "./admin-commands.js";
import { officeTimeZone } from "./config.js";
import { StartupError } from "./errors.js";

/** The largest file read (a county's dwellings as CSV is a few MB). */
const MAX_FILE_BYTES = 100 * 1024 * 1024;

/** The office language: DEFAULT_LANG when it is one, else zh-CN (the configuration's default). */
function officeLang(): Lang {
  const configured = process.env.DEFAULT_LANG?.trim();
  return isLang(configured) ? configured : "zh-CN";
}

const langOption = () =>
  new Option("--lang <lang>", "language of the messages: zh-CN, zh-TW or en (default: DEFAULT_LANG, else zh-CN)").argParser((value: string) => {
    if (!isLang(value)) throw new InvalidArgumentError("zh-CN, zh-TW or en");
    return value;
  });

const dbOption = () => new Option("--db <url>", "database URL instead of DATABASE_URL");

/** The service over an open store; the command line needs no tips (it records no visits). */
function serviceOf(store: Store): FieldService {
  return new FieldService({ store, tips: EMPTY_TIP_LIBRARY, timeZone: officeTimeZone() });
}

async function readBytes(path: string, lang: Lang): Promise<Uint8Array> {
  try {
    if ((await stat(path)).size > MAX_FILE_BYTES) throw new StartupError(ft(lang, "cli.too_large", { file: path, max: MAX_FILE_BYTES / 1024 / 1024 }));
    return await readFile(path);
  } catch (error) {
    if (error instanceof StartupError) throw error;
    throw new StartupError(ft(lang, "cli.cannot_read", { file: path, reason: (error as NodeJS.ErrnoException).code ?? String(error) }));
  }
}

interface ImportOptions extends DbOption {
  officer?: string;
  dryRun?: boolean;
  lang?: Lang;
}

async function runImport(file: string, options: ImportOptions): Promise<void> {
  const lang = options.lang ?? officeLang();
  const bytes = await readBytes(file, lang);
  await withStore(options, async (store) => {
    const outcome = await serviceOf(store).importHouseholds(bytes, { officer: options.officer ?? null, dryRun: options.dryRun ?? false, actorId: null });
    if (!outcome.ok) throw new StartupError(importIssueLines(lang, outcome.issues).join("\n"));
    console.log(ft(lang, outcome.dryRun ? "cli.dry" : "cli.done", outcome.counts));
  });
}

type ListFormat = "table" | "csv" | "json";

interface ListOptions extends DbOption {
  officer?: string;
  region?: string;
  format: ListFormat;
  lang?: Lang;
}

/** The columns of `list --format csv`: the import's own, so a list can be edited and imported again. */
const CSV_COLUMNS = ["id", "village", "address", "head", "phone", "officer", "linked"] as const;

const csvCell = (text: string): string => {
  const safe = defuse(text);
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

function printList(households: readonly HouseholdRecord[], format: ListFormat, lang: Lang): void {
  if (format === "json") {
    // Full numbers: this is the office's own data for its own files, like an export.
    const rows = households.map((h) => ({ id: h.id, village: h.regionCode, villageName: nameIn(h.regionName, lang, h.regionCode), address: h.address, head: h.headName, phone: h.phone, officer: h.officerId, linked: h.residentId !== null }));
    console.log(JSON.stringify(rows, null, 2));
    return;
  }
  if (format === "csv") {
    console.log(CSV_COLUMNS.join(","));
    for (const h of households) console.log([h.id, h.regionCode, h.address, h.headName ?? "", h.phone ?? "", h.officerId ?? "", h.residentId !== null ? "true" : "false"].map(csvCell).join(","));
    return;
  }
  if (households.length === 0) {
    console.log(ft(lang, "cli.none"));
    return;
  }
  const header = (["id", "village", "village_name", "address", "head", "phone", "officer", "linked"] as const).map((key) => ft(lang, `cli.header.${key}`));
  console.log(header.join("\t"));
  for (const h of households) {
    // On screen the number is masked: a terminal is read over shoulders.
    console.log([h.id, h.regionCode, nameIn(h.regionName, lang, h.regionCode), h.address, h.headName ?? "-", h.phone ? maskPhone(h.phone) : "-", h.officerId ?? "-", h.residentId !== null ? "✓" : "-"].join("\t"));
  }
  console.log(ft(lang, "cli.count", { count: households.length }));
}

async function runList(options: ListOptions): Promise<void> {
  const lang = options.lang ?? officeLang();
  await withStore(options, async (store) => {
    let households: HouseholdRecord[];
    try {
      households = await serviceOf(store).households({ officer: options.officer ?? null, regionCode: options.region ?? null });
    } catch (error) {
      if (error instanceof FieldRequestError && error.reason === "not-staff") throw new StartupError(ft(lang, "import.officer_not_staff", { officer: options.officer ?? "" }));
      if (error instanceof FieldRequestError && error.reason === "unknown-region") throw new StartupError(ft(lang, "cli.unknown_region", { code: options.region ?? "" }));
      throw error;
    }
    printList(households, options.format, lang);
  });
}

async function runErase(id: string, options: DbOption & { yes?: boolean; lang?: Lang }): Promise<void> {
  const lang = options.lang ?? officeLang();
  // No prompt: the command runs in scripts and CI without a terminal; --yes is the confirmation.
  if (!options.yes) throw new StartupError(ft(lang, "cli.confirm"));
  await withStore(options, async (store) => {
    if (!(await serviceOf(store).eraseHousehold(id.trim(), null))) throw new StartupError(ft(lang, "cli.no_household", { id }));
    console.log(ft(lang, "cli.erased", { id }));
  });
}

/** Adds `households import`, `households list` and `households erase` to the `anxin` program; returns the program. */
export function registerHouseholdCommands(program: Command): Command {
  const households = program.command("households").description("the dwellings officers visit door to door: import them from a file, list them, erase one on request");
  households
    .command("import")
    .description(
      "import households from a CSV (UTF-8, with or without BOM) or XLSX file with columns village (the village's region code), address, and optionally head, phone and officer (platform:user-id or resident id). " +
        "Every problem is reported with its line and nothing is stored while any remains; importing again updates head, phone and officer of the same village and address",
    )
    .argument("<file>", "a .csv or .xlsx file")
    .option("--officer <platform:user-id>", "the officer of rows whose officer column is empty (or that have none)")
    .option("--dry-run", "check and print what would happen, store nothing")
    .addOption(langOption())
    .addOption(dbOption())
    .action(async (file: string, options: ImportOptions) => {
      await runImport(file, options);
    });
  households
    .command("list")
    .description("households by village and address; the table masks phone numbers, csv (the import's columns) and json carry them in full")
    .option("--officer <platform:user-id>", "only this officer's households")
    .option("--region <code>", "only households in this region and the regions below it")
    .addOption(new Option("--format <format>", "table, csv or json").choices(["table", "csv", "json"]).default("table"))
    .addOption(langOption())
    .addOption(dbOption())
    .action(async (options: ListOptions) => {
      await runList(options);
    });
  households
    .command("erase")
    .description("erase a household with its visits and interviews (a resident's request); its residents' own chat answers stay, unlinked. Needs --yes")
    .argument("<id>", "the household's id (anxin households list)")
    .option("--yes", "confirm: the erasure cannot be undone")
    .addOption(langOption())
    .addOption(dbOption())
    .action(async (id: string, options: DbOption & { yes?: boolean; lang?: Lang }) => {
      await runErase(id, options);
    });
  return program;
}
