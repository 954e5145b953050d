/**
 * The settings sheet of an XLSForm: settings Anxin has no use for are reported, and form_id,
 * version and form_title become the questionnaire's id, version and title.
 */
import { basename, extname } from "node:path";
import { SUPPORTED_LANGS } from "../engine/types.js";
import type { Lang, LocalizedText } from "../engine/types.js";
import { add, addToSheet, locate, type ImportContext } from "./xlsform-context.js";
import { langFromName } from "./xlsform-language.js";
import { msg } from "./xlsform-messages.js";
import { MEANINGLESS_SETTINGS } from "./xlsform-rows.js";

/** `form_title::English (en)` or `form_title:English` (pyxform reads both separators). */
const TITLE_IN_LANGUAGE = /^form_title\s*::?/;

/** Reports every setting other than form_title, form_id, version and default_language. */
export function readSettings(ctx: ImportContext): void {
  const known = new Set(["form_title", "form_id", "version", "default_language"]);
  for (const [key, setting] of Object.entries(ctx.settings)) {
    if (known.has(key) || TITLE_IN_LANGUAGE.test(key)) continue;
    const at = { sheet: "settings" as const, row: setting.row, column: setting.column.col };
    if (key === "public_key") {
      add(ctx, { ...locate(at), outcome: "warning", message: msg("msg.setting_public_key") });
    } else if (MEANINGLESS_SETTINGS.has(key)) {
      add(ctx, { ...locate(at), outcome: "ignored", message: msg("msg.setting_meaningless", { setting: key }) });
    } else {
      add(ctx, { ...locate(at), outcome: "ignored", message: msg("msg.setting_unknown", { setting: setting.column.col.header }) });
    }
  }
}

/** id, version and title; undefined after reporting a refusal. */
export function formHead(ctx: ImportContext): { id: string; version: number; title: LocalizedText } | undefined {
  let ok = true;
  // id
  const formId = ctx.settings["form_id"];
  const rawId = formId?.value ?? basename(ctx.source, extname(ctx.source));
  let id = rawId
    .normalize("NFKD")
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^[-_]+|[-_]+$/g, "")
    .slice(0, 40)
    .replace(/[-_]+$/, "");
  const idAt = formId ? locate({ sheet: "settings", row: formId.row, column: formId.column.col }) : { sheet: "settings" as const };
  if (id === "") {
    ok = false;
    add(ctx, { ...idAt, outcome: "refused", message: msg("msg.id_unusable", { raw: rawId }) });
  } else if (!formId) {
    add(ctx, { ...idAt, outcome: "converted", message: msg("msg.id_from_file", { id }) });
  } else if (id !== rawId) {
    add(ctx, { ...idAt, outcome: "converted", message: msg("msg.id_converted", { raw: rawId, id }) });
  }
  if (id === "") id = "form";

  // version
  let version = 1;
  const v = ctx.settings["version"];
  if (!v) {
    addToSheet(ctx, "warning", "settings", msg("msg.version_missing"));
  } else {
    const at = locate({ sheet: "settings", row: v.row, column: v.column.col });
    const n = /^\d+$/.test(v.value) ? Number(v.value) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < 1) {
      ok = false;
      add(ctx, { ...at, outcome: "refused", message: msg("msg.version_bad", { version: v.value }) });
    } else if (n > 2_147_483_647) {
      ok = false;
      add(ctx, { ...at, outcome: "refused", message: msg("msg.version_large", { version: v.value }) });
    } else {
      version = n;
    }
  }

  // title: XLSForm has one form_title; form_title::<language> is accepted too
  const title: LocalizedText = {};
  const plain = ctx.settings["form_title"];
  for (const [key, setting] of Object.entries(ctx.settings)) {
    if (!TITLE_IN_LANGUAGE.test(key)) continue;
    const lang = langFromName(setting.column.col.header.trim().replace(/^form_title\s*::?/i, ""));
    if (lang && ctx.languages.includes(lang)) title[lang] ??= setting.value;
    else add(ctx, { ...locate({ sheet: "settings", row: setting.row, column: setting.column.col }), outcome: "ignored", message: msg("msg.title_language_unused") });
  }
  const fallback = plain?.value ?? formId?.value ?? basename(ctx.source, extname(ctx.source));
  const filled: Lang[] = [];
  for (const lang of ctx.languages) {
    if (title[lang] === undefined) {
      title[lang] = fallback;
      filled.push(lang);
    }
  }
  if (!plain && filled.length > 0) {
    addToSheet(ctx, "converted", "settings", msg("msg.title_missing", { title: fallback }));
  } else if (plain && filled.length > 0 && ctx.languages.length > 1) {
    add(ctx, {
      ...locate({ sheet: "settings", row: plain.row, column: plain.column.col }),
      outcome: "converted",
      message: msg("msg.title_one", { title: fallback, languages: filled.join(", ") }),
    });
  }
  return ok ? { id, version, title: ordered(ctx, title) } : undefined;
}

// The form's languages first, then the others, so that the title reads like every other text.
function ordered(ctx: ImportContext, text: LocalizedText): LocalizedText {
  const out: LocalizedText = {};
  for (const lang of [...ctx.languages, ...SUPPORTED_LANGS]) if (text[lang] !== undefined && out[lang] === undefined) out[lang] = text[lang];
  return out;
}
