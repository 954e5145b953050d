/**
 * Which languages the form is in: `::language` suffixes mapped to the bot's languages, the
 * language of plain columns (default_language, the caller's choice, or a guess), the candidate
 * columns of every text in every language, and the form's languages (those its survey labels
 * use, default first). Ends the import when no label is in a language the bot speaks.
 */
import type { Lang } from "../engine/types.js";
import { add, addToSheet, fail, locate, type ImportContext } from "./xlsform-context.js";
import { guessLang, langFromName } from "./xlsform-language.js";
import { msg } from "./xlsform-messages.js";
import type { ReportSheet } from "./xlsform-report.js";
import { cell, IGNORED_COLUMNS, TEXT_COLUMNS, TRANSLATABLE, type RowType } from "./xlsform-rows.js";
import type { SheetRow } from "./xlsform-sheets.js";

/** Sets `ctx.languages` and fills `ctx.langColumns`, reporting every column left out. */
export function chooseLanguages(ctx: ImportContext, types: Map<SheetRow, RowType>): void {
  const sheets = [ctx.survey, ...(ctx.choices ? [ctx.choices] : [])];
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
        add(ctx, { outcome: "ignored", sheet: sheet.kind, column: c.col.header, message: msg("msg.language_unknown", { language: suffix }) });
      }
    }
  }

  // The language of plain `label`, `hint` … columns.
  const setting = ctx.settings["default_language"];
  const defaultLang = setting ? langFromName(setting.value) : undefined;
  if (setting && !defaultLang) {
    add(ctx, {
      ...locate({ sheet: "settings", row: setting.row, column: setting.column.col }),
      outcome: "ignored",
      message: msg("msg.default_language_unknown", { language: setting.value }),
    });
  }
  let plainLang: Lang | undefined;
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
    if (defaultLang) plainLang = defaultLang;
    else if (ctx.options.defaultLanguage) {
      plainLang = ctx.options.defaultLanguage;
      addToSheet(ctx, "converted", "workbook", msg("msg.plain_language_given", { lang: plainLang }));
    } else {
      plainLang = guessLang(plainTexts);
      addToSheet(
        ctx,
        "warning",
        "workbook",
        msg("msg.plain_language_guessed", { lang: plainLang }),
      );
    }
  }

  // Candidate columns per (sheet, base, language): named-language columns before plain ones.
  for (const sheet of sheets) {
    for (const c of sheet.columns) {
      if (!TRANSLATABLE.has(c.base)) continue;
      const lang = c.suffix === null ? plainLang : suffixLang.get(c.suffix);
      if (!lang) continue;
      const key = `${sheet.kind}|${c.base}|${lang}`;
      const list = ctx.langColumns.get(key) ?? [];
      list.push(c);
      list.sort((a, b) => (a.suffix === null ? 1 : 0) - (b.suffix === null ? 1 : 0));
      ctx.langColumns.set(key, list);
    }
  }
  for (const [key, list] of ctx.langColumns) {
    if (list.length < 2) continue;
    const [sheetKind, base, lang] = key.split("|") as [ReportSheet, string, Lang];
    if (base !== "label" && base !== "hint" && base !== "constraint_message" && base !== "required_message") continue;
    add(ctx, {
      outcome: "warning",
      sheet: sheetKind,
      column: list.map((c) => c.col.header).join(", "),
      message: msg("msg.language_columns_several", { lang, column: base }),
    });
  }

  // Declared languages: those with labels on imported survey rows, default language first.
  const present: Lang[] = [];
  for (const c of ctx.survey.columns) {
    if (c.base !== "label") continue;
    const lang = c.suffix === null ? plainLang : suffixLang.get(c.suffix);
    if (!lang || present.includes(lang)) continue;
    const used = ctx.survey.rows.some((row) => {
      const type = types.get(row);
      return (type?.kind === "question" || type?.kind === "begin_group") && cell(row, c) !== "";
    });
    if (used) present.push(lang);
  }
  if (defaultLang && present.includes(defaultLang)) {
    present.splice(present.indexOf(defaultLang), 1);
    present.unshift(defaultLang);
  }
  ctx.languages = present;
  if (present.length === 0) {
    const unmapped = [...suffixLang].filter(([, l]) => l === undefined).map(([s]) => s);
    addToSheet(
      ctx,
      "refused",
      "survey",
      unmapped.length > 0
        ? msg("msg.no_spoken_labels", { languages: unmapped.join(", ") })
        : msg("msg.no_labels"),
    );
    fail(ctx);
  }
  for (const sheet of sheets) {
    for (const c of sheet.columns) {
      const lang = c.suffix === null ? undefined : suffixLang.get(c.suffix);
      if (lang && !present.includes(lang) && TRANSLATABLE.has(c.base) && IGNORED_COLUMNS[c.base] === undefined && sheet.rows.some((r) => cell(r, c) !== "")) {
        add(ctx, { outcome: "ignored", sheet: sheet.kind, column: c.col.header, message: msg("msg.language_not_in_form", { lang }) });
      }
    }
  }
}
