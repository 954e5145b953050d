/**
 * `anxin survey …`: questionnaire administration from the command line. For now `survey import`,
 * which converts an XLSForm (.xlsx) into a questionnaire, prints the import report, and stores it
 * (optionally writing the YAML and opening a wave on it) — or takes a questionnaire YAML file as
 * it is, validated by the same rules as the bundled one, stored and versioned the same way.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import { Command, InvalidArgumentError } from "commander";
import { parseDatabaseUrl } from "../prisma/database-url.js";
import { DefinitionError, parseQuestionnaire } from "../core/engine/definition.js";
import type { Questionnaire } from "../core/engine/types.js";
import { QuestionnaireConflictError } from "../core/model/index.js";
import { formatReport, formatReportIn, importXlsForm, questionnaireToYaml, XlsFormImportError, type XlsFormImport } from "../core/definitions/xlsform.js";
import { isLang, SUPPORTED_LANGS } from "../core/engine/types.js";
import type { Lang } from "../core/engine/types.js";
import { loadConfig, officeTimeZone } from "./config.js";
import { formatLocalDate } from "../core/util/time-zone.js";
import { openDatabase } from "./database.js";
import { storeQuestionnaire } from "../core/survey/default-survey.js";
import { openWave } from "../core/admin/waves.js";

/** Where `survey` commands write, and their clock (tests replace them). */
export interface SurveyCommandIO {
  /** Normal output, one call per block of lines. Default: console.log. */
  out?: (text: string) => void;
  /** The report of a refused import. Default: console.error. */
  err?: (text: string) => void;
  now?: () => Date;
}

/** Options of `survey import`, as commander parses them. */
interface ImportOptions {
  db?: string;
  dryRun?: boolean;
  openWave?: boolean;
  out?: string;
  lang?: Lang;
  attach?: string[];
  reportLang?: Lang;
}

/** Adds `survey import <file.xlsx>` (and the `survey` group) to `program`; returns the group. */
export function registerSurveyCommands(program: Command, io: SurveyCommandIO = {}): Command {
  const survey = program.command("survey").description("questionnaires: import XLSForms and questionnaire YAML files");
  survey
    .command("import")
    .description("convert an XLSForm (.xlsx: survey, choices, settings sheets) into a questionnaire, report what changed, and store it; or check and store a questionnaire YAML file (.yaml, .yml)")
    .argument("<file>", "the XLSForm workbook (.xlsx) or a questionnaire YAML file (.yaml, .yml)")
    .option("--db <url>", "database URL instead of DATABASE_URL")
    .option("--dry-run", "only print the import report; store nothing")
    .option("--open-wave", "also open a survey wave on the imported questionnaire (it becomes the current wave)")
    .option("--out <file.yaml>", "also write the converted questionnaire as YAML")
    .option("--lang <lang>", `language of columns without ::language when settings has no default_language (${SUPPORTED_LANGS.join(", ")})`, parseLang)
    .option("--report-lang <lang>", `language of the import report (${SUPPORTED_LANGS.join(", ")}; default DEFAULT_LANG when set, else en)`, parseLang)
    .option("--attach <file>", "a .csv or .xlsx choices file of select_one_from_file / select_multiple_from_file rows (repeatable; files beside the form are found without it)", collect, [])
    .action(async (file: string, options: ImportOptions) => {
      await importCommand(file, options, io);
    });
  return survey;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** The --attach files by their name, as select_*_from_file cells name them. */
function readAttachments(files: readonly string[]): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = {};
  for (const file of files) {
    try {
      out[basename(file)] = readFileSync(file);
    } catch (error) {
      throw new Error(`--attach ${file}: cannot read it (${error instanceof Error ? error.message : String(error)})`);
    }
  }
  return out;
}

function parseLang(value: string): Lang {
  if (!isLang(value)) throw new InvalidArgumentError(`expected one of ${SUPPORTED_LANGS.join(", ")}`);
  return value;
}

async function importCommand(file: string, options: ImportOptions, io: SurveyCommandIO): Promise<void> {
  const out = io.out ?? ((text: string) => console.log(text));
  const err = io.err ?? ((text: string) => console.error(text));
  const now = (io.now ?? (() => new Date()))();

  // The admin's language: --report-lang, else the office's DEFAULT_LANG, else English.
  const officeLang = process.env["DEFAULT_LANG"];
  const reportLang: Lang = options.reportLang ?? (isLang(officeLang) ? officeLang : "en");
  if (/\.ya?ml$/i.test(file)) {
    await storeImported(readYamlQuestionnaire(file, options), "yaml", `raise "version" in ${basename(file)}`, options, out, now);
    return;
  }
  let imported: XlsFormImport;
  try {
    const attachments = readAttachments(options.attach ?? []);
    imported = await importXlsForm(file, { sourceName: file, attachments, ...(options.lang ? { defaultLanguage: options.lang } : {}) });
  } catch (error) {
    // The report is the useful part; the error's first line is what the CLI prints last.
    if (error instanceof XlsFormImportError) err(formatReportIn(error.report, reportLang));
    throw error;
  }
  const { definition, report } = imported;
  out(formatReportIn(report, reportLang));

  if (options.out) {
    const header = [
      `Converted from ${file} by "anxin survey import" on ${formatLocalDate(now, officeTimeZone())}.`,
      ...(report.items.length > 0 ? ["Import report:", ...formatReport(report).split("\n").slice(0, -1).map((l) => `  ${l}`)] : []),
    ].join("\n");
    writeFileSync(options.out, questionnaireToYaml(definition, header));
    out(`wrote ${options.out}`);
  }

  await storeImported(definition, "xlsform", "set a higher version in the settings sheet", options, out, now);
}

/**
 * A questionnaire YAML file, validated as the bundled one is (the first problem named with its
 * path in the file). Options that only mean something for a workbook are refused, not ignored.
 */
function readYamlQuestionnaire(file: string, options: ImportOptions): Questionnaire {
  for (const [given, name] of [[options.out, "--out"], [options.lang, "--lang"], [options.attach?.length ? options.attach : undefined, "--attach"]] as const) {
    if (given !== undefined) throw new Error(`${name} is for XLSForm workbooks; a YAML questionnaire is stored as it is`);
  }
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new Error(`${file}: cannot read it (${error instanceof Error ? error.message : String(error)})`);
  }
  try {
    return parseQuestionnaire(text, file);
  } catch (error) {
    // The definition's own message names the file and the path of the problem inside it.
    if (error instanceof DefinitionError) throw new Error(error.message.split("\n").map((line) => line.trim()).filter((line) => line !== "").join("; "));
    throw error;
  }
}

/** Stores an imported questionnaire (unless --dry-run) and opens a wave on it with --open-wave. */
async function storeImported(definition: Questionnaire, source: "xlsform" | "yaml", raiseVersion: string, options: ImportOptions, out: (text: string) => void, now: Date): Promise<void> {
  if (source === "yaml") out(`${definition.id} version ${definition.version}: ${definition.questions.length} questions, checked`);
  if (options.dryRun) {
    out(`dry run: nothing stored${options.openWave ? " and no wave opened" : ""}`);
    return;
  }

  const target = options.db ? parseDatabaseUrl(options.db) : loadConfig().database;
  const { store } = await openDatabase(target);
  try {
    let stored: Awaited<ReturnType<typeof storeQuestionnaire>>;
    try {
      stored = await storeQuestionnaire(store, definition, source);
    } catch (error) {
      if (error instanceof QuestionnaireConflictError) {
        throw new Error(`${error.message} (${raiseVersion})`);
      }
      throw error;
    }
    const { record, created } = stored;
    out(
      created
        ? `stored questionnaire ${record.key} version ${record.version}`
        : `questionnaire ${record.key} version ${record.version} was already stored with the same content`,
    );
    if (options.openWave) {
      // As `anxin wave open`: one wave at a time, so the wave it replaces ends now.
      const opened = await openWave(store, { questionnaire: `${record.key}@${record.version}` }, now, officeTimeZone());
      const { wave, replaced } = opened;
      out(`opened wave "${wave.name}" (${wave.id})` + (replaced ? `; it replaces "${replaced.name}" as the current wave (unfinished responses to that wave end)` : ""));
    }
  } finally {
    await store.close();
  }
}
