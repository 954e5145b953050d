/**
 * An in-memory store with the ports the field service uses (FieldServiceStore), behaving as
 * core/model/ports.ts documents them, plus a small world to test in:
 *
 *   county C → town T1 → villages V1, V2
 *            → town T2 → village V3
 *   officers A and B (region T1), C (region T2), D (no region), an admin, a resident;
 *   wave-1 (open 10 days ago) and wave-0 (closed 20 days ago) of the questionnaire "mini" v1:
 *   safety (scale5, read aloud), victim (yes/no), region (depth 2: town → village).
 *
 * The service tests run on it (pure, no database); tests/field/service-store.test.ts runs the same
 * service on the real store.
 */
import { validateQuestionnaire } from "../../core/engine/definition.js";
import type { Input, Lang } from "../../core/engine/types.js";
import { beginInterview, continueInterview, type InterviewSetup } from "../../core/field/interview.js";
import type { FieldServiceStore } from "../../core/field/context.js";
import { addressKey } from "../../core/field/households-import.js";
import {
  FieldRequestError,
  VISIT_EDIT_WINDOW_MS,
  type FieldCoverageRow,
  type FieldQuery,
  type FieldRecheckRecord,
  type HouseholdInput,
  type HouseholdRecord,
  type IdentityRecord,
  type InterviewInput,
  type InterviewOutcome,
  type QuestionnaireRecord,
  type RegionRecord,
  type ResidentRecord,
  type SpotCheckRecord,
  type SurveyMode,
  type VisitInput,
  type VisitRecord,
  type VisitWithHousehold,
  type WaveRecord,
} from "../../core/model/index.js";
import type { TipLibrary } from "../../core/outreach/tip-library.js";
import { askedRegionTree, buildRegionTree } from "../../core/survey/region-tree.js";

/** The test clock's "now". */
export const NOW = new Date("2026-12-07T08:00:00.000Z");
const DAY = 24 * 3600 * 1000;

const L3 = (zh: string, tw: string, en: string) => ({ "zh-CN": zh, "zh-TW": tw, en });

/** The questionnaire definition as stored. */
export const MINI_DEFINITION = {
  id: "mini",
  version: 1,
  title: L3("测试", "測試", "Test"),
  languages: ["zh-CN", "zh-TW", "en"],
  questions: [
    {
      id: "safety",
      type: "scale5",
      label: L3("安全吗？", "安全嗎？", "Safe?"),
      read_aloud: L3("您觉得安全吗？", "您覺得安全嗎？", "Do you feel safe?"),
      options: ["a", "b", "c", "d", "e"].map((id) => ({ id, label: L3(`选${id}`, `選${id}`, `opt ${id}`) })),
    },
    { id: "victim", type: "yesno", label: L3("受害过吗？", "受害過嗎？", "Victim?") },
    { id: "region", type: "region", depth: 2, label: L3("住哪里？", "住哪裡？", "Where?") },
  ],
};

const region = (id: string, code: string, zh: string, parent: RegionRecord | null): RegionRecord => ({
  id,
  code,
  name: { "zh-CN": zh, en: `${code}-en` },
  level: parent ? parent.level + 1 : 0,
  path: `${parent?.path ?? "/"}${code}/`,
  parentId: parent?.id ?? null,
});

const C = region("r-c", "C", "县", null);
const T1 = region("r-t1", "T1", "一镇", C);
const T2 = region("r-t2", "T2", "二镇", C);
/** The regions, parents first. */
export const REGIONS: RegionRecord[] = [C, T1, region("r-v1", "V1", "一村", T1), region("r-v2", "V2", "二村", T1), T2, region("r-v3", "V3", "三村", T2)];

const person = (id: string, role: ResidentRecord["role"], regionId: string | null, displayName: string | null): ResidentRecord => ({
  id,
  displayName,
  lang: "zh-CN",
  role,
  regionId,
  optedOut: false,
  consentAt: null,
  consentDeclinedAt: null,
  deletedAt: null,
  createdAt: new Date(NOW.getTime() - 100 * DAY),
  sessionEpoch: 0,
});

/** The people of the world, by id. */
export const PEOPLE = {
  a: person("off-a", "officer", "r-t1", "王警官"),
  b: person("off-b", "officer", "r-t1", "李警官"),
  c: person("off-c", "officer", "r-t2", "赵警官"),
  d: person("off-d", "officer", null, null),
  admin: person("adm", "admin", null, "管理员"),
  resident: person("res-1", "resident", null, "居民"),
};

/** A staff member as the routes hand them to the service. */
export const staffOf = (who: ResidentRecord) => ({ id: who.id, role: who.role });

/** The tip library: two tips. */
export const TIPS: TipLibrary = {
  getTip: async (id) => (id === "telecom-fraud" || id === "burglary" ? { id, title: { "zh-CN": id === "burglary" ? "防盗" : "防范电信诈骗", en: id }, text: { "zh-CN": "…" } } : undefined),
  listTips: async () => [
    { id: "telecom-fraud", title: { "zh-CN": "防范电信诈骗", en: "Telecom fraud" }, text: { "zh-CN": "…" } },
    { id: "burglary", title: { "zh-CN": "防盗", en: "Burglary" }, text: { "zh-CN": "…" } },
  ],
};

/** A stored response (what storeInterview and a resident's chat leave). */
interface FakeResponse {
  id: string;
  waveId: string;
  householdId: string | null;
  mode: SurveyMode;
  officerId: string | null;
  clientId: string | null;
  regionId: string | null;
  answers: Record<string, unknown>;
  completedAt: Date;
}

/** The in-memory store. Every collection is public so tests can look and seed. */
export class FakeFieldStore implements FieldServiceStore {
  regions = [...REGIONS];
  people: ResidentRecord[] = Object.values(PEOPLE);
  identities: IdentityRecord[] = [
    { id: "i-a", residentId: "off-a", platform: "telegram", platformUserId: "a", chatId: "a", reachable: true, lastInboundAt: null },
    { id: "i-r", residentId: "res-1", platform: "telegram", platformUserId: "r", chatId: "r", reachable: true, lastInboundAt: null },
  ];
  questionnaires: QuestionnaireRecord[] = [{ id: "q-row-1", key: "mini", version: 1, title: "Test", definition: MINI_DEFINITION, checksum: "x", source: null, createdAt: NOW }];
  waves: WaveRecord[] = [
    { id: "wave-1", name: "2026 下半年", questionnaireId: "q-row-1", questionnaireKey: "mini", questionnaireVersion: 1, opensAt: new Date(NOW.getTime() - 10 * DAY), closesAt: null },
    { id: "wave-0", name: "2026 上半年", questionnaireId: "q-row-1", questionnaireKey: "mini", questionnaireVersion: 1, opensAt: new Date(NOW.getTime() - 100 * DAY), closesAt: new Date(NOW.getTime() - 20 * DAY) },
  ];
  households: HouseholdRecord[] = [];
  visits: VisitRecord[] = [];
  responses: FakeResponse[] = [];
  spotChecks: SpotCheckRecord[] = [];
  /** Field re-checks as listed (outcome and checkedAt are read from `spotChecks`). */
  rechecks: Omit<FieldRecheckRecord, "outcome" | "checkedAt">[] = [];
  erased: string[] = [];
  private nextId = 1;

  private id(prefix: string): string {
    return `${prefix}-${this.nextId++}`;
  }

  /** Adds a household directly (test seeding). */
  seedHousehold(officer: ResidentRecord | null, regionCode: string, address: string, extra: Partial<HouseholdRecord> = {}): HouseholdRecord {
    const r = this.regions.find((x) => x.code === regionCode) as RegionRecord;
    const household: HouseholdRecord = {
      id: this.id("h"),
      regionId: r.id,
      regionCode: r.code,
      regionPath: r.path,
      regionName: r.name,
      address,
      headName: null,
      phone: null,
      officerId: officer?.id ?? null,
      residentId: null,
      createdAt: NOW,
      updatedAt: NOW,
      ...extra,
    };
    this.households.push(household);
    return household;
  }

  /** Adds a completed response directly (e.g. a resident's own in chat). */
  seedResponse(response: Omit<FakeResponse, "id">): string {
    const id = this.id("resp");
    this.responses.push({ ...response, id });
    return id;
  }

  /** Draws a field re-check of a response. */
  seedRecheck(responseId: string, extra: Partial<SpotCheckRecord> = {}): string {
    const response = this.responses.find((r) => r.id === responseId) as FakeResponse;
    const household = response.householdId ? (this.households.find((h) => h.id === response.householdId) ?? null) : null;
    const r = this.regions.find((x) => x.id === response.regionId) ?? null;
    const id = this.id("sc");
    this.spotChecks.push({ id, waveId: response.waveId, responseId, seed: "seed", method: "visit", outcome: null, verifier: null, notes: null, drawnAt: NOW, checkedAt: null, channel: "field", regionCode: r?.code ?? null, regionPath: r?.path ?? null, completedAt: response.completedAt, phone: null, lang: "zh-CN", ...extra });
    this.rechecks.push({
      spotCheckId: id,
      waveId: response.waveId,
      responseId,
      mode: response.mode,
      officerId: response.officerId ?? household?.officerId ?? null,
      household: household ? { id: household.id, address: household.address, headName: household.headName, phone: household.phone } : null,
      regionId: r?.id ?? null,
      regionCode: r?.code ?? null,
      regionPath: r?.path ?? null,
      regionName: r?.name ?? null,
      questionnaireId: "q-row-1",
      answers: response.answers,
    });
    return id;
  }

  // --- regions, surveys, people ---------------------------------------------------------------

  async listRegions() {
    return [...this.regions];
  }
  async currentWave(now: Date) {
    return this.waves.filter((w) => w.opensAt <= now && (!w.closesAt || w.closesAt > now)).sort((a, b) => b.opensAt.getTime() - a.opensAt.getTime())[0] ?? null;
  }
  async listWaves() {
    return [...this.waves];
  }
  async getQuestionnaireById(id: string) {
    return this.questionnaires.find((q) => q.id === id) ?? null;
  }
  async getOfficer(id: string) {
    return this.people.find((p) => p.id === id && (p.role === "officer" || p.role === "admin") && !p.deletedAt) ?? null;
  }
  async getResident(id: string) {
    return this.people.find((p) => p.id === id) ?? null;
  }
  async findIdentity(platform: string, platformUserId: string) {
    return this.identities.find((i) => i.platform === platform && i.platformUserId === platformUserId) ?? null;
  }

  // --- households -----------------------------------------------------------------------------

  private same(regionCode: string, address: string): HouseholdRecord | undefined {
    return this.households.find((h) => h.regionCode === regionCode && addressKey(h.address) === addressKey(address));
  }

  async addHousehold(input: HouseholdInput & { actorId: string | null; now: Date }) {
    if (!this.regions.some((r) => r.code === input.regionCode)) throw new FieldRequestError("unknown-region");
    const existing = this.same(input.regionCode, input.address);
    if (existing) {
      if (existing.officerId !== input.officerId) throw new FieldRequestError("duplicate-address");
      return { household: existing, created: false };
    }
    const officer = this.people.find((p) => p.id === input.officerId) ?? null;
    return { household: this.seedHousehold(officer, input.regionCode, input.address.trim(), { headName: input.headName ?? null, phone: input.phone ?? null }), created: true };
  }

  async importHouseholds(rows: readonly HouseholdInput[], options: { actorId: string | null; dryRun?: boolean; now: Date }) {
    const counts = { added: 0, updated: 0, unchanged: 0 };
    for (const row of rows) {
      const existing = this.same(row.regionCode, row.address);
      if (!existing) {
        counts.added++;
        if (!options.dryRun) this.seedHousehold(this.people.find((p) => p.id === row.officerId) ?? null, row.regionCode, row.address, { headName: row.headName ?? null, phone: row.phone ?? null });
      } else if (existing.headName === (row.headName ?? null) && existing.phone === (row.phone ?? null) && existing.officerId === row.officerId) {
        counts.unchanged++;
      } else {
        counts.updated++;
        if (!options.dryRun) Object.assign(existing, { headName: row.headName ?? null, phone: row.phone ?? null, officerId: row.officerId });
      }
    }
    return counts;
  }

  async getHousehold(id: string) {
    return this.households.find((h) => h.id === id) ?? null;
  }

  async listFieldHouseholds(query: FieldQuery = {}) {
    return this.households
      .filter((h) => (!query.officerId || h.officerId === query.officerId) && (!query.regionPath || h.regionPath.startsWith(query.regionPath)))
      .sort((x, y) => x.regionCode.localeCompare(y.regionCode) || x.address.localeCompare(y.address));
  }

  async eraseHousehold(id: string) {
    const before = this.households.length;
    this.households = this.households.filter((h) => h.id !== id);
    if (this.households.length === before) return false;
    this.erased.push(id);
    this.visits = this.visits.filter((v) => v.householdId !== id);
    return true;
  }

  // --- visits ---------------------------------------------------------------------------------

  async saveVisit(input: VisitInput & { officerId: string; now: Date }) {
    const household = await this.getHousehold(input.householdId);
    if (!household) throw new FieldRequestError("unknown-household");
    if (household.officerId !== input.officerId) throw new FieldRequestError("not-yours");
    const content = (v: VisitInput) => JSON.stringify([v.householdId, v.visitedAt.toISOString(), v.handedOver, v.survey, v.notes]);
    const existing = this.visits.find((v) => v.clientId === input.clientId && v.officerId === input.officerId);
    if (existing) {
      if (content(existing) === content(input)) return { visit: existing, outcome: "duplicate" as const };
      if (input.now.getTime() - existing.createdAt.getTime() > VISIT_EDIT_WINDOW_MS) throw new FieldRequestError("too-late");
      Object.assign(existing, { householdId: input.householdId, visitedAt: input.visitedAt, handedOver: input.handedOver, survey: input.survey, notes: input.notes, updatedAt: input.now });
      return { visit: existing, outcome: "updated" as const };
    }
    const visit: VisitRecord = { id: this.id("v"), clientId: input.clientId, householdId: input.householdId, visitedAt: input.visitedAt, handedOver: input.handedOver, survey: input.survey, notes: input.notes, officerId: input.officerId, responseId: null, createdAt: input.now, updatedAt: input.now };
    this.visits.push(visit);
    return { visit, outcome: "stored" as const };
  }

  private withHousehold(v: VisitRecord): VisitWithHousehold {
    const h = this.households.find((x) => x.id === v.householdId) as HouseholdRecord;
    return { ...v, household: { address: h.address, headName: h.headName, regionId: h.regionId, regionCode: h.regionCode, regionPath: h.regionPath, regionName: h.regionName, officerId: h.officerId }, officerName: null };
  }

  private matching(query: FieldQuery): VisitRecord[] {
    return this.visits.filter(
      (v) => (!query.officerId || v.officerId === query.officerId) && (!query.householdId || v.householdId === query.householdId) && (!query.since || v.visitedAt >= query.since) && (!query.until || v.visitedAt < query.until),
    );
  }

  async listVisits(query: FieldQuery & { limit?: number } = {}) {
    return this.matching(query)
      .sort((a, b) => b.visitedAt.getTime() - a.visitedAt.getTime())
      .slice(0, query.limit ?? 1000)
      .map((v) => this.withHousehold(v));
  }

  async *streamVisits(query: FieldQuery = {}) {
    for (const v of this.matching(query).sort((a, b) => a.visitedAt.getTime() - b.visitedAt.getTime())) yield this.withHousehold(v);
  }

  // --- interviews, coverage, re-checks ----------------------------------------------------------

  async storeInterview(input: InterviewInput & { now: Date }): Promise<InterviewOutcome> {
    const again = this.responses.find((r) => r.officerId === input.officerId && r.clientId === input.clientId);
    if (again) return { outcome: "duplicate", responseId: again.id };
    const answered = this.responses.find((r) => r.householdId === input.householdId && r.waveId === input.waveId);
    if (answered) return { outcome: "already-surveyed", responseId: answered.id, mode: answered.mode };
    const id = this.seedResponse({ waveId: input.waveId, householdId: input.householdId, mode: "interviewer", officerId: input.officerId, clientId: input.clientId, regionId: input.regionId, answers: input.answers, completedAt: input.completedAt });
    const visit = input.visitClientId ? this.visits.find((v) => v.clientId === input.visitClientId && v.officerId === input.officerId) : undefined;
    if (visit) visit.responseId = id;
    return { outcome: "stored", responseId: id };
  }

  async fieldCoverageRows(query: { officerId?: string; waveId?: string } = {}): Promise<FieldCoverageRow[]> {
    return this.households
      .filter((h) => h.officerId && (!query.officerId || h.officerId === query.officerId))
      .map((h) => ({
        officerId: h.officerId as string,
        officerName: null,
        householdKey: h.id,
        regionId: h.regionId,
        regionCode: h.regionCode,
        regionPath: h.regionPath,
        regionName: h.regionName,
        dwelling: true,
        visited: this.visits.some((v) => v.householdId === h.id),
        materialDelivered: false,
        surveyed: (query.waveId && this.responses.find((r) => r.householdId === h.id && r.waveId === query.waveId)?.mode) || null,
        reached: false,
        confirmed: false,
      }));
  }

  async listFieldRechecks(filter: { waveId?: string } = {}): Promise<FieldRecheckRecord[]> {
    return this.rechecks
      .filter((r) => !filter.waveId || r.waveId === filter.waveId)
      .map((r) => {
        const spot = this.spotChecks.find((s) => s.id === r.spotCheckId) as SpotCheckRecord;
        return { ...r, outcome: spot.outcome, checkedAt: spot.checkedAt };
      });
  }

  async listSpotChecks(waveId: string) {
    return this.spotChecks.filter((s) => s.waveId === waveId).map((s) => ({ ...s }));
  }

  async recordSpotCheck(id: string, input: { outcome: SpotCheckRecord["outcome"] & string; verifier?: string | null; notes?: string | null; actorId?: string | null; now: Date }) {
    const spot = this.spotChecks.find((s) => s.id === id);
    if (!spot) return null;
    Object.assign(spot, { outcome: input.outcome, verifier: input.verifier ?? null, notes: input.notes ?? null, checkedAt: input.now });
    return { ...spot };
  }
}

/** The interview setup the service hands out for wave-1 (the asked tree starts below the county). */
export function miniSetup(lang: Lang = "zh-CN"): InterviewSetup {
  return {
    wave: { id: "wave-1", questionnaireId: "mini", version: 1, open: true },
    questionnaire: validateQuestionnaire(MINI_DEFINITION),
    regions: askedRegionTree(buildRegionTree(REGIONS)),
    lang,
    timeZone: "Asia/Shanghai",
  };
}

/**
 * The inputs of a complete interview as the phone records them: at each question the option with
 * key `choices[i]` ("1" = first), the region as town then village. Default: a, yes, T1 → V1.
 */
export function interviewInputs(choices: readonly string[] = ["1", "1", "1", "1"], lang: Lang = "zh-CN"): Input[] {
  const setup = miniSetup(lang);
  let step = beginInterview(setup, NOW.toISOString());
  const inputs: Input[] = [];
  for (const key of choices) {
    const options = [...step.messages].reverse().find((m) => m.options && m.options.length > 0)?.options ?? [];
    const option = options.find((o) => o.key === key);
    if (!option) throw new Error(`no option ${key}`);
    const input: Input = { kind: "button", payload: option.payload };
    inputs.push(input);
    step = continueInterview(setup, step.state, input, NOW.toISOString());
  }
  if (!step.completed) throw new Error("the interview did not complete");
  return inputs;
}
