/**
 * XLSForm import: an ODK / Kobo .xlsx form (survey, choices and settings sheets) converted into an
 * Anxin questionnaire definition, with a report of everything that was not carried over as is.
 *
 * Principles:
 * - Nothing is dropped silently: every ignored column, skipped row or changed construct is an
 *   item of the report (see xlsform-report.ts).
 * - A condition is never dropped: a `relevant`, `constraint`, `choice_filter` or dynamic `required`
 *   the engine cannot express refuses the whole import, since the survey would otherwise ask
 *   questions it should not ask, or accept answers the form refuses.
 * - XLSForm defaults win over the engine's: questions are optional unless `required` says so.
 * - The result passes validateQuestionnaire; its issues are reported against sheet rows.
 */
import { readFile } from "node:fs/promises";
import { basename, extname } from "node:path";
import { stringify } from "yaml";
import { checkQuestionnaire, type DefinitionIssue } from "../engine/definition.js";
import type { Expr } from "../engine/expression.js";
import { SUPPORTED_LANGS } from "../engine/types.js";
import type {
  Lang,
  LocalizedText,
  MultipleQuestion,
  OptionDefinition,
  QuestionDefinition,
  Questionnaire,
  QuestionnaireDefinition,
  SectionDefinition,
} from "../engine/types.js";
import { allOf, parseXlsExpression, toEngineText, type RefResolution, type TranslateOptions } from "./xlsform-expression.js";
import { guessLang, langFromName } from "./xlsform-language.js";
import { ReportBuilder, formatReport, type ImportReport, type ReportItem, type ReportOutcome, type ReportSheet } from "./xlsform-report.js";
import {
  cell,
  countBound,
  engineIdFor,
  exclusiveOption,
  IGNORED_COLUMNS,
  isEngineId,
  MEANINGLESS_SETTINGS,
  OPTION_ID,
  OTHER_LABEL,
  parseColumn,
  parseFlag,
  parseRowType,
  reorder,
  TEXT_COLUMNS,
  TRANSLATABLE,
  type Column,
  type NameEntry,
  type RowType,
  type Sheet,
} from "./xlsform-rows.js";
import { readWorkbook, type SheetColumn, type SheetRow, type TextSheet } from "./xlsform-sheets.js";

export { formatReport, formatReportItem, REPORT_OUTCOMES } from "./xlsform-report.js";
export type { ImportReport, ImportedFormSummary, ReportItem, ReportOutcome, ReportSheet } from "./xlsform-report.js";

/** Options of {@link importXlsForm}. */
export interface XlsFormImportOptions {
  /** Name shown in the report and used for the form id when settings has no form_id. */
  sourceName?: string;
  /**
   * Language of columns without `::language` (plain `label`, `hint` …) when the settings sheet
   * has no default_language. Without either, it is guessed from the text and reported.
   */
  defaultLanguage?: Lang;
}

/** A successful import. */
export interface XlsFormImport {
  /** The validated questionnaire (with its checksum). */
  definition: Questionnaire;
  report: ImportReport;
}

/** The import was refused; `report` lists why (and everything else found). */
export class XlsFormImportError extends Error {
  readonly report: ImportReport;
  constructor(report: ImportReport) {
    const refused = report.items.filter((i) => i.outcome === "refused").length;
    super(`${report.source}: XLSForm import refused (${refused} problem${refused === 1 ? "" : "s"})\n${formatReport(report)}`);
    this.name = "XlsFormImportError";
    this.report = report;
  }
}

/**
 * Imports an XLSForm .xlsx file (a path, or its bytes). Resolves with the definition and the
 * report; rejects with {@link XlsFormImportError} when anything in the form cannot be kept.
 */
export async function importXlsForm(input: string | Uint8Array, options: XlsFormImportOptions = {}): Promise<XlsFormImport> {
  const source = options.sourceName ?? (typeof input === "string" ? basename(input) : "form.xlsx");
  let sheets: TextSheet[];
  try {
    const bytes = typeof input === "string" ? await readFile(input) : input;
    sheets = await readWorkbook(bytes);
  } catch (error) {
    const report = new ReportBuilder();
    const why = error instanceof Error ? error.message.split("\n")[0] : String(error);
    report.add({ outcome: "refused", sheet: "workbook", message: `cannot read the workbook: ${why} (XLSForms must be saved as .xlsx)` });
    throw new XlsFormImportError(report.build(source));
  }
  return new Converter(sheets, source, options).run();
}

/** The definition as YAML for core/definitions/*.yaml (without the checksum, which is derived). */
export function questionnaireToYaml(questionnaire: QuestionnaireDefinition, header?: string): string {
  const { checksum: _derived, ...rest } = questionnaire as QuestionnaireDefinition & { checksum?: string };
  const definition = {
    id: rest.id,
    version: rest.version,
    title: rest.title,
    languages: rest.languages,
    ...(rest.intro ? { intro: rest.intro } : {}),
    ...(rest.outro ? { outro: rest.outro } : {}),
    ...(rest.sections ? { sections: rest.sections } : {}),
    questions: rest.questions.map(reorder),
  };
  // YAML 1.1 rules for quoting, so that option ids like yes / no / on stay strings in any reader.
  const body = stringify(definition, { version: "1.1", lineWidth: 0, aliasDuplicateObjects: false });
  const comment = header ? `${header.split("\n").map((l) => `# ${l}`.trimEnd()).join("\n")}\n` : "";
  return comment + body;
}

// ---------------------------------------------------------------------------------------------
// The converter
// ---------------------------------------------------------------------------------------------

interface Choice {
  row: number;
  name: string;
}

interface ChoiceList {
  name: string;
  rows: SheetRow[];
  choices: Choice[];
  used: boolean;
  /** Options built on first use (labels checked once); undefined until then. */
  options?: OptionDefinition[];
}

interface GroupFrame {
  kind: "group" | "repeat";
  name: string;
  row: number;
  /** Section of the questions directly inside (innermost labelled group). */
  section?: SectionDefinition;
  /** The group's own title, when labelled. */
  title?: LocalizedText;
  /** Translated relevant of this group (undefined = none). */
  relevant?: Expr;
}

/** Where a definition path came from, to report validation issues against cells. */
interface Origin {
  sheet: ReportSheet;
  row: number;
  name?: string;
}

class Converter {
  private readonly report = new ReportBuilder();
  private survey!: Sheet;
  private choices: Sheet | undefined;
  private settings: Record<string, { value: string; column: Column; row: number }> = {};
  private languages: Lang[] = [];
  /** Language of columns without `::language`. */
  private plainLang: Lang | undefined;
  /** (sheet kind, base, lang) → candidate columns, best first. */
  private readonly langColumns = new Map<string, Column[]>();
  private readonly names = new Map<string, NameEntry>();
  private readonly lists = new Map<string, ChoiceList>();
  private readonly questionOrigins: Origin[] = [];
  private readonly optionOrigins: Origin[][] = [];
  private readonly sectionOrigins: Origin[] = [];
  /** The survey row imported as the phone question, if any (a questionnaire has at most one). */
  private phoneRow: number | undefined;

  constructor(
    private readonly sheets: TextSheet[],
    private readonly source: string,
    private readonly options: XlsFormImportOptions,
  ) {}

  run(): XlsFormImport {
    this.readSheets();
    this.readSettings();
    const types = this.classifyRows();
    this.registerNames(types);
    this.chooseLanguages(types);
    this.readChoices();
    const { questions, sections } = this.buildQuestions(types);
    const outro = this.trailingNotes(questions);
    this.reportUnusedLists();
    const head = this.formHead();
    if (this.report.refused || !head) throw new XlsFormImportError(this.report.build(this.source));

    const definition: QuestionnaireDefinition = {
      id: head.id,
      version: head.version,
      title: head.title,
      languages: this.languages,
      ...(outro ? { outro } : {}),
      ...(sections.length > 0 ? { sections } : {}),
      questions,
    };
    const checked = checkQuestionnaire(definition);
    if (!checked.ok) {
      for (const issue of checked.issues) this.report.add(this.issueItem(issue));
      throw new XlsFormImportError(this.report.build(this.source));
    }
    const report = this.report.build(this.source, {
      id: head.id,
      version: head.version,
      languages: this.languages,
      questions: questions.length,
      sections: sections.length,
    });
    return { definition: checked.questionnaire, report };
  }

  private fail(): never {
    throw new XlsFormImportError(this.report.build(this.source));
  }

  // ------------------------------------------------------------------ sheets

  private readSheets(): void {
    const byName = new Map<string, TextSheet>();
    for (const sheet of this.sheets) {
      const key = sheet.name.trim().toLowerCase();
      if ((key === "survey" || key === "choices" || key === "settings") && !byName.has(key)) {
        byName.set(key, sheet);
      } else if (key === "external_choices") {
        this.item("ignored", "workbook", `sheet '${sheet.name}' is for select_one_external questions, which are not supported; ignored`);
      } else {
        this.item("ignored", "workbook", `sheet '${sheet.name}' is not part of an XLSForm; ignored`);
      }
    }
    const survey = byName.get("survey");
    if (!survey) {
      this.item("refused", "workbook", "no 'survey' sheet");
      this.fail();
    }
    const wrap = (kind: ReportSheet, sheet: TextSheet): Sheet => ({ kind, name: sheet.name, columns: sheet.columns.map(parseColumn), rows: sheet.rows });
    this.survey = wrap("survey", survey);
    if (!this.survey.columns.some((c) => c.base === "type")) {
      this.item("refused", "survey", "the survey sheet has no 'type' column (the first row must hold the column names)");
      this.fail();
    }
    const choices = byName.get("choices");
    if (choices) this.choices = wrap("choices", choices);
    const settings = byName.get("settings");
    if (settings) {
      const sheet = wrap("settings", settings);
      const row = sheet.rows[0];
      if (row) {
        for (const column of sheet.columns) {
          const value = cell(row, column);
          if (value !== "") this.settings[column.col.header.trim().toLowerCase()] = { value, column, row: row.number };
        }
      }
      for (const extra of sheet.rows.slice(1)) {
        this.add({ outcome: "ignored", sheet: "settings", row: extra.number, message: "only the first row below the column names is read; ignored" });
      }
    }
  }

  private column(sheet: Sheet, base: string): Column | undefined {
    return sheet.columns.find((c) => c.base === base && c.suffix === null);
  }

  // ------------------------------------------------------------------ settings

  private readSettings(): void {
    const known = new Set(["form_title", "form_id", "version", "default_language"]);
    for (const [key, setting] of Object.entries(this.settings)) {
      if (known.has(key) || key.startsWith("form_title::")) continue;
      const at = { sheet: "settings" as const, row: setting.row, column: setting.column.col };
      if (key === "public_key") {
        this.add({ ...this.at(at), outcome: "warning", message: "answers are not encrypted with this key in Anxin (they are stored in its database); ignored" });
      } else if (MEANINGLESS_SETTINGS.has(key)) {
        this.add({ ...this.at(at), outcome: "ignored", message: `${key} has no meaning in Anxin; ignored` });
      } else {
        this.add({ ...this.at(at), outcome: "ignored", message: `unknown setting '${setting.column.col.header}'; ignored` });
      }
    }
  }

  /** id, version and title; undefined after reporting a refusal. */
  private formHead(): { id: string; version: number; title: LocalizedText } | undefined {
    let ok = true;
    // id
    const formId = this.settings["form_id"];
    const rawId = formId?.value ?? basename(this.source, extname(this.source));
    let id = rawId
      .normalize("NFKD")
      .toLowerCase()
      .replace(/[^a-z0-9_-]+/g, "-")
      .replace(/-+/g, "-")
      .replace(/^[-_]+|[-_]+$/g, "")
      .slice(0, 40)
      .replace(/[-_]+$/, "");
    const idAt = formId ? this.at({ sheet: "settings", row: formId.row, column: formId.column.col }) : { sheet: "settings" as const };
    if (id === "") {
      ok = false;
      this.add({ ...idAt, outcome: "refused", message: `'${rawId}' gives no usable questionnaire id; set form_id (letters a-z, digits, - and _)` });
    } else if (!formId) {
      this.add({ ...idAt, outcome: "converted", message: `no form_id: the questionnaire id '${id}' comes from the file name` });
    } else if (id !== rawId) {
      this.add({ ...idAt, outcome: "converted", message: `form_id '${rawId}' becomes the questionnaire id '${id}' (ids are lowercase a-z, 0-9, - and _, at most 40)` });
    }
    if (id === "") id = "form";

    // version
    let version = 1;
    const v = this.settings["version"];
    if (!v) {
      this.item("warning", "settings", "no version: using 1; give every changed form a higher version (e.g. 2024010101)");
    } else {
      const at = this.at({ sheet: "settings", row: v.row, column: v.column.col });
      const n = /^\d+$/.test(v.value) ? Number(v.value) : Number.NaN;
      if (!Number.isSafeInteger(n) || n < 1) {
        ok = false;
        this.add({ ...at, outcome: "refused", message: `version '${v.value}' is not a positive whole number (a date-like number such as 2024010101 works)` });
      } else if (n > 2_147_483_647) {
        ok = false;
        this.add({ ...at, outcome: "refused", message: `version ${v.value} is too large (at most 2147483647; a yyyymmddnn number such as 2024010101 fits)` });
      } else {
        version = n;
      }
    }

    // title: XLSForm has one form_title; form_title::<language> is accepted too
    const title: LocalizedText = {};
    const plain = this.settings["form_title"];
    for (const [key, setting] of Object.entries(this.settings)) {
      if (!key.startsWith("form_title::")) continue;
      const lang = langFromName(setting.column.col.header.slice(setting.column.col.header.indexOf("::") + 2));
      if (lang && this.languages.includes(lang)) title[lang] ??= setting.value;
      else this.add({ ...this.at({ sheet: "settings", row: setting.row, column: setting.column.col }), outcome: "ignored", message: "not one of the form's languages; ignored" });
    }
    const fallback = plain?.value ?? formId?.value ?? basename(this.source, extname(this.source));
    const filled: Lang[] = [];
    for (const lang of this.languages) {
      if (title[lang] === undefined) {
        title[lang] = fallback;
        filled.push(lang);
      }
    }
    if (!plain && filled.length > 0) {
      this.item("converted", "settings", `no form_title: the title is '${fallback}'`);
    } else if (plain && filled.length > 0 && this.languages.length > 1) {
      this.add({
        ...this.at({ sheet: "settings", row: plain.row, column: plain.column.col }),
        outcome: "converted",
        message: `XLSForm has one form title: '${fallback}' is the title in ${filled.join(", ")} (add form_title::<language> columns to translate it)`,
      });
    }
    return ok ? { id, version, title: this.ordered(title) } : undefined;
  }

  // ------------------------------------------------------------------ survey rows

  private classifyRows(): Map<SheetRow, RowType> {
    const types = new Map<SheetRow, RowType>();
    const typeColumn = this.column(this.survey, "type");
    for (const row of this.survey.rows) {
      const raw = cell(row, typeColumn);
      if (raw === "") {
        this.add({ outcome: "refused", sheet: "survey", row: row.number, message: "this row has content but no type" });
        continue;
      }
      types.set(row, parseRowType(raw));
    }
    return types;
  }

  private registerNames(types: Map<SheetRow, RowType>): void {
    const nameColumn = this.column(this.survey, "name");
    const rowsWithNames: { row: SheetRow; type: RowType; name: string }[] = [];
    for (const [row, type] of types) {
      if (type.kind === "end_group" || type.kind === "end_repeat" || type.kind === "bad") continue;
      let name = cell(row, nameColumn);
      if (name === "") {
        if (type.kind === "question" && type.qtype !== "note") {
          this.add({ ...this.at({ sheet: "survey", row: row.number, column: nameColumn?.col ?? "name" }), outcome: "refused", message: "a question needs a name (answers are stored under it)" });
          continue;
        }
        if (type.kind === "skip") continue;
        name = `${type.kind === "question" ? "note" : "group"}_${row.number}`;
        this.add({ outcome: "converted", sheet: "survey", row: row.number, message: `no name: named '${name}'` });
      }
      const earlier = this.names.get(name);
      if (earlier) {
        this.add({ ...this.at({ sheet: "survey", row: row.number, column: nameColumn?.col ?? "name" }), name, outcome: "refused", message: `duplicate name (first used on row ${earlier.row})` });
        continue;
      }
      const kind: NameEntry["kind"] =
        type.kind === "question" ? (type.qtype === "note" ? "note" : "question") : type.kind === "skip" ? "skipped" : "group";
      const typeName = type.kind === "skip" ? type.type : type.kind === "question" ? type.qtype : type.kind.replace("_", " ");
      this.names.set(name, { name, row: row.number, kind, type: typeName });
      if (kind !== "skipped") rowsWithNames.push({ row, type, name });
    }
    // Names that already are engine ids keep them, so renamed ones never take an id someone uses.
    const used = new Set<string>();
    for (const { name } of rowsWithNames) if (isEngineId(name)) used.add(name);
    let order = 0;
    for (const { row, type, name } of rowsWithNames) {
      const entry = this.names.get(name) as NameEntry;
      if (isEngineId(name)) entry.id = name;
      else {
        entry.id = engineIdFor(name, used);
        used.add(entry.id);
        this.add({
          ...this.at({ sheet: "survey", row: row.number, column: nameColumn?.col ?? "name" }),
          name,
          outcome: "converted",
          message: `name '${name}' becomes the id '${entry.id}' (engine ids are lowercase a-z, 0-9 and _, at most 32)`,
        });
      }
      if (type.kind === "question") entry.order = order++;
    }
  }

  // ------------------------------------------------------------------ languages

  private chooseLanguages(types: Map<SheetRow, RowType>): void {
    const sheets = [this.survey, ...(this.choices ? [this.choices] : [])];
    const suffixLang = new Map<string, Lang | undefined>();
    for (const sheet of sheets) {
      for (const c of sheet.columns) {
        if (c.suffix !== null && !suffixLang.has(c.suffix)) suffixLang.set(c.suffix, langFromName(c.suffix));
      }
    }
    for (const [suffix, lang] of suffixLang) {
      if (lang !== undefined) continue;
      for (const sheet of sheets) {
        for (const c of sheet.columns.filter((x) => x.suffix === suffix)) {
          this.add({ outcome: "ignored", sheet: sheet.kind, column: c.col.header, message: `language '${suffix}' is not one the bot speaks (zh-CN, zh-TW, en); column ignored` });
        }
      }
    }

    // The language of plain `label`, `hint` … columns.
    const setting = this.settings["default_language"];
    const defaultLang = setting ? langFromName(setting.value) : undefined;
    if (setting && !defaultLang) {
      this.add({
        ...this.at({ sheet: "settings", row: setting.row, column: setting.column.col }),
        outcome: "ignored",
        message: `default_language '${setting.value}' is not one the bot speaks (zh-CN, zh-TW, en); ignored`,
      });
    }
    const plainTexts: string[] = [];
    for (const sheet of sheets) {
      for (const c of sheet.columns) {
        if (c.suffix !== null || !TEXT_COLUMNS.has(c.base)) continue;
        for (const row of sheet.rows) {
          const text = cell(row, c);
          if (text !== "") plainTexts.push(text);
        }
      }
    }
    if (plainTexts.length > 0) {
      if (defaultLang) this.plainLang = defaultLang;
      else if (this.options.defaultLanguage) {
        this.plainLang = this.options.defaultLanguage;
        this.item("converted", "workbook", `columns without a language (label, hint …) are read as ${this.plainLang}, as requested`);
      } else {
        this.plainLang = guessLang(plainTexts);
        this.item(
          "warning",
          "workbook",
          `columns without a language (label, hint …) are read as ${this.plainLang}, guessed from their text; set default_language in the settings sheet (or --lang) to be sure`,
        );
      }
    }

    // Candidate columns per (sheet, base, language): named-language columns before plain ones.
    for (const sheet of sheets) {
      for (const c of sheet.columns) {
        if (!TRANSLATABLE.has(c.base)) continue;
        const lang = c.suffix === null ? this.plainLang : suffixLang.get(c.suffix);
        if (!lang) continue;
        const key = `${sheet.kind}|${c.base}|${lang}`;
        const list = this.langColumns.get(key) ?? [];
        list.push(c);
        list.sort((a, b) => (a.suffix === null ? 1 : 0) - (b.suffix === null ? 1 : 0));
        this.langColumns.set(key, list);
      }
    }
    for (const [key, list] of this.langColumns) {
      if (list.length < 2) continue;
      const [sheetKind, base, lang] = key.split("|") as [ReportSheet, string, Lang];
      if (base !== "label" && base !== "hint" && base !== "constraint_message" && base !== "required_message") continue;
      this.add({
        outcome: "warning",
        sheet: sheetKind,
        column: list.map((c) => c.col.header).join(", "),
        message: `several columns give the ${lang} ${base}; each row uses the first one filled in, in this order`,
      });
    }

    // Declared languages: those with labels on imported survey rows, default language first.
    const present: Lang[] = [];
    for (const c of this.survey.columns) {
      if (c.base !== "label") continue;
      const lang = c.suffix === null ? this.plainLang : suffixLang.get(c.suffix);
      if (!lang || present.includes(lang)) continue;
      const used = this.survey.rows.some((row) => {
        const type = types.get(row);
        return (type?.kind === "question" || type?.kind === "begin_group") && cell(row, c) !== "";
      });
      if (used) present.push(lang);
    }
    if (defaultLang && present.includes(defaultLang)) {
      present.splice(present.indexOf(defaultLang), 1);
      present.unshift(defaultLang);
    }
    this.languages = present;
    if (present.length === 0) {
      const unmapped = [...suffixLang].filter(([, l]) => l === undefined).map(([s]) => s);
      this.item(
        "refused",
        "survey",
        unmapped.length > 0
          ? `no labels in a language the bot speaks (zh-CN, zh-TW, en); the form has ${unmapped.join(", ")}`
          : "no question has a label",
      );
      this.fail();
    }
    for (const sheet of sheets) {
      for (const c of sheet.columns) {
        const lang = c.suffix === null ? undefined : suffixLang.get(c.suffix);
        if (lang && !present.includes(lang) && TRANSLATABLE.has(c.base) && IGNORED_COLUMNS[c.base] === undefined && sheet.rows.some((r) => cell(r, c) !== "")) {
          this.add({ outcome: "ignored", sheet: sheet.kind, column: c.col.header, message: `no question label is in ${lang}, so ${lang} is not one of the form's languages; column ignored` });
        }
      }
    }
  }

  /** The text of `base` in each form language on `row`, with the columns it came from. */
  private texts(sheet: Sheet, row: SheetRow, base: string, consumed: Set<number>): Map<Lang, string> {
    const out = new Map<Lang, string>();
    for (const c of sheet.columns) if (c.base === base) consumed.add(c.col.index);
    for (const lang of this.languages) {
      for (const c of this.langColumns.get(`${sheet.kind}|${base}|${lang}`) ?? []) {
        const text = cell(row, c);
        if (text !== "") {
          out.set(lang, text);
          break;
        }
      }
    }
    return out;
  }

  /**
   * A localized text for every form language; reports each missing language precisely (a whole
   * missing column once, an empty cell per row). `mandatory`: a text must exist.
   */
  private localized(
    sheet: Sheet,
    row: SheetRow,
    base: string,
    consumed: Set<number>,
    what: { name?: string; mandatory: boolean; description: string },
  ): LocalizedText | undefined {
    const found = this.texts(sheet, row, base, consumed);
    if (found.size === 0) {
      if (what.mandatory) {
        const column = sheet.columns.find((c) => c.base === base);
        this.add({ ...this.at({ sheet: sheet.kind, row: row.number, column: column?.col ?? base }), name: what.name, outcome: "refused", message: `${what.description} has no ${base}` });
      }
      return undefined;
    }
    const [firstLang, firstText] = [...found][0] as [Lang, string];
    let complete = true;
    for (const lang of this.languages) {
      if (found.has(lang)) continue;
      complete = false;
      const candidates = this.langColumns.get(`${sheet.kind}|${base}|${lang}`) ?? [];
      const excerpt = firstText.length > 30 ? `${firstText.slice(0, 30)}…` : firstText;
      if (candidates.length === 0) {
        this.report.addToColumn(
          "refused",
          sheet.kind,
          `${base}::${lang}`,
          row.number,
          `there is no ${base} column in ${lang}, but these rows have a ${base} in ${firstLang}; every text needs all of the form's languages (${this.languages.join(", ")})`,
        );
      } else {
        this.add({
          ...this.at({ sheet: sheet.kind, row: row.number, column: (candidates[0] as Column).col }),
          name: what.name,
          outcome: "refused",
          message: `empty: the ${base} of ${what.description} is missing in ${lang} (${firstLang}: '${excerpt}'); every text needs all of the form's languages (${this.languages.join(", ")})`,
        });
      }
    }
    if (!complete) return undefined;
    const text: LocalizedText = {};
    for (const lang of this.languages) text[lang] = found.get(lang);
    if (base === "label" || base === "hint") {
      for (const [lang, value] of found) {
        const ref = /\$\{[^}]*\}/.exec(value);
        if (!ref) continue;
        const column = (this.langColumns.get(`${sheet.kind}|${base}|${lang}`) ?? []).find((c) => cell(row, c) === value);
        this.report.addToColumn(
          "warning",
          sheet.kind,
          column?.col.header ?? base,
          row.number,
          `the text contains ${ref[0]}: the engine does not fill in answers, so residents see it as written`,
        );
        break;
      }
    }
    return text;
  }

  private ordered(text: LocalizedText): LocalizedText {
    const out: LocalizedText = {};
    for (const lang of [...this.languages, ...SUPPORTED_LANGS]) if (text[lang] !== undefined && out[lang] === undefined) out[lang] = text[lang];
    return out;
  }

  // ------------------------------------------------------------------ choices

  private readChoices(): void {
    const sheet = this.choices;
    if (!sheet) return;
    const listColumn = this.column(sheet, "list_name");
    const nameColumn = this.column(sheet, "name") ?? this.column(sheet, "value");
    if (!listColumn || !nameColumn) {
      this.item("refused", "choices", "the choices sheet needs 'list_name' and 'name' columns");
      return;
    }
    for (const row of sheet.rows) {
      const list = cell(row, listColumn);
      const name = cell(row, nameColumn);
      if (list === "" || name === "") {
        this.add({
          ...this.at({ sheet: "choices", row: row.number, column: (list === "" ? listColumn : nameColumn).col }),
          outcome: "refused",
          message: `this choice has no ${list === "" ? "list_name" : "name"}`,
        });
        continue;
      }
      let entry = this.lists.get(list);
      if (!entry) {
        entry = { name: list, rows: [], choices: [], used: false };
        this.lists.set(list, entry);
      }
      entry.rows.push(row);
      entry.choices.push({ row: row.number, name });
    }
  }

  /** The options of a list, built (and reported on) at first use. */
  private optionsOf(listName: string): { options: OptionDefinition[]; origins: Origin[] } | undefined {
    const list = this.lists.get(listName);
    if (!list || !this.choices) return undefined;
    const sheet = this.choices;
    const origins = list.choices.map((c) => ({ sheet: "choices" as const, row: c.row, name: c.name }));
    if (list.options) return { options: structuredClone(list.options), origins };
    list.used = true;
    const options: OptionDefinition[] = [];
    const seen = new Map<string, number>();
    const nameColumn = this.column(sheet, "name") ?? this.column(sheet, "value");
    list.rows.forEach((row, i) => {
      const choice = list.choices[i] as Choice;
      const consumed = new Set<number>();
      const where = this.at({ sheet: "choices", row: row.number, column: nameColumn?.col ?? "name" });
      if (!OPTION_ID.test(choice.name)) {
        this.add({ ...where, name: choice.name, outcome: "refused", message: `choice name '${choice.name}' is not a valid option id (1-32 of A-Z a-z 0-9 _ . -)` });
      }
      const first = seen.get(choice.name);
      if (first !== undefined) {
        this.add({ ...where, name: choice.name, outcome: "refused", message: `duplicate choice '${choice.name}' in list '${list.name}' (first on row ${first})` });
      } else seen.set(choice.name, row.number);
      const label = this.localized(sheet, row, "label", consumed, { name: choice.name, mandatory: true, description: `choice '${choice.name}'` });
      options.push({ id: choice.name, label: label ?? {} });
      for (const c of sheet.columns) if (c.base === "list_name" || c.base === "name" || c.base === "value") consumed.add(c.col.index);
      this.reportCells(sheet, row, consumed, "choices");
    });
    list.options = options;
    return { options: structuredClone(options), origins };
  }

  private reportUnusedLists(): void {
    for (const list of this.lists.values()) {
      if (list.used) continue;
      this.add({ outcome: "ignored", sheet: "choices", row: list.choices[0]?.row, name: list.name, message: `list '${list.name}' is not used by any imported question; ignored` });
    }
  }

  // ------------------------------------------------------------------ questions

  private buildQuestions(types: Map<SheetRow, RowType>): { questions: QuestionDefinition[]; sections: SectionDefinition[] } {
    const questions: QuestionDefinition[] = [];
    const sections: SectionDefinition[] = [];
    const stack: GroupFrame[] = [];
    const col = (base: string): Column | undefined => this.column(this.survey, base);
    const nameColumn = col("name");

    for (const row of this.survey.rows) {
      const type = types.get(row);
      if (!type) continue;
      const consumed = new Set<number>();
      const typeColumn = col("type");
      if (typeColumn) consumed.add(typeColumn.col.index);
      const rawName = cell(row, nameColumn);
      const entry = rawName !== "" ? this.names.get(rawName) : [...this.names.values()].find((e) => e.row === row.number);
      if (nameColumn) consumed.add(nameColumn.col.index);
      const at = (column: string, outcome: ReportOutcome, message: string): void => {
        const c = col(column);
        this.add({ ...this.at({ sheet: "survey", row: row.number, column: c?.col ?? column }), name: rawName || undefined, outcome, message });
      };

      switch (type.kind) {
        case "bad":
          at("type", "refused", type.why);
          continue;
        case "skip": {
          this.add({ outcome: "skipped", sheet: "survey", row: row.number, name: rawName || undefined, message: `${type.type}: ${type.why}; row not imported` });
          continue;
        }
        case "end_group":
        case "end_repeat": {
          const top = stack.pop();
          const want = type.kind === "end_group" ? "group" : "repeat";
          if (!top || top.kind !== want) {
            at("type", "refused", `'${type.kind.replace("_", " ")}' without a matching 'begin ${want}'`);
            if (top) stack.push(top);
          }
          this.reportCells(this.survey, row, consumed, "survey");
          continue;
        }
        case "begin_repeat":
        case "begin_group": {
          // Conditions of a group may only use answers given before its first question.
          const nextOrder = [...this.names.values()].filter((e) => e.order !== undefined && e.row < row.number).length;
          const frame = this.beginGroup(type.kind, row, entry, stack, consumed, nextOrder);
          stack.push(frame);
          this.reportCells(this.survey, row, consumed, "survey");
          continue;
        }
        case "question":
          break;
      }

      if (!entry?.id) {
        this.reportCells(this.survey, row, consumed, "survey");
        continue;
      }
      const question = this.buildQuestion(type, row, entry, consumed, stack);
      this.reportCells(this.survey, row, consumed, "survey");
      if (!question) continue;
      const section = [...stack].reverse().find((f) => f.section)?.section;
      if (section) {
        if (!sections.includes(section)) {
          sections.push(section);
          this.sectionOrigins.push({ sheet: "survey", row: ([...stack].reverse().find((f) => f.section === section) as GroupFrame).row });
        }
        question.section = section.id;
      }
      questions.push(reorder(question));
      this.questionOrigins.push({ sheet: "survey", row: row.number, name: rawName });
    }
    for (const open of stack) {
      this.add({ outcome: "refused", sheet: "survey", row: open.row, name: open.name, message: `'begin ${open.kind}' is never closed with 'end ${open.kind}'` });
    }
    return { questions, sections };
  }

  private beginGroup(
    kind: "begin_group" | "begin_repeat",
    row: SheetRow,
    entry: NameEntry | undefined,
    stack: GroupFrame[],
    consumed: Set<number>,
    nextOrder: number,
  ): GroupFrame {
    const name = entry?.name ?? `group_${row.number}`;
    const frame: GroupFrame = { kind: kind === "begin_group" ? "group" : "repeat", name, row: row.number };
    if (kind === "begin_repeat") {
      this.add({
        outcome: "refused",
        sheet: "survey",
        row: row.number,
        name,
        message: "repeats (asking the same questions several times) are not supported; their questions cannot be asked once instead without changing the survey",
      });
      for (const c of this.survey.columns) if (c.base === "repeat_count") consumed.add(c.col.index);
    }
    const title = this.localized(this.survey, row, "label", consumed, { name, mandatory: false, description: `group '${name}'` });
    const outer = [...stack].reverse().find((f) => f.title);
    if (title && entry?.id) {
      frame.title = title;
      const composed: LocalizedText = {};
      for (const lang of this.languages) composed[lang] = outer?.title ? `${outer.title[lang]} / ${title[lang]}` : title[lang];
      frame.section = { id: entry.id, title: composed };
      if (stack.length > 0) {
        this.add({
          outcome: "converted",
          sheet: "survey",
          row: row.number,
          name,
          message: `nested group flattened into section '${entry.id}'${outer?.title ? ` titled '${composed[this.languages[0] as Lang]}'` : ""}; its relevant (and its parents') applies to each of its questions`,
        });
      }
    } else if (kind === "begin_group" && !this.hasAnyLabel(row)) {
      this.add({ outcome: "converted", sheet: "survey", row: row.number, name, message: "group without a label: its questions are imported without a section title of their own" });
    }
    const relevantColumn = this.column(this.survey, "relevant");
    const relevantText = cell(row, relevantColumn);
    if (relevantColumn) consumed.add(relevantColumn.col.index);
    if (relevantText !== "") {
      const expr = this.translate(relevantText, row, "relevant", name, { allowSelf: false, order: nextOrder });
      if (expr) frame.relevant = expr;
    }
    return frame;
  }

  private hasAnyLabel(row: SheetRow): boolean {
    return this.survey.columns.some((c) => c.base === "label" && cell(row, c) !== "");
  }

  private buildQuestion(
    type: Extract<RowType, { kind: "question" }>,
    row: SheetRow,
    entry: NameEntry,
    consumed: Set<number>,
    stack: GroupFrame[],
  ): QuestionDefinition | undefined {
    const sheet = this.survey;
    const name = entry.name;
    const id = entry.id as string;
    const order = entry.order ?? 0;
    const col = (base: string): Column | undefined => this.column(sheet, base);
    const use = (base: string): string => {
      const c = col(base);
      if (c) consumed.add(c.col.index);
      return cell(row, c);
    };
    const refuse = (base: string, message: string): void => {
      this.add({ ...this.at({ sheet: "survey", row: row.number, column: col(base)?.col ?? base }), name, outcome: "refused", message });
    };
    const ignore = (base: string, message: string): void => {
      const c = col(base);
      if (c) this.report.addToColumn("ignored", "survey", c.col.header, row.number, message);
    };
    const what = `question '${name}'`;

    const label = this.localized(sheet, row, "label", consumed, { name, mandatory: true, description: what });
    const hint = this.localized(sheet, row, "hint", consumed, { name, mandatory: false, description: what });

    // relevant: the enclosing groups' conditions and the row's own, all kept.
    const conditions: Expr[] = [];
    let conditionsOk = true;
    for (const frame of stack) {
      if (frame.relevant) conditions.push(frame.relevant);
    }
    const ownRelevant = use("relevant");
    if (ownRelevant !== "") {
      const expr = this.translate(ownRelevant, row, "relevant", name, { allowSelf: false, order });
      if (expr) conditions.push(expr);
      else conditionsOk = false;
    }
    let relevant: string | undefined;
    const combined = allOf(conditions);
    if (combined && conditionsOk) {
      const printed = toEngineText(combined);
      if (printed.ok) relevant = printed.text;
      else refuse("relevant", printed.message);
    }

    const readOnly = use("read_only");
    if (readOnly !== "" && type.qtype !== "note") {
      if (parseFlag(readOnly) === false) {
        /* read_only = no is the default */
      } else refuse("read_only", "read-only questions (shown but not answered) are not supported; asking it as a normal question would change the survey");
    } else if (readOnly !== "") ignore("read_only", "read_only on a note changes nothing; ignored");

    const choiceFilter = use("choice_filter");
    if (choiceFilter !== "") {
      refuse("choice_filter", "choice filters (cascading selects) are not supported; without the filter the resident would be offered choices the form hides");
    }

    const base: { id: string; label: LocalizedText; hint?: LocalizedText; relevant?: string } = { id, label: label ?? {} };
    if (hint) base.hint = hint;
    if (relevant !== undefined) base.relevant = relevant;

    if (type.qtype === "note") {
      if (use("required") !== "") ignore("required", "a note takes no answer, so it cannot be required; ignored");
      if (use("constraint") !== "") ignore("constraint", "a note takes no answer, so it has nothing to check; ignored");
      for (const base of ["required_message", "constraint_message"]) {
        if (!this.hasCells(row, base)) continue;
        this.texts(sheet, row, base, consumed);
        this.ignoreTexts(row, base, "a note takes no answer, so this message is never shown; ignored");
      }
      return { ...base, type: "note" };
    }

    // required (XLSForm default: not required; the engine's default is required, so always set it)
    const requiredText = use("required");
    const requiredFlag = requiredText === "" ? false : parseFlag(requiredText);
    if (requiredFlag === undefined) {
      refuse("required", `'${requiredText}' is not yes/no: conditional required is not supported`);
    }
    const required = requiredFlag === true;
    let requiredMessage: LocalizedText | undefined;
    if (this.hasCells(row, "required_message")) {
      if (required) requiredMessage = this.localized(sheet, row, "required_message", consumed, { name, mandatory: false, description: what });
      else {
        this.texts(sheet, row, "required_message", consumed);
        this.ignoreTexts(row, "required_message", "the question is not required, so this message is never shown; ignored");
      }
    }

    const common = {
      ...base,
      required,
      ...(requiredMessage ? { required_message: requiredMessage } : {}),
    };

    const constraintText = use("constraint");
    const hasConstraintMessage = this.hasCells(row, "constraint_message");

    if (type.qtype === "text" && isPhoneRow(name, cell(row, col("appearance")))) {
      const phone = this.phoneQuestion(row, name, base, { required, requiredMessage: requiredMessage !== undefined, constraintText, hasConstraintMessage, consumed, col });
      if (phone) return phone;
    }

    switch (type.qtype) {
      case "integer":
      case "decimal":
      case "range":
      case "text": {
        let constraint: string | undefined;
        let constraintMessage: LocalizedText | undefined;
        if (constraintText !== "") {
          const expr = this.translate(constraintText, row, "constraint", name, { allowSelf: true, selfName: name, order });
          if (expr) {
            const printed = toEngineText(expr);
            if (printed.ok) constraint = printed.text;
            else refuse("constraint", printed.message);
          }
          if (hasConstraintMessage) constraintMessage = this.localized(sheet, row, "constraint_message", consumed, { name, mandatory: false, description: what });
        } else if (hasConstraintMessage) {
          this.texts(sheet, row, "constraint_message", consumed);
          this.ignoreTexts(row, "constraint_message", "there is no constraint, so this message is never shown; ignored");
        }
        const checks = { ...(constraint ? { constraint } : {}), ...(constraintMessage ? { constraint_message: constraintMessage } : {}) };
        if (type.qtype === "text") return { ...common, type: "text", ...checks };
        if (type.qtype === "range") {
          const params = use("parameters");
          const range = this.rangeOf(params, row, name);
          if (!range) return undefined;
          return { ...common, type: "number", ...range, ...checks };
        }
        if (type.qtype === "decimal") return { ...common, type: "number", integer: false, ...checks };
        return { ...common, type: "number", ...checks };
      }
      case "select_one":
      case "select_multiple": {
        const listName = type.list as string;
        const list = this.optionsOf(listName);
        if (!list) {
          refuse("type", this.choices ? `choice list '${listName}' is not on the choices sheet` : `choice list '${listName}' is needed but there is no choices sheet`);
          return undefined;
        }
        const options = list.options;
        const origins: Origin[] = [...list.origins];
        if (type.orOther) {
          const existing = options.find((o) => o.id === "other");
          if (existing) {
            existing.specify = true;
            this.add({ outcome: "converted", sheet: "survey", row: row.number, name, message: `or_other: list '${listName}' already has a choice 'other'; it now asks the resident to specify` });
          } else {
            const labelOther: LocalizedText = {};
            for (const lang of this.languages) labelOther[lang] = OTHER_LABEL[lang];
            options.push({ id: "other", label: labelOther, specify: true });
            origins.push({ sheet: "survey", row: row.number, name });
            this.add({
              outcome: "converted",
              sheet: "survey",
              row: row.number,
              name,
              message: `or_other: an option 'other' labelled '${labelOther[this.languages[0] as Lang]}' asks the resident to specify (stored with the answer, not as a separate '${name}_other' field)`,
            });
          }
        }
        this.optionOrigins[this.questionOrigins.length] = origins;
        if (use("parameters") !== "") ignore("parameters", "select parameters (randomize, seed) are not supported: options keep their order; ignored");
        if (type.qtype === "select_one") {
          if (constraintText !== "") refuse("constraint", "constraints on select_one questions are not supported");
          else if (hasConstraintMessage) {
            this.texts(sheet, row, "constraint_message", consumed);
            this.ignoreTexts(row, "constraint_message", "there is no constraint, so this message is never shown; ignored");
          }
          return { ...common, type: "single", options };
        }
        const question: MultipleQuestion = { ...common, type: "multiple", options };
        if (constraintText !== "") {
          const expr = this.translate(constraintText, row, "constraint", name, { allowSelf: true, selfName: name, order });
          if (expr && !this.applyMultipleConstraint(question, expr, row, name)) return question;
          if (hasConstraintMessage) {
            this.texts(sheet, row, "constraint_message", consumed);
            this.ignoreTexts(row, "constraint_message", "the engine words its own message for the number of choices and for 'none of these'; ignored");
          }
        } else if (hasConstraintMessage) {
          this.texts(sheet, row, "constraint_message", consumed);
          this.ignoreTexts(row, "constraint_message", "there is no constraint, so this message is never shown; ignored");
        }
        return question;
      }
    }
  }

  /**
   * A text row that asks for a phone number (see {@link isPhoneRow}) as a phone question: the
   * number becomes the resident's, for telephone spot checks, instead of an answer that every
   * raw-answer export would carry. Not when the row has a constraint (the engine's own check of
   * numbers is not the form's, and a condition is never dropped), nor for a second such row (one
   * number per resident): those stay text questions, with a warning. Undefined = import as text.
   */
  private phoneQuestion(
    row: SheetRow,
    name: string,
    base: { id: string; label: LocalizedText; hint?: LocalizedText; relevant?: string },
    facts: { required: boolean; requiredMessage: boolean; constraintText: string; hasConstraintMessage: boolean; consumed: Set<number>; col: (base: string) => Column | undefined },
  ): QuestionDefinition | undefined {
    const warn = (column: string, message: string): void => {
      this.add({ ...this.at({ sheet: "survey", row: row.number, column: facts.col(column)?.col ?? column }), name, outcome: "warning", message });
    };
    if (facts.constraintText !== "") {
      warn("constraint", "looks like a phone number but has a constraint, so it stays a text question (Anxin's phone question checks numbers its own way): its answers are ordinary answers, exported with the others; remove the constraint to import it as a phone question");
      return undefined;
    }
    if (this.phoneRow !== undefined) {
      warn("type", `looks like a phone number, but row ${this.phoneRow} is already the phone question (one number per resident): it stays a text question, its answers exported with the others`);
      return undefined;
    }
    this.phoneRow = row.number;
    const appearance = facts.col("appearance");
    if (appearance) facts.consumed.add(appearance.col.index);
    if (facts.required) warn("required", "a phone number is always optional in Anxin (residents may keep theirs to themselves): imported as optional");
    if (facts.requiredMessage) this.ignoreTexts(row, "required_message", "a phone question is never required, so this message is never shown; ignored");
    if (facts.hasConstraintMessage) {
      this.texts(this.survey, row, "constraint_message", facts.consumed);
      this.ignoreTexts(row, "constraint_message", "there is no constraint, so this message is never shown; ignored");
    }
    this.add({
      outcome: "converted",
      sheet: "survey",
      row: row.number,
      name,
      message: "text with the numbers appearance, named as a phone number: imported as a phone question (type: phone) — the number is kept with the resident for telephone spot checks, never as an answer or in an export",
    });
    return { ...base, type: "phone" };
  }

  /**
   * Notes after the last question: the engine shows notes on the way to the next question, so
   * these would never be seen. Unconditional ones become the outro (shown on completion, as the
   * form's last screen is); a conditional one cannot, and stays with a warning.
   */
  private trailingNotes(questions: QuestionDefinition[]): LocalizedText | undefined {
    let last = questions.length - 1;
    while (last >= 0 && questions[last]?.type === "note") last--;
    const trailing = questions.slice(last + 1);
    if (trailing.length === 0 || last < 0) return undefined;
    const parts: LocalizedText[] = [];
    const kept: QuestionDefinition[] = [];
    trailing.forEach((q, i) => {
      const origin = this.questionOrigins[last + 1 + i];
      if (q.relevant === undefined) {
        parts.push(q.label);
        this.add({ outcome: "converted", sheet: "survey", row: origin?.row, name: origin?.name, message: "note after the last question: shown when the resident completes the survey (the questionnaire's outro)" });
      } else {
        kept.push(q);
        this.add({
          outcome: "warning",
          sheet: "survey",
          row: origin?.row,
          name: origin?.name,
          message: "conditional note after the last question: the engine only shows notes before a following question, so residents will not see it; move it before a question",
        });
      }
    });
    if (parts.length === 0) return undefined;
    // Keep the conditional ones where they were, in order, after the remaining questions.
    questions.splice(last + 1, trailing.length, ...kept);
    const keptOrigins = trailing.map((_, i) => this.questionOrigins[last + 1 + i]).filter((_, i) => trailing[i]?.relevant !== undefined);
    this.questionOrigins.splice(last + 1, trailing.length, ...(keptOrigins as Origin[]));
    const outro: LocalizedText = {};
    for (const lang of this.languages) outro[lang] = parts.map((p) => p[lang]).join("\n");
    return outro;
  }

  /** A range question's bounds (parameters start, end, step; ODK defaults 1, 10, 1). */
  private rangeOf(params: string, row: SheetRow, name: string): { min: number; max: number; integer?: false } | undefined {
    const values: Record<string, number> = { start: 1, end: 10, step: 1 };
    const c = this.column(this.survey, "parameters");
    const where = this.at({ sheet: "survey", row: row.number, column: c?.col ?? "parameters" });
    for (const part of params.split(/[\s;,]+/).filter((p) => p !== "")) {
      const m = /^(start|end|step)=(-?\d+(?:\.\d+)?)$/i.exec(part);
      if (!m) {
        this.add({ ...where, name, outcome: "refused", message: `range parameter '${part}' is not start=, end= or step= with a number` });
        return undefined;
      }
      values[(m[1] as string).toLowerCase()] = Number(m[2]);
    }
    const { start = 1, end = 10, step = 1 } = values;
    const min = Math.min(start, end);
    const max = Math.max(start, end);
    const integer = Number.isInteger(start) && Number.isInteger(end) && Number.isInteger(step);
    const steps = step !== 1 ? `; the step ${step} is not enforced` : "";
    this.add({
      outcome: step !== 1 ? "warning" : "converted",
      sheet: "survey",
      row: row.number,
      name,
      message: `range becomes a typed ${integer ? "whole " : ""}number from ${min} to ${max} (no slider in chat)${steps}`,
    });
    return integer ? { min, max } : { min, max, integer: false };
  }

  /**
   * A select_multiple constraint the engine can express: `count-selected(.)` bounds (→ min / max)
   * and `not(selected(., 'x') and count-selected(.) > 1)` (→ option x exclusive), joined by `and`.
   * Reports and returns false for anything else.
   */
  private applyMultipleConstraint(q: MultipleQuestion, expr: Expr, row: SheetRow, name: string): boolean {
    const parts: Expr[] = [];
    const split = (e: Expr): void => {
      if (e.t === "bin" && e.op === "and") {
        split(e.left);
        split(e.right);
      } else parts.push(e);
    };
    split(expr);
    let min: number | undefined;
    let max: number | undefined;
    const exclusive: string[] = [];
    for (const part of parts) {
      const bound = countBound(part);
      if (bound) {
        if (bound.min !== undefined) min = Math.max(min ?? 0, bound.min);
        if (bound.max !== undefined) max = Math.min(max ?? Number.MAX_SAFE_INTEGER, bound.max);
        continue;
      }
      const only = exclusiveOption(part);
      if (only !== undefined) {
        exclusive.push(only);
        continue;
      }
      this.add({
        ...this.at({ sheet: "survey", row: row.number, column: this.column(this.survey, "constraint")?.col ?? "constraint" }),
        name,
        outcome: "refused",
        message: `column ${part.col}: a select_multiple constraint can only be count-selected(.) bounds or not(selected(., 'x') and count-selected(.) > 1), joined by 'and'`,
      });
      return false;
    }
    const notes: string[] = [];
    if (min !== undefined && min > 0) {
      if (!q.required) {
        this.add({
          ...this.at({ sheet: "survey", row: row.number, column: this.column(this.survey, "constraint")?.col ?? "constraint" }),
          name,
          outcome: "refused",
          message: `"optional, but at least ${min} choices when answered" cannot be expressed (the engine's min applies to required questions); make the question required or drop the lower bound`,
        });
        return false;
      }
      q.min = min;
      notes.push(`min ${min}`);
    }
    if (max !== undefined) {
      q.max = max;
      notes.push(`max ${max}`);
    }
    for (const id of exclusive) {
      const option = q.options.find((o) => o.id === id);
      if (!option) {
        this.add({ outcome: "refused", sheet: "survey", row: row.number, name, message: `the constraint names choice '${id}', which the list does not have` });
        return false;
      }
      option.exclusive = true;
      notes.push(`'${id}' exclusive (picking it clears the others)`);
    }
    if (notes.length > 0) this.add({ outcome: "converted", sheet: "survey", row: row.number, name, message: `constraint becomes ${notes.join(", ")}` });
    return true;
  }

  /** Translates an expression cell; reports and returns undefined when it cannot be kept. */
  private translate(
    src: string,
    row: SheetRow,
    columnBase: "relevant" | "constraint",
    name: string,
    how: { allowSelf: boolean; selfName?: string; order: number },
  ): Expr | undefined {
    const options: TranslateOptions = {
      allowSelf: how.allowSelf,
      ...(how.selfName !== undefined ? { selfName: how.selfName } : {}),
      resolve: (ref) => this.resolve(ref, how.order, columnBase),
    };
    const parsed = parseXlsExpression(src, options);
    if (parsed.ok) {
      const printed = toEngineText(parsed.expr);
      if (printed.ok) return parsed.expr;
      this.add({ ...this.at({ sheet: "survey", row: row.number, column: this.column(this.survey, columnBase)?.col ?? columnBase }), name, outcome: "refused", message: printed.message });
      return undefined;
    }
    const consequence =
      columnBase === "relevant"
        ? "without it the question would be asked when the form skips it"
        : "without it answers the form refuses would be accepted";
    this.add({
      ...this.at({ sheet: "survey", row: row.number, column: this.column(this.survey, columnBase)?.col ?? columnBase }),
      name,
      outcome: "refused",
      message: `cannot translate '${src}': ${parsed.error.message} (at column ${parsed.error.column}); ${consequence}`,
    });
    return undefined;
  }

  private resolve(ref: string, order: number, columnBase: string): RefResolution {
    const entry = this.names.get(ref);
    if (!entry) {
      const other = [...this.names.keys()].find((n) => n.toLowerCase() === ref.toLowerCase());
      return { ok: false, message: `unknown field \${${ref}}${other ? ` (did you mean \${${other}}? names are case-sensitive)` : ""}` };
    }
    switch (entry.kind) {
      case "skipped":
        return { ok: false, message: `\${${ref}} is a ${entry.type} row (row ${entry.row}), which is not imported` };
      case "group":
        return { ok: false, message: `\${${ref}} is a group, which has no answer` };
      case "note":
        return { ok: false, message: `\${${ref}} is a note, which has no answer` };
      case "question":
        if (entry.order === undefined || entry.id === undefined) return { ok: false, message: `\${${ref}} cannot be imported` };
        if (entry.order === order && columnBase === "relevant") return { ok: false, message: `\${${ref}} is the question itself` };
        if (entry.order >= order) {
          return { ok: false, message: `\${${ref}} is asked later (row ${entry.row}); conditions can only use earlier answers` };
        }
        return { ok: true, id: entry.id };
    }
  }

  // ------------------------------------------------------------------ leftover cells

  private hasCells(row: SheetRow, base: string): boolean {
    return this.survey.columns.some((c) => c.base === base && cell(row, c) !== "");
  }

  private ignoreTexts(row: SheetRow, base: string, message: string): void {
    for (const c of this.survey.columns) {
      if (c.base === base && cell(row, c) !== "") this.report.addToColumn("ignored", "survey", c.col.header, row.number, message);
    }
  }

  /** Reports every filled cell of `row` the conversion did not use. */
  private reportCells(sheet: Sheet, row: SheetRow, consumed: Set<number>, kind: "survey" | "choices"): void {
    for (const c of sheet.columns) {
      if (consumed.has(c.col.index) || cell(row, c) === "") continue;
      // Columns in languages the bot does not speak were reported once for the whole column.
      if (c.suffix !== null && !langFromName(c.suffix)) continue;
      if (c.suffix !== null && TRANSLATABLE.has(c.base) && IGNORED_COLUMNS[c.base] === undefined) continue;
      const known = IGNORED_COLUMNS[c.base];
      let message: string;
      if (known) message = known;
      else if (c.base.startsWith("bind::") || c.base.startsWith("body::") || c.base.startsWith("instance::")) message = "custom XForm attributes are not supported; ignored";
      else if (kind === "choices") message = "extra choice columns are only used by choice_filter, which is not supported; ignored";
      else if (c.base === "required" || c.base === "relevant" || c.base === "constraint" || c.base === "label" || c.base === "hint") message = "has no meaning on this row; ignored";
      else message = `unknown column '${c.col.header}'; ignored`;
      this.report.addToColumn("ignored", kind, c.col.header, row.number, message);
    }
  }

  // ------------------------------------------------------------------ report helpers

  private item(outcome: ReportOutcome, sheet: ReportSheet, message: string): void {
    this.report.add({ outcome, sheet, message });
  }

  private add(item: Omit<ReportItem, "name"> & { name?: string | undefined }): void {
    const { name, ...rest } = item;
    this.report.add(name === undefined || name === "" ? rest : { ...rest, name });
  }

  /** Location fields for a cell. */
  private at(where: { sheet: ReportSheet; row?: number; column?: SheetColumn | string }): Pick<ReportItem, "sheet" | "row" | "column" | "cell"> {
    const out: Pick<ReportItem, "sheet" | "row" | "column" | "cell"> = { sheet: where.sheet };
    if (where.row !== undefined) out.row = where.row;
    if (typeof where.column === "string") out.column = where.column;
    else if (where.column) {
      out.column = where.column.header;
      if (where.row !== undefined) out.cell = `${where.column.letter}${where.row}`;
    }
    return out;
  }

  /** A validation issue of the converted definition, pointed back at the workbook. */
  private issueItem(issue: DefinitionIssue): ReportItem {
    const message = `the engine refuses the result: ${issue.path ? `${issue.path}: ` : ""}${issue.message}`;
    const q = /^questions\[(\d+)\](?:\.options\[(\d+)\])?(?:\.([a-z_]+))?/.exec(issue.path);
    if (q) {
      const qi = Number(q[1]);
      const origin = this.questionOrigins[qi];
      if (q[2] !== undefined) {
        const option = this.optionOrigins[qi]?.[Number(q[2])];
        if (option) return { outcome: "refused", sheet: option.sheet, row: option.row, ...(option.name ? { name: option.name } : {}), message };
      }
      if (origin) {
        const field = q[3];
        const column = field === "min" || field === "max" ? "constraint" : field === "options" ? "type" : field;
        const c = column ? this.column(this.survey, column) : undefined;
        return { outcome: "refused", ...this.at({ sheet: "survey", row: origin.row, ...(c ? { column: c.col } : {}) }), ...(origin.name ? { name: origin.name } : {}), message };
      }
    }
    const s = /^sections\[(\d+)\]/.exec(issue.path);
    if (s) {
      const origin = this.sectionOrigins[Number(s[1])];
      if (origin) return { outcome: "refused", sheet: "survey", row: origin.row, message };
    }
    if (/^(id|version|title)\b/.test(issue.path)) return { outcome: "refused", sheet: "settings", message };
    return { outcome: "refused", sheet: "workbook", message };
  }
}

/**
 * Does a `text` row ask for a phone number? XLSForm has no phone type: forms use `text` with the
 * `numbers` appearance (ODK's numeric keypad) and a name that says what it is (phone, tel, mobile,
 * 电话, 手机 …). Both are required, so that an ordinary numeric text (an id number) stays text.
 */
export function isPhoneRow(name: string, appearance: string): boolean {
  if (!appearance.toLowerCase().split(/\s+/).includes("numbers")) return false;
  const lower = name.toLowerCase();
  // "tel" and "cell" only as words of the name ("tel_no", "cell"), not inside one ("hotel").
  const words = lower.split(/[^a-z]+/);
  return /phone|mobile|手机|手機|电话|電話/.test(lower) || words.includes("tel") || words.includes("cell");
}
