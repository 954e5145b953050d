/**
 * Reading what the dashboard's requests ask for: the zod schemas of the query strings more than one
 * feature takes (figures, suggestion filters), the building blocks every route reads its
 * parameters with (text, ids, dates, numbers: each refusal names the parameter, see errors.ts),
 * and the language of the reply. What a suggestion filter means is the admin service's to say (`suggestions.filter`).
 */
import type { FastifyRequest } from "fastify";
import { z } from "zod";
import type { StaffRequest } from "../../app/staff-auth.js";
import { SUGGESTION_STATUSES } from "../../core/model/index.js";
import type { Lang } from "../../core/engine/types.js";
import { adminLang } from "../../core/admin/i18n.js";
import { parseLocalDateTime } from "../../core/util/time-zone.js";

/** A checkbox-like query flag: "1" or "true" is on; absent, "", "0" or "false" is off. */
export const boolParam = z
  .union([z.literal("1"), z.literal("true"), z.literal("0"), z.literal("false"), z.literal("")])
  .optional()
  .transform((v) => v === "1" || v === "true");

// A lone surrogate cannot be stored or sent on (the database and JSON encoders reject or mangle it).
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// Control characters in a one-line field are never typed, only injected (newlines, tabs excepted in notes).
const CONTROL = /[\u0000-\u001F\u007F]/;
const CONTROL_BUT_LINES = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

/** Whether `text` is text an admin could have typed: whole Unicode, no control characters (`lines`: newlines and tabs allowed). */
export function isCleanText(text: string, lines = false): boolean {
  return !LONE_SURROGATE.test(text) && !(lines ? CONTROL_BUT_LINES : CONTROL).test(text);
}

/** A required text of at most `max` characters, trimmed, whole Unicode (`lines`: several lines allowed). */
export function textParam(max: number, lines = false) {
  return z.string().superRefine((v, ctx) => {
    if (v.length > max || !isCleanText(v, lines)) ctx.addIssue({ code: "custom", message: "text", params: { key: "errors.expect_text", vars: { max } } });
  });
}

/** A short trimmed text (one line, at most `max` characters); an empty field counts as absent (forms send every field). */
export function optionalTextParam(max = 200) {
  return textParam(max)
    .optional()
    .transform((v) => (v === undefined || v.trim() === "" ? undefined : v.trim()));
}

/** A short trimmed text; an empty field counts as absent (forms send every field). */
export const optionalText = optionalTextParam(200);

/** An id in a path or a form (the store's ids are cuids: letters, digits, "-" and "_"). */
export const idParam = z.string().superRefine((v, ctx) => {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(v)) ctx.addIssue({ code: "custom", message: "id", params: { key: "errors.expect_id" } });
});

/** The path parameter `:id` of a route. */
export const idParams = z.object({ id: idParam });

/**
 * An optional ISO date or date-time ("2026-11-01", "2026-11-01T08:00", "…+08:00"): checked part by
 * part, because `new Date` rolls 2026-02-30 over into March and gives up on 2026-13-45 only later,
 * inside the database query. Years are kept to 1900–2999, the range any record can have.
 */
export const dateParam = optionalText.superRefine((v, ctx) => {
  if (v === undefined) return;
  const ms = parseLocalDateTime(v, "Z");
  const year = ms === null ? Number.NaN : new Date(ms).getUTCFullYear();
  if (!(year >= 1900 && year <= 2999)) ctx.addIssue({ code: "custom", message: "date", params: { key: "errors.expect_date" } });
});

/** A number as JSON sends it or as text: the text must be all of it ("12", "0.5"), never "0x10", "1e999", "NaN" or "". */
function numberOf(value: unknown): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value !== "string" || !/^\s*[+-]?(\d{1,15}(\.\d{0,15})?|\.\d{1,15})\s*$/.test(value)) return undefined;
  return Number(value);
}

/** An optional number from `min` to `max` (`integer`: whole); "" counts as absent, anything else that is not such a number is refused. */
export function numberParam(min: number, max: number, integer = false) {
  return z
    .unknown()
    .transform((v, ctx) => {
      if (v === undefined || (typeof v === "string" && v.trim() === "")) return undefined;
      const n = numberOf(v);
      if (n === undefined || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
        ctx.addIssue({ code: "custom", message: "number", params: { key: integer ? "errors.expect_integer" : "errors.expect_number", vars: { min, max } } });
        return z.NEVER;
      }
      return n;
    })
    // Without it zod counts an absent key as missing (the input side of a transform is not optional by itself).
    .optional();
}

/** A number from `min` to `max` that must be given. */
export function requiredNumber(min: number, max: number) {
  return numberParam(min, max).transform((v, ctx) => {
    if (v !== undefined) return v;
    ctx.addIssue({ code: "custom", message: "missing", params: { key: "errors.missing" } });
    return z.NEVER;
  });
}

/** An optional whole number from `min` to `max`. */
export function intParam(min: number, max: number) {
  return numberParam(min, max, true);
}

/** Which figures to show: the pages, the statistics, chart and outreach API, and the exports. */
export const statsQuery = z.object({
  lang: optionalText,
  wave: optionalText,
  region: optionalText,
  level: intParam(0, 10),
  measure: optionalText,
  clean: boolParam,
  min: intParam(2, 10_000),
});

/** A parsed {@link statsQuery}. */
export type StatsQuery = z.infer<typeof statsQuery>;

/** Which suggestions to list: the Suggestions page, its API and the export. */
export const suggestionQuery = z.object({
  lang: optionalText,
  wave: optionalText,
  region: optionalText,
  status: z.enum(["", ...SUGGESTION_STATUSES]).optional(),
  tag: optionalText,
  q: optionalText,
  since: dateParam,
  until: dateParam,
  cursor: optionalText,
  limit: intParam(1, 1000),
});

/** The language of a reply: the `lang` asked for, else the staff member's own, else the default. */
export function langOf(request: FastifyRequest, query: { lang?: string | undefined }): Lang {
  return adminLang(query.lang, adminLang((request as StaffRequest).staff?.lang));
}

/** {@link langOf} for a route whose query is not otherwise parsed (a form's POST). */
export function queryLang(request: FastifyRequest): Lang {
  return langOf(request, request.query as { lang?: string });
}
