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
  what: { name?: string; mandatory: boolean; description: string },
): LocalizedText | undefined {
  const found = texts(ctx, sheet, row, base, consumed);
  if (found.size === 0) {
    if (what.mandatory) {
      const column = sheet.columns.find((c) => c.base === base);
      add(ctx, { ...locate({ sheet: sheet.kind, row: row.number, column: column?.col ?? base }), name: what.name, outcome: "refused", message: `${what.description} has no ${base}` });
    }
    return undefined;
  }
  const [firstLang, firstText] = [...found][0] as [Lang, string];
  let complete = true;
  for (const lang of ctx.languages) {
    if (found.has(lang)) continue;
    complete = false;
    const candidates = ctx.langColumns.get(`${sheet.kind}|${base}|${lang}`) ?? [];
    const excerpt = firstText.length > 30 ? `${firstText.slice(0, 30)}…` : firstText;
    if (candidates.length === 0) {
      ctx.report.addToColumn(
        "refused",
        sheet.kind,
        `${base}::${lang}`,
        row.number,
        `there is no ${base} column in ${lang}, but these rows have a ${base} in ${firstLang}; every text needs all of the form's languages (${ctx.languages.join(", ")})`,
      );
    } else {
      add(ctx, {
        ...locate({ sheet: sheet.kind, row: row.number, column: (candidates[0] as Column).col }),
        name: what.name,
        outcome: "refused",
        message: `empty: the ${base} of ${what.description} is missing in ${lang} (${firstLang}: '${excerpt}'); every text needs all of the form's languages (${ctx.languages.join(", ")})`,
      });
    }
  }
  if (!complete) return undefined;
  const text: LocalizedText = {};
  for (const lang of ctx.languages) text[lang] = found.get(lang);
  if (base === "label" || base === "hint") {
    for (const [lang, value] of found) {
      const ref = /\$\{[^}]*\}/.exec(value);
      if (!ref) continue;
      const column = (ctx.langColumns.get(`${sheet.kind}|${base}|${lang}`) ?? []).find((c) => cell(row, c) === value);
      ctx.report.addToColumn(
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
