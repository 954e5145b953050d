/**
 * What bootstrap and sync share: the store ports the field service uses, the staff member's scope,
 * the interview setup of a wave (built exactly as the chat runner builds its engine context, so a
 * replay on the server sees what the phone saw), and the field re-checks a verifier may see.
 */
import { isValidAnswer } from "../engine/answer-check.js";
import { localize, validateQuestionnaire } from "../engine/definition.js";
import { isRecheckable } from "../engine/recheck.js";
import { describeAnswer } from "../engine/questions/describe.js";
import { sha256Hex } from "../engine/sha256.js";
import { isAnswerValue } from "../engine/state.js";
import type { Lang, Questionnaire, RegionNode } from "../engine/types.js";
import {
  FieldRequestError,
  type FieldRecheckRecord,
  type FieldStore,
  type RegionStore,
  type ResidentStore,
  type SpotCheckStore,
  type StaffStore,
  type SurveyStore,
  type WaveRecord,
} from "../model/index.js";
import type { TipLibrary } from "../outreach/tip-library.js";
import { askedRegionTree, buildRegionTree } from "../survey/region-tree.js";
import { fieldScope, inArea, isOwnWork, mayVerify, type FieldScope } from "./area.js";
import type { InterviewSetup } from "./interview.js";

/** The store ports the field service uses (a test's fake implements just these). */
export type FieldServiceStore = Pick<
  FieldStore,
  "addHousehold" | "getHousehold" | "listFieldHouseholds" | "saveVisit" | "listVisits" | "streamVisits" | "storeInterview" | "listFieldRechecks" | "importHouseholds" | "fieldCoverageRows" | "eraseHousehold"
> &
  Pick<SurveyStore, "currentWave" | "listWaves" | "getQuestionnaireById"> &
  Pick<RegionStore, "listRegions"> &
  Pick<StaffStore, "getOfficer"> &
  Pick<ResidentStore, "findIdentity" | "getResident"> &
  Pick<SpotCheckStore, "listSpotChecks" | "recordSpotCheck">;

/** The staff member a request is for, as the routes know them (the store is asked again). */
export interface FieldStaff {
  id: string;
  role: string;
}

/** What the service runs on. */
export interface FieldDeps {
  store: FieldServiceStore;
  tips: TipLibrary;
  /** The office time zone (config OFFICE_TIME_ZONE). */
  timeZone: string;
  now: () => Date;
  /** Validated questionnaires by row id: a stored version never changes, so they are kept. */
  questionnaires: Map<string, Questionnaire>;
}

/** Most questions a field re-check asks at the door (more than the chat's: the officer is there in person). */
export const FIELD_RECHECK_QUESTIONS = 5;

/** The staff member's scope; refuses (`not-staff`) someone who is no longer an officer or admin. */
export async function loadScope(deps: FieldDeps, staff: FieldStaff): Promise<FieldScope> {
  const officer = await deps.store.getOfficer(staff.id);
  if (!officer || (officer.role !== "officer" && officer.role !== "admin")) throw new FieldRequestError("not-staff");
  const [regions, own] = await Promise.all([deps.store.listRegions(), deps.store.listFieldHouseholds({ officerId: officer.id })]);
  return fieldScope(officer, regions, own);
}

/** A stored questionnaire by row id, validated; undefined when it is gone or no longer valid. */
export async function questionnaireById(deps: FieldDeps, id: string): Promise<Questionnaire | undefined> {
  const cached = deps.questionnaires.get(id);
  if (cached) return cached;
  const record = await deps.store.getQuestionnaireById(id);
  if (!record) return undefined;
  try {
    const questionnaire = validateQuestionnaire(record.definition, `${record.key} v${record.version}`);
    deps.questionnaires.set(id, questionnaire);
    return questionnaire;
  } catch {
    return undefined;
  }
}

/** The region tree exactly as the chat asks it (core/survey/runner.ts builds it the same way). */
export function askedTree(scope: FieldScope): RegionNode[] {
  return askedRegionTree(buildRegionTree(scope.regions));
}

/** The setup an interview of `wave` runs on in `lang`; undefined when its questionnaire cannot be loaded. */
export async function interviewSetup(deps: FieldDeps, scope: FieldScope, wave: WaveRecord, lang: Lang): Promise<InterviewSetup | undefined> {
  const questionnaire = await questionnaireById(deps, wave.questionnaireId);
  if (!questionnaire) return undefined;
  return {
    wave: { id: wave.id, questionnaireId: wave.questionnaireKey, version: wave.questionnaireVersion, open: true },
    questionnaire,
    regions: askedTree(scope),
    lang,
    timeZone: deps.timeZone,
  };
}

/** A re-check question as the verifier's phone shows it: the question read aloud and the stored answer. */
export interface RecheckQuestionView {
  id: string;
  text: string;
  answer: string;
}

/**
 * The questions a verifier asks again at the door: up to {@link FIELD_RECHECK_QUESTIONS} closed
 * questions (the chat re-check's kind: single choice, scale, yes/no) the household answered,
 * chosen reproducibly by a hash of the spot check id and question id (the same spot check always
 * asks the same ones, and different households get different ones), in questionnaire order.
 */
export function recheckQuestions(questionnaire: Questionnaire, answers: Readonly<Record<string, unknown>>, spotCheckId: string, lang: Lang, regions: readonly RegionNode[]): RecheckQuestionView[] {
  const candidates = questionnaire.questions.flatMap((question, order) => {
    const value = Object.hasOwn(answers, question.id) ? answers[question.id] : undefined;
    if (!isRecheckable(question) || !isAnswerValue(value) || !isValidAnswer(questionnaire, question, value, regions)) return [];
    return [{ question, value, order, rank: sha256Hex(`${spotCheckId}\n${question.id}`) }];
  });
  return candidates
    .sort((a, b) => (a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : 0))
    .slice(0, FIELD_RECHECK_QUESTIONS)
    .sort((a, b) => a.order - b.order)
    .map(({ question, value }) => ({
      id: question.id,
      text: localize(question.read_aloud ?? question.label, lang, questionnaire.languages),
      answer: describeAnswer(lang, questionnaire, question, value, regions),
    }));
}

/**
 * The field re-checks of a wave this staff member may verify (see area.ts mayVerify). A household
 * outside the response's region is looked up once to see whether it lies in the area.
 */
export async function visibleRechecks(deps: FieldDeps, scope: FieldScope, waveId: string): Promise<FieldRecheckRecord[]> {
  const all = await deps.store.listFieldRechecks({ waveId });
  const out: FieldRecheckRecord[] = [];
  for (const recheck of all) {
    if (scope.admin) {
      out.push(recheck);
      continue;
    }
    if (isOwnWork(scope, recheck)) continue;
    let householdPath: string | null = null;
    if (!inArea(scope, recheck.regionPath) && recheck.household) householdPath = (await deps.store.getHousehold(recheck.household.id))?.regionPath ?? null;
    if (mayVerify(scope, recheck, householdPath)) out.push(recheck);
  }
  return out;
}
