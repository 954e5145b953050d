/**
 * The field service: what the phone page's routes (bots/web/field-routes.ts) and the
 * `anxin households` command call. Bootstrap and sync follow docs/field-api.md; the work is in
 * bootstrap.ts, sync.ts (with sync-input.ts checking the phone's body) and households-import.ts.
 *
 * Errors the callers map:
 * - {@link FieldSyncError} (sync): the body is not a sync body → 400 `bad_request`, `messageIn(lang)`;
 * - FieldRequestError `not-staff` (bootstrap, sync): the caller is no longer an officer or admin → 403;
 * - anything else is the database failing → 500 (the phone keeps its items and tries again).
 */
import { maskPhone } from "../engine/phone.js";
import type { Lang, Questionnaire } from "../engine/types.js";
import { FieldRequestError, type HouseholdRecord } from "../model/index.js";
import type { TipLibrary } from "../outreach/tip-library.js";
import type { RawTable } from "../regions/rows.js";
import { buildBootstrap, type FieldBootstrap, type FieldHouseholdView } from "./bootstrap.js";
import type { FieldDeps, FieldServiceStore, FieldStaff } from "./context.js";
import { importHouseholdTable, OfficerLookup, readHouseholdTable, type HouseholdImportIssue, type HouseholdImportOutcome } from "./households-import.js";
import { ft } from "./i18n.js";
import { runSync, type SyncResults } from "./sync.js";

export type { FieldBootstrap, FieldHouseholdView, FieldRecheckView, FieldSurveyView, FieldVillageView, FieldVisitView } from "./bootstrap.js";
export type { FieldServiceStore, FieldStaff } from "./context.js";
export type { HouseholdImportIssue, HouseholdImportOutcome } from "./households-import.js";
export type { SyncItemResult, SyncResults } from "./sync.js";
export { FieldSyncError, MAX_SYNC_ITEMS } from "./sync-input.js";

/** What the field service is made of. */
export interface FieldServiceOptions {
  store: FieldServiceStore;
  /** The safety-tip library (core/outreach/tip-library.ts loadTipLibrary): visits name its tips. */
  tips: TipLibrary;
  /** The office time zone (config OFFICE_TIME_ZONE). */
  timeZone: string;
  /** The clock; default the system's. */
  now?: () => Date;
}

/** Filter of {@link FieldService.households}. */
export interface HouseholdFilter {
  /** One officer's: `platform:user-id` or a resident id. */
  officer?: string | null;
  /** A region's subtree, by code. */
  regionCode?: string | null;
}

/** Field work: the phone page's bootstrap and sync, and the office's household commands. */
export class FieldService {
  private readonly deps: FieldDeps;

  constructor(options: FieldServiceOptions) {
    this.deps = { store: options.store, tips: options.tips, timeZone: options.timeZone, now: options.now ?? (() => new Date()), questionnaires: new Map<string, Questionnaire>() };
  }

  /**
   * The officer or admin with this id (with their display name, and the session epoch the caller
   * compares a staff token's with), or null: a resident, erased, unknown.
   */
  async staffMember(residentId: string): Promise<{ id: string; role: "officer" | "admin"; name: string | null; sessionEpoch: number } | null> {
    const officer = await this.deps.store.getOfficer(residentId);
    if (!officer || (officer.role !== "officer" && officer.role !== "admin")) return null;
    return { id: officer.id, role: officer.role, name: officer.displayName, sessionEpoch: officer.sessionEpoch };
  }

  /** Everything the phone needs offline (docs/field-api.md, without `text`). Throws FieldRequestError `not-staff`. */
  bootstrap(staff: FieldStaff, lang: Lang): Promise<FieldBootstrap> {
    return buildBootstrap(this.deps, staff, lang);
  }

  /**
   * Stores a sync body item by item (docs/field-api.md). Throws FieldSyncError for a body that is
   * not a sync body, FieldRequestError `not-staff` for a caller no longer staff; a bad item is
   * refused in the results, never thrown.
   */
  sync(staff: FieldStaff, body: unknown, lang: Lang): Promise<SyncResults> {
    return runSync(this.deps, staff, body, lang);
  }

  /**
   * Imports households from a file's bytes (CSV or XLSX) or an already read table. Every problem
   * comes back with its line and nothing is stored while any remains.
   */
  async importHouseholds(source: Uint8Array | RawTable, request: { officer?: string | null; dryRun?: boolean; actorId: string | null }): Promise<HouseholdImportOutcome> {
    let table: RawTable;
    if (source instanceof Uint8Array) {
      const read = await readHouseholdTable(source);
      if ("issues" in read) return { ok: false, issues: read.issues };
      table = read.table;
    } else {
      table = source;
    }
    return importHouseholdTable(this.deps.store, table, { ...request, now: this.deps.now() });
  }

  /**
   * Households, by region code then address. Throws FieldRequestError `not-staff` when `officer`
   * names nobody on the staff, `unknown-region` for an unknown region code.
   */
  async households(filter: HouseholdFilter = {}): Promise<HouseholdRecord[]> {
    const query: { officerId?: string; regionPath?: string } = {};
    if (filter.officer) {
      const found = await new OfficerLookup(this.deps.store).find(filter.officer.trim());
      if (!found.ok) throw new FieldRequestError("not-staff", filter.officer);
      query.officerId = found.id;
    }
    if (filter.regionCode) {
      const region = (await this.deps.store.listRegions()).find((r) => r.code === filter.regionCode?.trim());
      if (!region) throw new FieldRequestError("unknown-region", filter.regionCode);
      query.regionPath = region.path;
    }
    return this.deps.store.listFieldHouseholds(query);
  }

  /**
   * One household with its visits, for its officer (or an admin). Throws FieldRequestError
   * `not-found` for no such household and `not-yours` for another officer's.
   */
  async household(staff: FieldStaff, id: string, lang: Lang): Promise<FieldHouseholdDetail> {
    const member = await this.staffMember(staff.id);
    if (!member) throw new FieldRequestError("not-staff");
    const household = id.length <= 64 ? await this.deps.store.getHousehold(id) : null;
    if (!household) throw new FieldRequestError("not-found");
    if (member.role !== "admin" && household.officerId !== member.id) throw new FieldRequestError("not-yours");
    const visits = await this.deps.store.listVisits({ householdId: household.id, limit: 200 });
    return {
      id: household.id,
      regionCode: household.regionCode,
      regionName: household.regionName[lang] ?? household.regionName["zh-CN"] ?? Object.values(household.regionName)[0] ?? household.regionCode,
      address: household.address,
      headName: household.headName,
      phone: household.phone ? maskPhone(household.phone) : null,
      linked: household.residentId !== null,
      officerId: household.officerId,
      visits: visits.map((v) => ({ id: v.id, officerName: v.officerName, visitedAt: v.visitedAt.toISOString(), handedOver: { leaflet: v.handedOver.leaflet, tips: [...v.handedOver.tips] }, survey: v.survey, notes: v.notes, responseId: v.responseId })),
    };
  }

  /** Erases a household with its visits and interviews (audited); false when there is none. */
  eraseHousehold(id: string, actorId: string | null): Promise<boolean> {
    return this.deps.store.eraseHousehold(id, actorId);
  }
}

/** One household and its visits (by anyone), newest first: `GET /field/api/households/:id`. */
export interface FieldHouseholdDetail extends Omit<FieldHouseholdView, "surveyed" | "lastVisitAt" | "visits"> {
  visits: { id: string; officerName: string | null; visitedAt: string; handedOver: { leaflet: boolean; tips: string[] }; survey: string; notes: string | null; responseId: string | null }[];
}

/** An import's problems as lines in `lang` ("Nothing was imported: …", then one per problem; at most `max`). */
export function importIssueLines(lang: Lang, issues: readonly HouseholdImportIssue[], max = 50): string[] {
  const lines = [ft(lang, "cli.refused", { count: issues.length })];
  for (const problem of issues.slice(0, max)) {
    const message = ft(lang, problem.key, problem.vars ?? {});
    lines.push(problem.line === null ? message : ft(lang, "cli.line", { line: problem.line, message }));
  }
  if (issues.length > max) lines.push(ft(lang, "cli.more", { count: issues.length - max }));
  return lines;
}
