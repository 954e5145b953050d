/**
 * The tables and small pure helpers of the XLSForm importer (core/definitions/xlsform.ts): column
 * names and aliases, survey row types, engine ids, texts the importer adds, and the shapes of
 * select_multiple constraints the engine can express.
 */
import type { Expr } from "../engine/expression.js";
import type { Lang, QuestionDefinition } from "../engine/types.js";
import { msg, type ReportMessage, type XlsFormMessageKey } from "./xlsform-messages.js";
import type { ReportSheet } from "./xlsform-report.js";
import type { SheetColumn, SheetRow } from "./xlsform-sheets.js";

// ---------------------------------------------------------------------------------------------
// Columns
// ---------------------------------------------------------------------------------------------

/** Columns that may carry `::language`. */
export const TRANSLATABLE = new Set(["label", "hint", "guidance_hint", "constraint_message", "required_message", "image", "audio", "video", "big-image", "media"]);

/** Translatable columns that hold text (the others hold media file names). */
export const TEXT_COLUMNS = new Set(["label", "hint", "constraint_message", "required_message"]);

/** Other spellings pyxform accepts for the same column. */
export const ALIASES: Record<string, string> = {
  "jr:constraintmsg": "constraint_message",
  "jr:requiredmsg": "required_message",
  "constraint message": "constraint_message",
  "required message": "required_message",
  "guidance hint": "guidance_hint",
  relevance: "relevant",
  readonly: "read_only",
  "read only": "read_only",
  "list name": "list_name",
  "choice filter": "choice_filter",
  "repeat count": "repeat_count",
  "jr:count": "repeat_count",
};

/** A column with its meaning. */
export interface Column {
  col: SheetColumn;
  /** Lowercased base name after aliases: `label`, `relevant`, `media` … */
  base: string;
  /** Text after `::` (the language), or null for a column without one. */
  suffix: string | null;
}

/**
 * Reads a header the way pyxform does: case-insensitive, aliases applied (`list name`,
 * `jr:constraintMsg` …), and a language after `::` or a single `:` (`label::English (en)`,
 * `label:English`, `hint:中文`), spaces around the separator allowed.
 */
export function parseColumn(col: SheetColumn): Column {
  const header = col.header.trim().replace(/\s+/g, " ");
  const whole = header.toLowerCase();
  // A whole-header alias first: jr:constraintmsg is one column, not jr in language constraintmsg.
  if (Object.hasOwn(ALIASES, whole)) return { col, base: ALIASES[whole] as string, suffix: null };
  // jr:constraintMsg::English (en) / jr:constraintMsg:English: an alias with a colon, then a language.
  const prefixed = Object.keys(ALIASES).find((key) => key.includes(":") && whole.startsWith(key) && whole[key.length] === ":");
  const split = prefixed ? { base: prefixed, rest: header.slice(prefixed.length).replace(/^::?/, "").trim() } : splitHeader(header);
  const rawBase = split.base.toLowerCase();
  const aliased = Object.hasOwn(ALIASES, rawBase) ? (ALIASES[rawBase] as string) : rawBase;
  // Only translatable columns take a language; bind::…, body::… keep their full name.
  if (!TRANSLATABLE.has(aliased)) return { col, base: split.rest === null ? aliased : whole, suffix: null };
  const base = aliased;
  let suffix = split.rest;
  // media::image::English (en) (or media:image:English): the language comes after the media type.
  if (base === "media" && suffix !== null) suffix = splitHeader(suffix).rest;
  return { col, base, suffix: suffix === "" ? null : suffix };
}

// `a::b` → a, b; else `a:b` → a, b (pyxform accepts both); else a, null.
function splitHeader(header: string): { base: string; rest: string | null } {
  const double = header.indexOf("::");
  const at = double >= 0 ? double : header.indexOf(":");
  if (at < 0) return { base: header.trim(), rest: null };
  return { base: header.slice(0, at).trim(), rest: header.slice(at + (double >= 0 ? 2 : 1)).trim() };
}

/** A sheet with parsed columns. */
export interface Sheet {
  kind: ReportSheet;
  name: string;
  columns: Column[];
  rows: SheetRow[];
}

/** The trimmed text of `row` in `column` ("" when empty or no such column). */
export function cell(row: SheetRow, column: Column | undefined): string {
  return column ? (row.cells.get(column.col.index) ?? "").trim() : "";
}

// ---------------------------------------------------------------------------------------------
// Survey row types
// ---------------------------------------------------------------------------------------------

/** The XLSForm question types the importer converts. */
export type QuestionKind = "select_one" | "select_multiple" | "integer" | "decimal" | "text" | "note" | "range";

/** What a survey row is, from its `type` cell. */
export type RowType =
  | { kind: "question"; qtype: QuestionKind; list?: string; orOther?: boolean; fromFile?: string }
  | { kind: "begin_group" | "end_group" | "begin_repeat" | "end_repeat" }
  | { kind: "skip"; type: string; why: ReportMessage }
  | { kind: "bad"; why: ReportMessage };

/** Metadata types: collected by ODK clients, not asked; skipped. */
export const METADATA = new Set([
  "start", "end", "today", "deviceid", "subscriberid", "simserial", "phonenumber", "username", "email", "audit",
  "start-geopoint", "instanceid", "uri:deviceid", "uri:email", "uri:username", "uri:subscriberid", "uri:simserial", "uri:phonenumber",
]);

/** Question types the engine has no counterpart for, with the reason; skipped. */
export const UNSUPPORTED: Record<string, XlsFormMessageKey> = {
  calculate: "msg.type_calculate",
  hidden: "msg.type_hidden",
  date: "msg.type_date",
  time: "msg.type_time",
  datetime: "msg.type_datetime",
  geopoint: "msg.type_location",
  geotrace: "msg.type_location",
  geoshape: "msg.type_location",
  "background-geopoint": "msg.type_location",
  image: "msg.type_photo",
  audio: "msg.type_audio",
  "background-audio": "msg.type_audio",
  video: "msg.type_video",
  file: "msg.type_file",
  barcode: "msg.type_barcode",
  acknowledge: "msg.type_acknowledge",
  trigger: "msg.type_acknowledge",
  rank: "msg.type_rank",
  "xml-external": "msg.type_external_data",
  "csv-external": "msg.type_external_data",
  osm: "msg.type_map",
};

/** Parses a `type` cell (`select_one list or_other`, `begin group`, `integer` …). */
export function parseRowType(raw: string): RowType {
  const t = raw.trim().replace(/\s+/g, " ");
  const lower = t.toLowerCase();
  const select = /^(select_one|select one|select_multiple|select multiple|select all that apply)(?: (\S+)(?: (or_other))?)?$/i.exec(t);
  if (select) {
    const multiple = !/^select[_ ]one$/i.test(select[1] ?? "");
    if (!select[2]) return { kind: "bad", why: msg("msg.type_needs_list", { type: t }) };
    return { kind: "question", qtype: multiple ? "select_multiple" : "select_one", list: select[2], orOther: select[3] !== undefined };
  }
  const fromFile = /^select[_ ](one|multiple)[_ ]from[_ ]file(?: (\S+))?$/i.exec(t);
  if (fromFile) {
    const file = fromFile[2];
    if (!file) return { kind: "bad", why: msg("msg.type_needs_file", { type: t }) };
    return { kind: "question", qtype: fromFile[1]?.toLowerCase() === "one" ? "select_one" : "select_multiple", list: `file:${file}`, fromFile: file };
  }
  if (/^(select_one_external|select_multiple_external)\b/.test(lower)) {
    return { kind: "skip", type: lower.split(" ")[0] ?? lower, why: msg("msg.type_external") };
  }
  if (/^rank\b/.test(lower)) return { kind: "skip", type: "rank", why: msg("msg.type_rank") };
  switch (lower) {
    case "begin group":
    case "begin_group":
      return { kind: "begin_group" };
    case "end group":
    case "end_group":
      return { kind: "end_group" };
    case "begin repeat":
    case "begin_repeat":
      return { kind: "begin_repeat" };
    case "end repeat":
    case "end_repeat":
      return { kind: "end_repeat" };
    case "integer":
    case "int":
      return { kind: "question", qtype: "integer" };
    case "decimal":
      return { kind: "question", qtype: "decimal" };
    case "text":
    case "string":
      return { kind: "question", qtype: "text" };
    case "note":
      return { kind: "question", qtype: "note" };
    case "range":
      return { kind: "question", qtype: "range" };
  }
  if (METADATA.has(lower)) return { kind: "skip", type: lower, why: msg("msg.type_metadata") };
  if (Object.hasOwn(UNSUPPORTED, lower)) return { kind: "skip", type: lower, why: msg(UNSUPPORTED[lower] as XlsFormMessageKey) };
  return { kind: "bad", why: msg("msg.type_unknown", { type: t }) };
}

// ---------------------------------------------------------------------------------------------
// Names and ids
// ---------------------------------------------------------------------------------------------

/** The engine's question (and section) id pattern. */
export const QUESTION_ID = /^[a-z][a-z0-9_]{0,31}$/;
/** The engine's option id pattern. */
export const OPTION_ID = /^[A-Za-z0-9_.-]{1,32}$/;
/** Words of the engine's expression language, which cannot be ids. */
export const RESERVED = new Set(["and", "or", "not", "true", "false"]);

/** Can the engine use this XLSForm name as an id unchanged? */
export function isEngineId(name: string): boolean {
  return QUESTION_ID.test(name) && !RESERVED.has(name);
}

/** An engine id for an XLSForm name that is not one, unique among `used`. */
export function engineIdFor(name: string, used: Set<string>): string {
  let base = name
    .normalize("NFKD")
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, "_")
    .replace(/_+/g, "_")
    .replace(/^_+|_+$/g, "");
  if (!/^[a-z]/.test(base)) base = `q_${base}`.replace(/_+$/, "");
  base = base.slice(0, 32).replace(/_+$/, "");
  if (RESERVED.has(base)) base = `${base}_q`;
  let id = base;
  for (let n = 2; used.has(id); n++) id = `${base.slice(0, 32 - String(n).length - 1)}_${n}`;
  return id;
}

/** What a survey-sheet name stands for. */
export interface NameEntry {
  name: string;
  row: number;
  kind: "question" | "note" | "group" | "skipped";
  /** The engine id (questions, notes, groups). */
  id?: string;
  /** Position among imported questions and notes. */
  order?: number;
  /** The XLSForm type, for messages. */
  type: string;
}

// ---------------------------------------------------------------------------------------------
// Fixed texts
// ---------------------------------------------------------------------------------------------

/** Label of the option or_other adds (XLSForm only says "Other"). */
export const OTHER_LABEL: Record<Lang, string> = { "zh-CN": "其他（请说明）", "zh-TW": "其他（請說明）", en: "Other (please specify)" };

/** Columns the importer knows to be harmless to ignore, with the reason given in the report. */
export const IGNORED_COLUMNS: Record<string, XlsFormMessageKey> = {
  appearance: "msg.column_appearance",
  guidance_hint: "msg.column_guidance_hint",
  image: "msg.column_media",
  audio: "msg.column_media",
  video: "msg.column_media",
  "big-image": "msg.column_media",
  media: "msg.column_media",
  default: "msg.column_default",
  trigger: "msg.column_trigger",
  calculation: "msg.column_calculation",
  parameters: "msg.column_parameters",
  autoplay: "msg.column_autoplay",
  "body::accuracythreshold": "msg.column_accuracy",
  note: "msg.column_comment",
  notes: "msg.column_comment",
  comment: "msg.column_comment",
  comments: "msg.column_comment",
};

/** Settings that only matter to ODK servers and clients. */
export const MEANINGLESS_SETTINGS = new Set([
  "instance_name", "style", "submission_url", "auto_send", "auto_delete", "name", "namespaces", "allow_choice_duplicates", "clean_text_values",
]);

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/** yes/true/1 → true, no/false/0 → false, anything else (an expression) → undefined. */
export function parseFlag(text: string): boolean | undefined {
  const t = text.trim().toLowerCase();
  if (["yes", "true", "1", "true()", "y"].includes(t)) return true;
  if (["no", "false", "0", "false()", "n", ""].includes(t)) return false;
  return undefined;
}

/** `count-selected(.) <op> N` (either way round) as bounds on the number of choices. */
export function countBound(e: Expr): { min?: number; max?: number } | undefined {
  if (e.t !== "bin" || !["<", "<=", ">", ">=", "=="].includes(e.op)) return undefined;
  const isCount = (x: Expr): boolean => x.t === "call" && x.fn === "count" && x.args[0]?.t === "self";
  const isInt = (x: Expr): x is Extract<Expr, { t: "lit" }> & { value: number } =>
    x.t === "lit" && typeof x.value === "number" && Number.isInteger(x.value) && x.value >= 0;
  let op = e.op;
  let n: number;
  if (isCount(e.left) && isInt(e.right)) n = e.right.value;
  else if (isCount(e.right) && isInt(e.left)) {
    n = e.left.value;
    op = op === "<" ? ">" : op === "<=" ? ">=" : op === ">" ? "<" : op === ">=" ? "<=" : op;
  } else return undefined;
  switch (op) {
    case "<":
      return n >= 1 ? { max: n - 1 } : undefined;
    case "<=":
      return { max: n };
    case ">":
      return { min: n + 1 };
    case ">=":
      return { min: n };
    case "==":
      return { min: n, max: n };
    default:
      return undefined;
  }
}

/** `not(selected(., 'x') and count-selected(.) > 1)` (either order; `>= 2` too) → 'x'. */
export function exclusiveOption(e: Expr): string | undefined {
  if (e.t !== "not" || e.arg.t !== "bin" || e.arg.op !== "and") return undefined;
  const { left, right } = e.arg;
  const selectedOf = (x: Expr): string | undefined =>
    x.t === "call" && x.fn === "selected" && x.args[0]?.t === "self" && x.args[1]?.t === "lit" ? String(x.args[1].value) : undefined;
  const moreThanOne = (x: Expr): boolean => {
    const bound = countBound(x);
    return bound !== undefined && bound.min === 2 && bound.max === undefined;
  };
  const a = selectedOf(left);
  if (a !== undefined && moreThanOne(right)) return a;
  const b = selectedOf(right);
  if (b !== undefined && moreThanOne(left)) return b;
  return undefined;
}

/** Key order of a question in YAML. */
export const QUESTION_KEYS = ["id", "type", "section", "label", "hint", "required", "required_message", "relevant", "constraint", "constraint_message", "min", "max", "integer", "options"];
/** Key order of an option in YAML. */
export const OPTION_KEYS = ["id", "label", "specify", "exclusive", "valid", "relevant"];

/** A copy of `value` with keys in `order` first (undefined members dropped). */
export function withKeyOrder<T extends object>(value: T, order: readonly string[]): T {
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of order) if (source[key] !== undefined) out[key] = source[key];
  for (const [key, v] of Object.entries(source)) if (out[key] === undefined && v !== undefined) out[key] = v;
  return out as T;
}

/** Puts a question's keys (and its options') in the order people read them in YAML. */
export function reorder(q: QuestionDefinition): QuestionDefinition {
  const out = withKeyOrder(q, QUESTION_KEYS);
  if ("options" in out) out.options = out.options.map((o) => withKeyOrder(o, OPTION_KEYS));
  return out;
}
