/**
 * The visits export: one row per recorded visit, read page by page from
 * {@link FieldStore.streamVisits} so an export holds one page at a time whatever the number of
 * visits. Address and head of household are personal data the office needs to plan re-visits;
 * the household's phone number is not: it is left out on purpose (the field re-check list is
 * where verifiers get it).
 */
import type { Lang } from "../engine/types.js";
import type { FieldQuery, FieldStore, VisitSurveyOutcome, VisitWithHousehold } from "../model/index.js";
import type { Cell, Column, ExportTable } from "../admin/export-writers.js";
import { at, type AdminKey } from "../admin/i18n.js";

/** The columns: JSON field names, and the header key in the admin's language. */
const VISIT_COLUMNS: readonly (readonly [string, AdminKey])[] = [
  ["visit_id", "visits.visit_id"],
  ["visited_at", "visits.visited_at"],
  ["officer_id", "visits.officer_id"],
  ["officer", "visits.officer"],
  ["village_code", "visits.village_code"],
  ["village", "visits.village"],
  ["address", "visits.address"],
  ["head", "visits.head"],
  ["leaflet", "visits.leaflet"],
  ["tips", "visits.tips"],
  ["survey", "visits.survey"],
  ["response_id", "visits.response_id"],
  ["notes", "visits.notes"],
  ["recorded_at", "visits.recorded_at"],
  ["edited_at", "visits.edited_at"],
];

/** The column keys of the visits export, in order (tests and docs read them). */
export const VISIT_EXPORT_KEYS: readonly string[] = VISIT_COLUMNS.map(([key]) => key);

/** What a visit's survey outcome reads as in `lang`. */
export function visitOutcomeText(outcome: VisitSurveyOutcome, lang: Lang): string {
  return at(lang, `visits.outcome_${outcome}` as AdminKey);
}

/** One visit as a row of the export, in column order. */
export function visitCells(visit: VisitWithHousehold, lang: Lang): Cell[] {
  const names = visit.household.regionName;
  return [
    visit.id,
    visit.visitedAt,
    visit.officerId,
    visit.officerName,
    visit.household.regionCode,
    (names && (names[lang] ?? names["zh-CN"] ?? Object.values(names)[0])) ?? visit.household.regionCode,
    visit.household.address,
    visit.household.headName,
    at(lang, visit.handedOver.leaflet ? "visits.yes" : "visits.no"),
    visit.handedOver.tips.join(", "),
    visitOutcomeText(visit.survey, lang),
    visit.responseId,
    visit.notes,
    visit.createdAt,
    visit.updatedAt,
  ];
}

/** The visits matching `query` (oldest first) as an export table; rows are read lazily. */
export function visitsTable(store: Pick<FieldStore, "streamVisits">, query: FieldQuery, lang: Lang): ExportTable {
  const columns: Column[] = VISIT_COLUMNS.map(([key, label]) => ({ key, header: at(lang, label) }));
  return {
    name: at(lang, "visits.sheet"),
    columns,
    rows: (async function* () {
      for await (const visit of store.streamVisits(query)) yield visitCells(visit, lang);
    })(),
  };
}
