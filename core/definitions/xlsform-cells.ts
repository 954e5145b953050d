/**
 * Cells of a sheet row: its texts in the form's languages (reporting missing translations), and
 * the report of every filled cell the conversion did not use, so that nothing is dropped silently.
 */
import type { Lang, LocalizedText } from "../engine/types.js";
import { add, locate, type ImportContext } from "./xlsform-context.js";
import { langFromName } from "./xlsform-language.js";
import { cell, IGNORED_COLUMNS, TRANSLATABLE, type Column, type Sheet } from "./xlsform-rows.js";
import type { SheetRow } from "./xlsform-sheets.js";

/** The text of `base` in each form language on `row`, with the columns it came from. */
export function texts(ctx: ImportContext, sheet: Sheet, row: SheetRow, base: string, consumed: Set<number>): Map<Lang, string> {
  const out = new Map<Lang, string>();
  for (const c of sheet.columns) if (c.base === base) consumed.add(c.col.index);
  for (const lang of ctx.languages) {
    for (const c of ctx.langColumns.get(`${sheet.kind}|${base}|${lang}`) ?? []) {
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
export function localized(
  ctx: ImportContext,
  sheet: Sheet,
  row: SheetRow,
  base: string,
  consumed: Set<number>,
  what: { name?: string; mandatory: boolean; description: string; order?: number },
): LocalizedText | undefined {
  const found = texts(ctx, sheet, row, base, consumed);
  if (found.size === 0) {
    if (what.mandatory) {
      const column = sheet.columns.find((c) => c.base === base);
      add(ctx, { ...locate({ sheet: sheet.kind, row: row.number, column: column?.col ?? base }), name: what.name, outcome: "refused", message: `${what.description} has no ${base}` });
    }
    return undefined;
  }
  // A missing translation falls back to the default language (the form's first), as pyxform and
  // ODK do, with a warning per column; only a text missing in every language is a problem.
  const defaultLang = ctx.languages[0] as Lang;
  const [fallbackLang, fallbackText] = found.has(defaultLang) ? [defaultLang, found.get(defaultLang) as string] : ([...found][0] as [Lang, string]);
  const text: LocalizedText = {};
  for (const lang of ctx.languages) {
    const own = found.get(lang);
    if (own !== undefined) {
      text[lang] = own;
      continue;
    }
    text[lang] = fallbackText;
    const candidates = ctx.langColumns.get(`${sheet.kind}|${base}|${lang}`) ?? [];
    const column = candidates.length === 0 ? `${base}::${lang}` : (candidates[0] as Column).col.header;
    const message =
      candidates.length === 0
        ? `there is no ${base} column in ${lang}: residents who read ${lang} see the ${fallbackLang} ${base} (add a ${base}::${lang} column to translate it)`
        : `empty: the ${base} is missing in ${lang}, so residents who read ${lang} see the ${fallbackLang} ${base}`;
    ctx.report.addToColumn("warning", sheet.kind, column, row.number, message);
  }
  if (base === "label" || base === "hint") pipeReferences(ctx, sheet, row, base, text, what.order);
  else if (base === "constraint_message" || base === "required_message") pipeReferences(ctx, sheet, row, base, text, undefined);
  return text;
}

/**
 * `${name}` in a question's or note's label or hint (piping): rewritten to the engine id of an
 * earlier question, whose answer the engine then shows in its place in every language. Anything
 * else (unknown, later, skipped row, group, note, a label that is not piped) stays as written,
 * with a warning on its column.
 */
function pipeReferences(ctx: ImportContext, sheet: Sheet, row: SheetRow, base: string, text: LocalizedText, order: number | undefined): void {
  for (const lang of ctx.languages) {
    const value = text[lang];
    if (value === undefined || !value.includes("${")) continue;
    const column = (ctx.langColumns.get(`${sheet.kind}|${base}|${lang}`) ?? []).find((c) => cell(row, c) === value)?.col.header ?? base;
    text[lang] = value.replace(/\$\{\s*([^}\s]*)\s*\}/g, (whole, name: string) => {
      const problem = order === undefined ? "answers are only filled into the labels and hints of questions and notes" : pipeProblem(ctx, name, order);
      if (problem === undefined) return `\${${ctx.names.get(name)?.id as string}}`;
      ctx.report.addToColumn("warning", sheet.kind, column, row.number, `${whole}: ${problem}; residents see it as written`);
      return whole;
    });
  }
}

// Why `${name}` cannot show an answer at answer position `order`; undefined when it can.
function pipeProblem(ctx: ImportContext, name: string, order: number): string | undefined {
  const entry = ctx.names.get(name);
  if (!entry) return "no row has this name";
  if (entry.kind === "skipped") return `it is a ${entry.type} row (row ${entry.row}), which is not imported`;
  if (entry.kind === "group" || entry.kind === "note") return `it is a ${entry.kind}, which has no answer`;
  if (entry.order === undefined || entry.id === undefined) return "it is not imported";
  if (entry.order >= order) return `it is asked later (row ${entry.row}), so there is no answer to show yet`;
  return undefined;
}

/** Does `row` have a filled survey cell in any `base` column (any language)? */
export function hasCells(ctx: ImportContext, row: SheetRow, base: string): boolean {
  return ctx.survey.columns.some((c) => c.base === base && cell(row, c) !== "");
}

/** Reports every filled survey cell of `row` in a `base` column as ignored, with `message`. */
export function ignoreTexts(ctx: ImportContext, row: SheetRow, base: string, message: string): void {
  for (const c of ctx.survey.columns) {
    if (c.base === base && cell(row, c) !== "") ctx.report.addToColumn("ignored", "survey", c.col.header, row.number, message);
  }
}

/** Reports every filled cell of `row` the conversion did not use. */
export function reportCells(ctx: ImportContext, sheet: Sheet, row: SheetRow, consumed: Set<number>, kind: "survey" | "choices"): void {
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
    ctx.report.addToColumn("ignored", kind, c.col.header, row.number, message);
  }
}
