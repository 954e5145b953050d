/**
 * Cells of a sheet row: its texts in the form's languages (reporting missing translations), and
 * the report of every filled cell the conversion did not use, so that nothing is dropped silently.
 */
import type { Lang, LocalizedText } from "../engine/types.js";
import { add, locate, type ImportContext } from "./xlsform-context.js";
import { langFromName } from "./xlsform-language.js";
import { msg, type ReportMessage, type XlsFormMessageKey } from "./xlsform-messages.js";
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
  what: { name?: string; mandatory: boolean; description: ReportMessage; order?: number },
): LocalizedText | undefined {
  const found = texts(ctx, sheet, row, base, consumed);
  if (found.size === 0) {
    if (what.mandatory) {
      const column = sheet.columns.find((c) => c.base === base);
      add(ctx, { ...locate({ sheet: sheet.kind, row: row.number, column: column?.col ?? base }), name: what.name, outcome: "refused", message: msg("msg.no_text", { what: what.description, column: base }) });
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
    const message = msg(candidates.length === 0 ? "msg.translation_no_column" : "msg.translation_empty", { column: base, lang, fallback: fallbackLang });
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
      const problem = order === undefined ? msg("msg.pipe_not_here") : pipeProblem(ctx, name, order);
      if (problem === undefined) return `\${${ctx.names.get(name)?.id as string}}`;
      ctx.report.addToColumn("warning", sheet.kind, column, row.number, msg("msg.pipe_as_written", { reference: whole, problem }));
      return whole;
    });
  }
}

// Why `${name}` cannot show an answer at answer position `order`; undefined when it can.
function pipeProblem(ctx: ImportContext, name: string, order: number): ReportMessage | undefined {
  const entry = ctx.names.get(name);
  if (!entry) return msg("msg.pipe_no_row");
  if (entry.kind === "skipped") return msg("msg.pipe_skipped_row", { type: entry.type, row: entry.row });
  if (entry.kind === "group") return msg("msg.pipe_group");
  if (entry.kind === "note") return msg("msg.pipe_note");
  if (entry.order === undefined || entry.id === undefined) return msg("msg.pipe_not_imported");
  if (entry.order >= order) return msg("msg.pipe_later", { row: entry.row });
  return undefined;
}

/** Does `row` have a filled survey cell in any `base` column (any language)? */
export function hasCells(ctx: ImportContext, row: SheetRow, base: string): boolean {
  return ctx.survey.columns.some((c) => c.base === base && cell(row, c) !== "");
}

/** Reports every filled survey cell of `row` in a `base` column as ignored, with `message`. */
export function ignoreTexts(ctx: ImportContext, row: SheetRow, base: string, message: ReportMessage): void {
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
    let key: XlsFormMessageKey;
    if (known) key = known;
    else if (c.base.startsWith("bind::") || c.base.startsWith("body::") || c.base.startsWith("instance::")) key = "msg.column_custom";
    else if (kind === "choices") key = "msg.column_choice_unfiltered";
    else if (c.base === "required" || c.base === "relevant" || c.base === "constraint" || c.base === "label" || c.base === "hint") key = "msg.column_no_meaning";
    else key = "msg.column_unknown";
    ctx.report.addToColumn("ignored", kind, c.col.header, row.number, msg(key, { column: c.col.header }));
  }
}
