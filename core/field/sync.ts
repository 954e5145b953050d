/**
 * `POST /field/api/sync` (docs/field-api.md): stores what the phone recorded offline — households
 * added, visits, interviews, field re-checks — each item on its own, in that order, so a visit can
 * name a household added in the same request by its client id. Every write is idempotent by the
 * phone's client id (or, for a household, by its address), so the same body sent twice, or a sync
 * cut off halfway and sent again whole, stores each item once.
 *
 * A malformed item is refused (`bad-input`) and the others go on; only a body that is not a sync
 * body at all throws ({@link FieldSyncError}). A failing database does throw: the phone then keeps
 * every item and tries again, where a refusal would have put them in front of the officer.
 */
import type { Lang } from "../engine/types.js";
import {
  FieldRequestError,
  type FieldRecheckOutcome,
  type FieldRecheckRecord,
  type FieldRefusal,
  type HouseholdRecord,
  type SpotCheckOutcomeValue,
  type SpotCheckRecord,
  type WaveRecord,
} from "../model/index.js";
import type { TextVars } from "../util/translator.js";
import { isOwnWork, mayVerify, inArea, villageRefusal, type FieldScope } from "./area.js";
import { interviewSetup, loadScope, type FieldDeps, type FieldStaff } from "./context.js";
import { ft, refusalText } from "./i18n.js";
import { replayInterview } from "./interview.js";
import {
  readHousehold,
  readInterview,
  readRecheck,
  readVisit,
  syncLists,
  type BadInput,
  type HouseholdItem,
  type HouseholdRef,
  type InterviewItem,
  type RecheckItem,
  type SyncKind,
  type VisitItem,
} from "./sync-input.js";

/** An interview completed up to a day after its wave closed still counts (the phone was offline that evening). */
export const WAVE_GRACE_MS = 24 * 3600 * 1000;

/** What became of one item. `id`: the server's id of the household, visit, response or spot check. */
export type SyncItemResult =
  | { clientId: string | null; status: "stored" | "updated" | "duplicate"; id: string }
  | { clientId: string | null; status: "refused"; reason: FieldRefusal; message: string };

/** The sync answer of docs/field-api.md. */
export interface SyncResults {
  results: Record<SyncKind, SyncItemResult[]>;
}

/** Runs one sync request. Throws FieldSyncError (400) for a malformed body, FieldRequestError `not-staff` (403) for someone no longer staff. */
export async function runSync(deps: FieldDeps, staff: FieldStaff, body: unknown, lang: Lang): Promise<SyncResults> {
  const lists = syncLists(body);
  const scope = await loadScope(deps, staff);
  const session = new SyncSession(deps, scope, lang);
  const results: SyncResults["results"] = { households: [], visits: [], interviews: [], rechecks: [] };
  for (const raw of lists.households) results.households.push(await session.household(raw));
  for (const raw of lists.visits) results.visits.push(await session.visit(raw));
  for (const raw of lists.interviews) results.interviews.push(await session.interview(raw));
  for (const raw of lists.rechecks) results.rechecks.push(await session.recheck(raw));
  return { results };
}

/** Thrown inside an item's handling to refuse it; caught per item. */
class Refusal extends Error {
  constructor(
    readonly reason: FieldRefusal,
    readonly vars: TextVars = {},
  ) {
    super(reason);
  }
}

const OUTCOME_OF: Record<FieldRecheckOutcome, SpotCheckOutcomeValue> = { confirmed: "consistent", differs: "inconsistent", not_found: "unreachable" };

/** One request's state: what it stored so far and what it loaded once (tips, waves, re-checks). */
class SyncSession {
  /** Households stored (or found) in this request by the phone's client id. */
  private readonly householdIds = new Map<string, string>();
  private tipIds: Promise<Set<string>> | undefined;
  private waves: Promise<WaveRecord[]> | undefined;
  private rechecks: Promise<FieldRecheckRecord[]> | undefined;
  private readonly spotChecks = new Map<string, Promise<Map<string, SpotCheckRecord>>>();

  constructor(
    private readonly deps: FieldDeps,
    private readonly scope: FieldScope,
    private readonly lang: Lang,
  ) {}

  async household(raw: unknown): Promise<SyncItemResult> {
    const parsed = readHousehold(raw);
    if (!parsed.ok) return this.bad(parsed.clientId, parsed.bad);
    const item = parsed.item;
    return this.handle(item.clientId, { code: item.regionCode }, async () => this.storeHousehold(item));
  }

  async visit(raw: unknown): Promise<SyncItemResult> {
    const parsed = readVisit(raw, this.deps.now());
    if (!parsed.ok) return this.bad(parsed.clientId, parsed.bad);
    const item = parsed.item;
    return this.handle(item.clientId, {}, async () => this.storeVisit(item));
  }

  async interview(raw: unknown): Promise<SyncItemResult> {
    const parsed = readInterview(raw, this.deps.now());
    if (!parsed.ok) return this.bad(parsed.clientId, parsed.bad);
    const item = parsed.item;
    return this.handle(item.clientId, {}, async () => this.storeInterview(item));
  }

  async recheck(raw: unknown): Promise<SyncItemResult> {
    const parsed = readRecheck(raw);
    if (!parsed.ok) return this.bad(parsed.clientId, parsed.bad);
    const item = parsed.item;
    return this.handle(item.clientId, {}, async () => this.storeRecheck(item));
  }

  /** Runs an item's handling; a refusal (ours or the store's) becomes its refused result. */
  private async handle(clientId: string, vars: TextVars, run: () => Promise<Omit<Extract<SyncItemResult, { id: string }>, "clientId">>): Promise<SyncItemResult> {
    try {
      return { clientId, ...(await run()) };
    } catch (error) {
      if (error instanceof Refusal) return this.refused(clientId, error.reason, { ...vars, ...error.vars });
      if (error instanceof FieldRequestError) {
        // The store's own words are for logs; the phone gets ours, with what we know of the item.
        const detail = error.reason === "bad-input" ? ft(this.lang, "bad.rejected") : "";
        return this.refused(clientId, error.reason, { detail, mode: "", tip: "", code: "", ...vars });
      }
      throw error;
    }
  }

  private refused(clientId: string | null, reason: FieldRefusal, vars: TextVars): SyncItemResult {
    return { clientId, status: "refused", reason, message: refusalText(this.lang, reason, vars) };
  }

  private bad(clientId: string | null, bad: BadInput): SyncItemResult {
    return this.refused(clientId, "bad-input", { detail: ft(this.lang, bad.key, bad.vars ?? {}) });
  }

  // ------------------------------------------------------------------------------- households

  private async storeHousehold(item: HouseholdItem): Promise<{ status: "stored" | "duplicate"; id: string }> {
    const refusal = villageRefusal(this.scope, item.regionCode);
    if (refusal) throw new Refusal(refusal);
    const { household, created } = await this.deps.store.addHousehold({
      regionCode: item.regionCode,
      address: item.address,
      headName: item.headName,
      phone: item.phone,
      officerId: this.scope.staff.id,
      actorId: this.scope.staff.id,
      now: this.deps.now(),
    });
    this.householdIds.set(item.clientId, household.id);
    return { status: created ? "stored" : "duplicate", id: household.id };
  }

  /** The server id a reference names: a stored id as it is, a client id only if stored in this request. */
  private householdId(ref: HouseholdRef): string {
    if ("id" in ref) return ref.id;
    const id = this.householdIds.get(ref.clientId);
    if (!id) throw new Refusal("unknown-household");
    return id;
  }

  // ----------------------------------------------------------------------------------- visits

  private async storeVisit(item: VisitItem): Promise<{ status: "stored" | "updated" | "duplicate"; id: string }> {
    const householdId = this.householdId(item.household);
    const known = await this.knownTips();
    const unknown = item.handedOver.tips.find((tip) => !known.has(tip));
    if (unknown !== undefined) throw new Refusal("unknown-tip", { tip: unknown });
    const { visit, outcome } = await this.deps.store.saveVisit({
      clientId: item.clientId,
      householdId,
      visitedAt: item.visitedAt,
      handedOver: item.handedOver,
      survey: item.survey,
      notes: item.notes,
      officerId: this.scope.staff.id,
      now: this.deps.now(),
    });
    return { status: outcome, id: visit.id };
  }

  private knownTips(): Promise<Set<string>> {
    this.tipIds ??= this.deps.tips.listTips().then((tips) => new Set(tips.map((tip) => tip.id)));
    return this.tipIds;
  }

  // ------------------------------------------------------------------------------- interviews

  private async storeInterview(item: InterviewItem): Promise<{ status: "stored" | "duplicate"; id: string }> {
    this.waves ??= this.deps.store.listWaves();
    const wave = (await this.waves).find((w) => w.id === item.waveId);
    if (!wave) throw new Refusal("unknown-wave");
    if (item.questionnaireId !== wave.questionnaireKey || item.version !== wave.questionnaireVersion) {
      throw new Refusal("bad-input", { detail: ft(this.lang, "bad.questionnaire", { questionnaire: item.questionnaireId, version: item.version }) });
    }
    const closes = wave.closesAt ? wave.closesAt.getTime() + WAVE_GRACE_MS : Infinity;
    if (item.completedAt < wave.opensAt || item.completedAt.getTime() > closes) throw new Refusal("wave-closed");
    const household = await this.householdOf(item.household);
    if (!this.scope.admin && household.officerId !== this.scope.staff.id) throw new Refusal("not-yours");
    const setup = await interviewSetup(this.deps, this.scope, wave, item.lang);
    if (!setup) throw new Refusal("unknown-wave");
    const replay = replayInterview(setup, item.inputs, item.completedAt.toISOString());
    if (!replay.ok) throw new Refusal("interview-incomplete");
    const named = replay.regionCode ? this.scope.regionsByCode.get(replay.regionCode) : undefined;
    const outcome = await this.deps.store.storeInterview({
      clientId: item.clientId,
      officerId: this.scope.staff.id,
      householdId: household.id,
      visitClientId: item.visitClientId,
      waveId: wave.id,
      // The questionnaire row (as a response stores it), not the key the phone names.
      questionnaireId: wave.questionnaireId,
      lang: item.lang,
      regionId: named?.id ?? household.regionId,
      answers: replay.answers,
      phone: replay.phone,
      startedAt: item.startedAt,
      completedAt: item.completedAt,
      now: this.deps.now(),
    });
    if (outcome.outcome === "already-surveyed") throw new Refusal("already-surveyed", { mode: ft(this.lang, `mode.${outcome.mode}`) });
    return { status: outcome.outcome, id: outcome.responseId };
  }

  private async householdOf(ref: HouseholdRef): Promise<HouseholdRecord> {
    const household = await this.deps.store.getHousehold(this.householdId(ref));
    if (!household) throw new Refusal("unknown-household");
    return household;
  }

  // --------------------------------------------------------------------------------- rechecks

  private async storeRecheck(item: RecheckItem): Promise<{ status: "stored" | "updated" | "duplicate"; id: string }> {
    this.rechecks ??= this.deps.store.listFieldRechecks();
    const recheck = (await this.rechecks).find((r) => r.spotCheckId === item.spotCheckId);
    if (!recheck) throw new Refusal("not-found");
    if (!(await this.mayVerify(recheck))) throw new Refusal("not-yours");
    const spotChecks = await this.spotChecksOf(recheck.waveId);
    const current = spotChecks.get(recheck.spotCheckId);
    if (!current) throw new Refusal("not-found");
    const staff = this.scope.staff;
    const verifier = staff.displayName?.trim() || staff.id;
    const outcome = OUTCOME_OF[item.outcome];
    const notes = [item.differs.length > 0 ? ft(this.lang, "recheck.differs", { questions: item.differs.join(", ") }) : null, item.notes].filter((n): n is string => n !== null).join("\n") || null;
    if (current.outcome !== null) {
      // Recorded by someone else (another verifier, the office's telephone call): not this officer's to change.
      if (current.verifier !== verifier) throw new Refusal("not-yours");
      if (current.outcome === outcome && (current.notes ?? null) === notes) return { status: "duplicate", id: current.id };
    }
    const recorded = await this.deps.store.recordSpotCheck(current.id, { outcome, verifier, notes, actorId: staff.id, now: this.deps.now() });
    if (!recorded) throw new Refusal("not-found");
    spotChecks.set(recorded.id, recorded);
    return { status: current.outcome === null ? "stored" : "updated", id: recorded.id };
  }

  private async mayVerify(recheck: FieldRecheckRecord): Promise<boolean> {
    if (this.scope.admin) return true;
    if (isOwnWork(this.scope, recheck)) return false;
    if (inArea(this.scope, recheck.regionPath)) return true;
    const householdPath = recheck.household ? ((await this.deps.store.getHousehold(recheck.household.id))?.regionPath ?? null) : null;
    return mayVerify(this.scope, recheck, householdPath);
  }

  private async spotChecksOf(waveId: string): Promise<Map<string, SpotCheckRecord>> {
    let loaded = this.spotChecks.get(waveId);
    if (!loaded) {
      loaded = this.deps.store.listSpotChecks(waveId).then((all) => new Map(all.map((s) => [s.id, s])));
      this.spotChecks.set(waveId, loaded);
    }
    return loaded;
  }
}
