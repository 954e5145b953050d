/**
 * `GET /field/api/bootstrap` (docs/field-api.md): everything the officer's phone needs to work
 * offline — their villages and households, their recent visits, the tip library's titles, the
 * open wave with its questionnaire and region tree, and the field re-checks they may verify.
 * The routes add the page's texts (`text`).
 */
import { maskPhone } from "../engine/phone.js";
import type { Lang, Questionnaire, RegionNode } from "../engine/types.js";
import { VISIT_EDIT_WINDOW_MS, type HandedOver, type HouseholdRecord, type SurveyMode, type VisitSurveyOutcome, type WaveRecord } from "../model/index.js";
import { tipTitle } from "../outreach/tip-library.js";
import { ADMIN_LIST_CAP, areaVillages, nameIn, pathNames, type FieldScope } from "./area.js";
import { interviewSetup, loadScope, questionnaireById, recheckQuestions, visibleRechecks, type FieldDeps, type FieldStaff, type RecheckQuestionView } from "./context.js";

/** How far back the phone's list of the officer's own visits goes. */
export const RECENT_VISITS_MS = 30 * 24 * 3600 * 1000;
/** Most recent visits handed to the phone. */
export const MAX_RECENT_VISITS = 1000;

/** A village the officer may add households in. */
export interface FieldVillageView {
  code: string;
  name: string;
  /** Names from the top of the tree down to the village, in the request's language. */
  path: string[];
}

/** A household as the phone lists it (the phone number masked). */
export interface FieldHouseholdView {
  id: string;
  regionCode: string;
  regionName: string;
  address: string;
  headName: string | null;
  phone: string | null;
  /** A resident (chat account) is linked to it. */
  linked: boolean;
  /** Answered the current wave, and how; null: not (or no wave open). */
  surveyed: SurveyMode | null;
  lastVisitAt: string | null;
  visits: number;
  /** The officer it is assigned to (an admin's list holds everyone's): its QR names them. */
  officerId: string | null;
}

/** One of the officer's recent visits. */
export interface FieldVisitView {
  id: string;
  clientId: string;
  householdId: string;
  visitedAt: string;
  handedOver: HandedOver;
  survey: VisitSurveyOutcome;
  notes: string | null;
  responseId: string | null;
  /** Until when the author may still change it; null when they no longer may. */
  editableUntil: string | null;
}

/** The open wave as the phone runs interviews of it. */
export interface FieldSurveyView {
  wave: { id: string; name: string; questionnaireId: string; version: number; open: true };
  questionnaire: Questionnaire;
  regions: RegionNode[];
}

/** A field re-check the officer may verify. */
export interface FieldRecheckView {
  spotCheckId: string;
  waveName: string;
  mode: SurveyMode;
  household: { address: string; headName: string | null; phone: string | null } | null;
  regionName: string | null;
  questions: RecheckQuestionView[];
  outcome: string | null;
  checkedAt: string | null;
}

/** The bootstrap answer of docs/field-api.md without `text` (the routes add the page's texts). */
export interface FieldBootstrap {
  me: { id: string; name: string | null; role: "officer" | "admin" };
  lang: Lang;
  timeZone: string;
  serverTime: string;
  /** An admin's households or villages were cut at {@link ADMIN_LIST_CAP}. */
  truncated: boolean;
  villages: FieldVillageView[];
  households: FieldHouseholdView[];
  visits: FieldVisitView[];
  tips: { id: string; title: string }[];
  survey: FieldSurveyView | null;
  rechecks: FieldRecheckView[];
}

/** Builds the bootstrap of a staff member in `lang`. Throws FieldRequestError `not-staff` for someone no longer staff. */
export async function buildBootstrap(deps: FieldDeps, staff: FieldStaff, lang: Lang): Promise<FieldBootstrap> {
  const now = deps.now();
  const scope = await loadScope(deps, staff);
  const wave = await deps.store.currentWave(now);
  const { villages, truncated: villagesCut } = areaVillages(scope);
  const { households, truncated: householdsCut } = await listedHouseholds(deps, scope);
  const [householdViews, visits, tips, survey, rechecks] = await Promise.all([
    householdList(deps, scope, households, wave, lang),
    recentVisits(deps, scope, now),
    deps.tips.listTips(),
    wave ? surveyView(deps, scope, wave, lang) : Promise.resolve(null),
    wave ? recheckList(deps, scope, wave, lang) : Promise.resolve([]),
  ]);
  return {
    me: { id: scope.staff.id, name: scope.staff.displayName, role: scope.admin ? "admin" : "officer" },
    lang,
    timeZone: deps.timeZone,
    serverTime: now.toISOString(),
    truncated: villagesCut || householdsCut,
    villages: villages.map((v) => ({ code: v.code, name: nameIn(v.name, lang, v.code), path: pathNames(scope, v, lang) })),
    households: householdViews,
    visits,
    tips: tips.map((tip) => ({ id: tip.id, title: tipTitle(tip, lang) })),
    survey,
    rechecks,
  };
}

/** An officer's own households; an admin's every household, capped. */
async function listedHouseholds(deps: FieldDeps, scope: FieldScope): Promise<{ households: readonly HouseholdRecord[]; truncated: boolean }> {
  if (!scope.admin) return { households: scope.own, truncated: false };
  const all = await deps.store.listFieldHouseholds();
  return all.length > ADMIN_LIST_CAP ? { households: all.slice(0, ADMIN_LIST_CAP), truncated: true } : { households: all, truncated: false };
}

async function householdList(deps: FieldDeps, scope: FieldScope, households: readonly HouseholdRecord[], wave: WaveRecord | null, lang: Lang): Promise<FieldHouseholdView[]> {
  const officerFilter = scope.admin ? {} : { officerId: scope.staff.id };
  const surveyed = new Map<string, SurveyMode>();
  if (wave) {
    for (const row of await deps.store.fieldCoverageRows({ ...officerFilter, waveId: wave.id })) if (row.dwelling && row.surveyed) surveyed.set(row.householdKey, row.surveyed);
  }
  const wanted = new Set(households.map((h) => h.id));
  const stats = new Map<string, { last: Date; count: number }>();
  for await (const visit of deps.store.streamVisits(officerFilter)) {
    if (!wanted.has(visit.householdId)) continue;
    const seen = stats.get(visit.householdId);
    if (!seen) stats.set(visit.householdId, { last: visit.visitedAt, count: 1 });
    else stats.set(visit.householdId, { last: visit.visitedAt > seen.last ? visit.visitedAt : seen.last, count: seen.count + 1 });
  }
  return households.map((h) => ({
    id: h.id,
    regionCode: h.regionCode,
    regionName: nameIn(h.regionName, lang, h.regionCode),
    address: h.address,
    headName: h.headName,
    phone: h.phone ? maskPhone(h.phone) : null,
    linked: h.residentId !== null,
    surveyed: surveyed.get(h.id) ?? null,
    lastVisitAt: stats.get(h.id)?.last.toISOString() ?? null,
    visits: stats.get(h.id)?.count ?? 0,
    officerId: h.officerId,
  }));
}

/** The staff member's own visits of the last 30 days, newest first. */
async function recentVisits(deps: FieldDeps, scope: FieldScope, now: Date): Promise<FieldVisitView[]> {
  const visits = await deps.store.listVisits({ officerId: scope.staff.id, since: new Date(now.getTime() - RECENT_VISITS_MS), limit: MAX_RECENT_VISITS });
  return visits.map((v) => {
    const until = v.createdAt.getTime() + VISIT_EDIT_WINDOW_MS;
    return {
      id: v.id,
      clientId: v.clientId,
      householdId: v.householdId,
      visitedAt: v.visitedAt.toISOString(),
      handedOver: { leaflet: v.handedOver.leaflet, tips: [...v.handedOver.tips] },
      survey: v.survey,
      notes: v.notes,
      responseId: v.responseId,
      editableUntil: until > now.getTime() ? new Date(until).toISOString() : null,
    };
  });
}

async function surveyView(deps: FieldDeps, scope: FieldScope, wave: WaveRecord, lang: Lang): Promise<FieldSurveyView | null> {
  const setup = await interviewSetup(deps, scope, wave, lang);
  // A wave whose questionnaire cannot be loaded cannot be interviewed: the phone shows no survey.
  if (!setup) return null;
  return {
    wave: { id: wave.id, name: wave.name, questionnaireId: wave.questionnaireKey, version: wave.questionnaireVersion, open: true },
    questionnaire: setup.questionnaire,
    regions: setup.regions,
  };
}

async function recheckList(deps: FieldDeps, scope: FieldScope, wave: WaveRecord, lang: Lang): Promise<FieldRecheckView[]> {
  const rechecks = await visibleRechecks(deps, scope, wave.id);
  const setup = rechecks.length > 0 ? await interviewSetup(deps, scope, wave, lang) : undefined;
  const views: FieldRecheckView[] = [];
  for (const r of rechecks) {
    const questionnaire = await questionnaireById(deps, r.questionnaireId);
    views.push({
      spotCheckId: r.spotCheckId,
      waveName: wave.name,
      mode: r.mode,
      household: r.household ? { address: r.household.address, headName: r.household.headName, phone: r.household.phone } : null,
      regionName: r.regionName || r.regionCode ? nameIn(r.regionName, lang, r.regionCode ?? "") : null,
      questions: questionnaire ? recheckQuestions(questionnaire, r.answers, r.spotCheckId, lang, setup?.regions ?? []) : [],
      outcome: r.outcome,
      checkedAt: r.checkedAt?.toISOString() ?? null,
    });
  }
  return views;
}
