/**
 * Reading what the dashboard's requests ask for: the zod schemas of the query strings more than one
 * feature takes (figures, suggestion filters), their small building blocks, and the language of
 * the reply. What a suggestion filter means is the admin service's to say (`suggestions.filter`).
 */
import type { FastifyRequest } from "fastify";
import { z } from "zod";
import type { StaffRequest } from "../../app/staff-auth.js";
import { SUGGESTION_STATUSES } from "../../core/model/index.js";
import type { Lang } from "../../core/engine/types.js";
import { adminLang } from "../../core/admin/i18n.js";

/** A checkbox-like query flag: "1" or "true" is on; absent, "", "0" or "false" is off. */
export const boolParam = z
  .union([z.literal("1"), z.literal("true"), z.literal("0"), z.literal("false"), z.literal("")])
  .optional()
  .transform((v) => v === "1" || v === "true");

/** A short trimmed text; an empty field counts as absent (forms send every field). */
export const optionalText = z
  .string()
  .trim()
  .max(200)
  .optional()
  .transform((v) => (v === "" ? undefined : v));

/** An optional ISO date or date-time. */
export const dateParam = optionalText.refine((v) => v === undefined || /^\d{4}-\d{2}-\d{2}(T[\d:.]+Z?)?$/.test(v), { message: "a date like 2026-11-01" });

/** Which figures to show: the pages, the statistics, chart and outreach API, and the exports. */
export const statsQuery = z.object({
  lang: optionalText,
  wave: optionalText,
  region: optionalText,
  level: z.coerce.number().int().min(0).max(10).optional(),
  measure: optionalText,
  clean: boolParam,
  min: z.coerce.number().int().min(2).max(10_000).optional(),
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
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});

/** The language of a reply: the `lang` asked for, else the staff member's own, else the default. */
export function langOf(request: FastifyRequest, query: { lang?: string | undefined }): Lang {
  return adminLang(query.lang, adminLang((request as StaffRequest).staff?.lang));
}

/** {@link langOf} for a route whose query is not otherwise parsed (a form's POST). */
export function queryLang(request: FastifyRequest): Lang {
  return langOf(request, request.query as { lang?: string });
}
