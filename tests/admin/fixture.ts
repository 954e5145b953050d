/**
 * A small survey seeded through the store (the same commitTurn path the dialogue runner uses),
 * whose figures are worked out by hand in stats-e2e.test.ts.
 *
 * Regions: district 330102 → town A 330102001 (villages A1 …001, A2 …002, A-small …099)
 *                           → town B 330102002 (village B1 …001).
 * Wave W2 ("2026-H2"), 40 completed responses, numbered k = 0…39 in this order:
 *   A1 (k 0–11, telegram):  safety_overall vs vs vs vs s s s s bs bs nv u
 *   A2 (k 12–21, wechat):   vs vs s s s bs bs nv nv dont_know
 *   A-small (k 22–25, web): vs vs vs vs
 *   B1 (k 26–39; 26–32 telegram, 33–39 web): vs×6 s×4 bs nv nv u
 *   (vs very_safe, s safe, bs basically_safe, nv not_very_safe, u unsafe)
 *   heard_campaign yes unless k % 4 == 0; victim yes when k % 5 == 0, then reported yes when
 *   k % 10 == 0; hot_issues: fraud when k even, theft when k % 3 == 0, else "none".
 *   k = 38 answers all four scale questions at the 4th level (a straight-liner);
 *   k = 39 completes 5 s after starting (a speeder); everyone else takes 300 s.
 *   Plus 3 in-progress responses in A1 and 2 abandoned ones in B1 (never counted).
 * Wave W1 ("2026-H1"), 20 completed: A1 vs vs s s s bs bs nv nv u, B1 vs vs vs s s s bs nv nv u.
 * Targets of W2 for safety_overall.rate: 省均 0.85, 市均 0.80.
 */
import type { DomainWrite, Store, WaveRecord } from "../../core/model/index.js";
import { loadDefaultQuestionnaire } from "../../core/definitions/load.js";
import { storeQuestionnaire } from "../../core/survey/default-survey.js";

const LEVEL = { vs: "very_safe", s: "safe", bs: "basically_safe", nv: "not_very_safe", u: "unsafe", dk: "dont_know" } as const;
type L = keyof typeof LEVEL;

/** The ids a test needs. */
export interface Fixture {
  w1: WaveRecord;
  w2: WaveRecord;
  questionnaireId: string;
}

/** Region codes of the fixture. */
export const REGIONS = {
  district: "330102",
  townA: "330102001",
  a1: "330102001001",
  a2: "330102001002",
  aSmall: "330102001099",
  townB: "330102002",
  b1: "330102002001",
} as const;

interface Seeded {
  user: string;
  wave: WaveRecord;
  questionnaireId: string;
  region: string;
  channel: string;
  status: "completed" | "in_progress" | "abandoned";
  answers: Record<string, unknown>;
  startedAt: Date;
  seconds: number;
  suggestion?: string;
}


/** Seeds one response through two committed turns (start + answers, then completion). */
export async function seedResponse(store: Store, r: Seeded): Promise<void> {
  const { resident } = await store.resolveIdentity({ platform: r.channel, platformUserId: r.user, chatId: r.user });
  const writes: DomainWrite[] = [
    { type: "response.start", waveId: r.wave.id, questionnaireId: r.questionnaireId },
    ...Object.entries(r.answers).map(([questionId, value]): DomainWrite => ({ type: "answer.put", waveId: r.wave.id, questionId, value })),
    { type: "response.region", waveId: r.wave.id, regionCode: r.region },
  ];
  if (r.suggestion) writes.push({ type: "suggestion.add", waveId: r.wave.id, text: r.suggestion, lang: "zh-CN" });
  const current = await store.loadConversation(resident.id);
  const revision = current?.revision ?? 0;
  const first = await store.commitTurn({ residentId: resident.id, channel: r.channel, state: { seeded: true }, expectedRevision: revision, writes, now: r.startedAt });
  if (first !== "committed") throw new Error(`seed turn ${first}`);
  if (r.status === "in_progress") return;
  const end = new Date(r.startedAt.getTime() + r.seconds * 1000);
  const done = await store.commitTurn({
    residentId: resident.id,
    channel: r.channel,
    state: { seeded: true, done: true },
    expectedRevision: revision + 1,
    writes: [r.status === "completed" ? { type: "response.complete", waveId: r.wave.id } : { type: "response.abandon", waveId: r.wave.id }],
    now: end,
  });
  if (done !== "committed") throw new Error(`seed turn ${done}`);
}

/** Creates the region tree. */
export async function seedRegions(store: Store): Promise<void> {
  await store.upsertRegion({ code: REGIONS.district, name: { "zh-CN": "上城区", "zh-TW": "上城區", en: "Shangcheng" } });
  await store.upsertRegion({ code: REGIONS.townA, name: { "zh-CN": "清波街道", "zh-TW": "清波街道", en: "Qingbo" }, parentCode: REGIONS.district });
  await store.upsertRegion({ code: REGIONS.townB, name: { "zh-CN": "湖滨街道", "zh-TW": "湖濱街道", en: "Hubin" }, parentCode: REGIONS.district });
  await store.upsertRegion({ code: REGIONS.a1, name: { "zh-CN": "柳翠井社区", "zh-TW": "柳翠井社區", en: "Liucuijing" }, parentCode: REGIONS.townA });
  await store.upsertRegion({ code: REGIONS.a2, name: { "zh-CN": "劳动路社区", "zh-TW": "勞動路社區", en: "Laodonglu" }, parentCode: REGIONS.townA });
  await store.upsertRegion({ code: REGIONS.aSmall, name: { "zh-CN": "小河村", "zh-TW": "小河村", en: "Xiaohe" }, parentCode: REGIONS.townA });
  await store.upsertRegion({ code: REGIONS.b1, name: { "zh-CN": "东坡路社区", "zh-TW": "東坡路社區", en: "Dongpolu" }, parentCode: REGIONS.townB });
}

const choice = (option: string) => ({ kind: "choice", option });
const bool = (value: boolean) => ({ kind: "bool", value });

/** Seeds the whole fixture described above. */
export async function seedFixture(store: Store): Promise<Fixture> {
  await seedRegions(store);
  const { record } = await storeQuestionnaire(store, loadDefaultQuestionnaire(), "yaml");
  const w1 = await store.createWave({ name: "2026-H1", questionnaireId: record.id, opensAt: new Date("2026-03-01T00:00:00Z"), closesAt: new Date("2026-07-01T00:00:00Z") });
  const w2 = await store.createWave({ name: "2026-H2", questionnaireId: record.id, opensAt: new Date("2026-09-01T00:00:00Z") });
  await store.setWaveTarget(w2.id, "safety_overall.rate", "省均", 0.85);
  await store.setWaveTarget(w2.id, "safety_overall.rate", "市均", 0.8);
  await store.setWaveTarget(w1.id, "safety_overall.rate", "省均", 0.84);

  const villages: { region: string; levels: L[]; channel: (i: number) => string }[] = [
    { region: REGIONS.a1, levels: ["vs", "vs", "vs", "vs", "s", "s", "s", "s", "bs", "bs", "nv", "u"], channel: () => "telegram" },
    { region: REGIONS.a2, levels: ["vs", "vs", "s", "s", "s", "bs", "bs", "nv", "nv", "dk"], channel: () => "wechat" },
    { region: REGIONS.aSmall, levels: ["vs", "vs", "vs", "vs"], channel: () => "web" },
    { region: REGIONS.b1, levels: ["vs", "vs", "vs", "vs", "vs", "vs", "s", "s", "s", "s", "bs", "nv", "nv", "u"], channel: (i) => (i < 7 ? "telegram" : "web") },
  ];
  const base = new Date("2026-11-10T08:00:00Z").getTime();
  let k = 0;
  for (const v of villages) {
    for (const [i, level] of v.levels.entries()) {
      const hot = [...(k % 2 === 0 ? ["fraud"] : []), ...(k % 3 === 0 ? ["theft"] : [])];
      const answers: Record<string, unknown> = {
        safety_overall: choice(LEVEL[level]),
        heard_campaign: bool(k % 4 !== 0),
        victim: bool(k % 5 === 0),
        hot_issues: { kind: "choices", options: hot.length > 0 ? hot : ["none"] },
      };
      if (k % 5 === 0) answers.reported = bool(k % 10 === 0);
      if (k === 38) {
        answers.safety_night = choice("not_very_safe");
        answers.sat_police = choice("not_very_satisfied");
        answers.sat_conduct = choice("not_very_satisfied");
      }
      await seedResponse(store, {
        user: `w2-${k}`,
        wave: w2,
        questionnaireId: record.id,
        region: v.region,
        channel: v.channel(i),
        status: "completed",
        answers,
        startedAt: new Date(base + k * 60_000),
        seconds: k === 39 ? 5 : 300,
        ...(k % 8 === 1 ? { suggestion: `建议${k}：晚上多巡逻 Patrol more at night` } : {}),
      });
      k += 1;
    }
  }
  for (let i = 0; i < 3; i++) {
    await seedResponse(store, { user: `w2-open-${i}`, wave: w2, questionnaireId: record.id, region: REGIONS.a1, channel: "telegram", status: "in_progress", answers: { safety_overall: choice("unsafe") }, startedAt: new Date(base), seconds: 0 });
  }
  for (let i = 0; i < 2; i++) {
    await seedResponse(store, { user: `w2-gone-${i}`, wave: w2, questionnaireId: record.id, region: REGIONS.b1, channel: "web", status: "abandoned", answers: { safety_overall: choice("unsafe") }, startedAt: new Date(base), seconds: 60 });
  }
  const w1Levels: [string, L[]][] = [
    [REGIONS.a1, ["vs", "vs", "s", "s", "s", "bs", "bs", "nv", "nv", "u"]],
    [REGIONS.b1, ["vs", "vs", "vs", "s", "s", "s", "bs", "nv", "nv", "u"]],
  ];
  let j = 0;
  for (const [region, levels] of w1Levels) {
    for (const level of levels) {
      await seedResponse(store, {
        user: `w1-${j}`,
        wave: w1,
        questionnaireId: record.id,
        region,
        channel: "telegram",
        status: "completed",
        answers: { safety_overall: choice(LEVEL[level]) },
        startedAt: new Date(Date.parse("2026-04-01T08:00:00Z") + j * 60_000),
        seconds: 300,
      });
      j += 1;
    }
  }
  return { w1, w2, questionnaireId: record.id };
}

/** What {@link seedOutreach} made, for assertions. */
export interface OutreachFixture {
  /** Tip answered by 12 residents (first answers: 9 right; one resident answered again, right, which does not count). */
  shownTip: string;
  /** Tip answered by only 3 residents: always suppressed. */
  smallTip: string;
}

/** Sends a broadcast from `authorId` to households: each is left "sent", "read" or "blocked". */
async function broadcastTo(store: Store, authorId: string, targets: readonly (readonly [string, "sent" | "read" | "blocked"])[], when: Date): Promise<void> {
  const b = await store.createBroadcast({ authorId, content: { text: { "zh-CN": "防范提示" } }, audience: { kind: "everyone" }, status: "scheduled", scheduledAt: when, now: when });
  const plans = [];
  for (const [residentId] of targets) {
    const identity = (await store.identitiesOf(residentId))[0];
    if (!identity) throw new Error("household without an account");
    plans.push({ residentId, identityId: identity.id, status: "pending" as const });
  }
  await store.fanOutBroadcast(b.id, plans, when);
  for (const job of await store.nextDeliveries({ now: when, limit: 1000 })) {
    const outcome = targets.find(([id]) => id === job.residentId)?.[1];
    if (job.broadcastId !== b.id || !outcome) continue;
    await store.claimDelivery(job.id, { leaseUntil: new Date(when.getTime() + 3600_000) });
    await store.settleDelivery(job.id, outcome === "blocked" ? { status: "blocked", lastError: "403" } : { status: "sent", platformMessageId: "1" }, when);
    if (outcome === "read") await store.markDeliveryRead(job.id, job.residentId, when);
  }
}

/**
 * Outreach data for the dashboard (no survey responses, so the survey figures do not change):
 *
 * Coverage of `officerId`: A1 — 12 households, 10 reached of which 6 confirmed, 2 blocked (short
 * of the goal); A-small — 4 households, all reached, 1 confirmed (complete, but fewer than 10).
 *
 * Closed cases (the reporter's region): A1 — 12 rated 5 5 5 4 4 4 3 3 2 1 5 4 and 1 unrated;
 * B1 — 4 rated 5 4 2 1 and 2 unrated (suppressed: 4 ratings); no region — 1 rated 3, 1 unrated;
 * plus 2 cases still under investigation in A1 (not counted). Overall: 21 closed, 17 rated,
 * 13 satisfied (rating ≥ 3).
 *
 * Quiz answers: {@link OutreachFixture}; the quiz residents live in A1.
 */
export async function seedOutreach(store: Store, officerId: string): Promise<OutreachFixture> {
  const regionId = async (code: string): Promise<string> => {
    const region = await store.getRegionByCode(code);
    if (!region) throw new Error(`no region ${code}`);
    return region.id;
  };
  const resident = async (user: string, region: string | null): Promise<string> => {
    const { resident: r } = await store.resolveIdentity({ platform: "telegram", platformUserId: user, chatId: user });
    if (region) await store.setResidentRegion(r.id, region);
    return r.id;
  };
  const revisions = new Map<string, number>();
  const turn = async (residentId: string, writes: DomainWrite[], now: Date): Promise<void> => {
    const revision = revisions.get(residentId) ?? 0;
    const outcome = await store.commitTurn({ residentId, channel: "telegram", state: { outreach: true }, expectedRevision: revision, writes, now });
    if (outcome !== "committed") throw new Error(`outreach seed turn ${outcome}`);
    revisions.set(residentId, revision + 1);
  };
  const t0 = new Date("2026-11-12T08:00:00Z").getTime();
  const when = (minutes: number) => new Date(t0 + minutes * 60_000);

  // Coverage.
  const a1 = await regionId(REGIONS.a1);
  const aSmall = await regionId(REGIONS.aSmall);
  const households: string[] = [];
  for (let i = 0; i < 16; i++) {
    const id = await resident(`household-${i}`, null);
    await store.assignHousehold({ officerId, householdId: id, regionId: i < 12 ? a1 : aSmall });
    households.push(id);
  }
  const h = (i: number) => households[i] as string;
  await broadcastTo(
    store,
    officerId,
    [
      ...[0, 1, 2, 3, 4, 5].map((i) => [h(i), "read"] as const),
      ...[6, 7, 8, 9].map((i) => [h(i), "sent"] as const),
      ...[10, 11].map((i) => [h(i), "blocked"] as const),
      [h(12), "read"],
      ...[13, 14, 15].map((i) => [h(i), "sent"] as const),
    ],
    when(0),
  );

  // Cases.
  let serial = 0;
  const closedCase = async (region: string | null, rating: number | null, status: "closed" | "investigating" = "closed"): Promise<void> => {
    serial += 1;
    const code = `C${String(serial).padStart(5, "0")}`;
    const reporter = await resident(`reporter-${serial}`, region);
    const created = await store.createCase({ code, reporterId: reporter, officerId, title: `案件 ${serial}`, now: when(serial) });
    if (!created) throw new Error("case code taken");
    await store.addCaseUpdate({ code, status, note: null, authorId: officerId, now: when(serial + 100) });
    if (rating !== null) await turn(reporter, [{ type: "case.rate", code, rating }], when(serial + 200));
  };
  for (const rating of [5, 5, 5, 4, 4, 4, 3, 3, 2, 1, 5, 4, null]) await closedCase(REGIONS.a1, rating);
  for (const rating of [5, 4, 2, 1, null, null]) await closedCase(REGIONS.b1, rating);
  for (const rating of [3, null]) await closedCase(null, rating);
  for (let i = 0; i < 2; i++) await closedCase(REGIONS.a1, null, "investigating");

  // Quiz answers.
  const shownTip = "fraud-safe-account";
  const smallTip = "burglary-home";
  for (let i = 0; i < 12; i++) {
    const id = await resident(`quiz-${i}`, REGIONS.a1);
    await turn(id, [{ type: "tipQuiz.answer", tipId: shownTip, option: i < 9 ? "hang-up" : "transfer", correct: i < 9 }], when(300 + i));
    if (i === 11) await turn(id, [{ type: "tipQuiz.answer", tipId: shownTip, option: "hang-up", correct: true }], when(400));
    if (i < 3) await turn(id, [{ type: "tipQuiz.answer", tipId: smallTip, option: "call-110", correct: i < 2 }], when(500 + i));
  }
  return { shownTip, smallTip };
}
