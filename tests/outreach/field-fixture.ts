/**
 * A seeded office for the field-coverage tests (field-coverage.test.ts): two officers, three
 * villages, 23 dwellings with 21 visits (with and without material), one interview, one
 * self-completed response, chat-only assignments, and one broadcast read by some households and
 * only delivered to others. What each village should add up to is written out by hand in the
 * test file, not computed here.
 *
 *   officer A (王警官, cli:officer-a)
 *     V1 东村: dwellings a1–a11. Visits a1–a10 (a1 twice, the second time with nothing handed
 *              over); leaflet at a1–a7, a tip only at a8, nothing at a9 and a10; a11 not visited.
 *              r1 (linked to a3, also assigned to A in chat) completed the survey in chat and
 *              read the broadcast; r2 (linked to a4) got it without reading.
 *     V3 南村: dwellings a12 (visited, leaflet) and a13 (not visited); chat-only r3 (read the
 *              broadcast) and r4 (nothing).
 *   officer B (李警官, cli:officer-b)
 *     V2 西村: dwellings b1–b10. Visits b1–b9, leaflet at b1–b5; at b2 an interview on B's
 *              phone; b10 not visited. Chat-only r5 got the broadcast without reading.
 */
import type { HouseholdRecord, ResidentRecord, Store, VisitInput, WaveRecord } from "../../core/model/index.js";

/** When the wave opens; everything else happens hours after. */
export const T0 = new Date("2026-11-02T00:00:00Z");

/** `hours` after {@link T0}. */
export const hoursAfter = (hours: number): Date => new Date(T0.getTime() + hours * 3600_000);

/** What the tests need to refer to. */
export interface FieldFixture {
  officerA: ResidentRecord;
  officerB: ResidentRecord;
  households: Map<string, HouseholdRecord>;
  /** The interview's response id. */
  interviewId: string;
}

const ANSWERS = { safety_overall: { kind: "choice", option: "safe" }, victim: { kind: "bool", value: false } } as const;

/** Seeds the office described in the module comment into `store` (the default survey's `wave` open). */
export async function seedFieldOffice(store: Store, wave: WaveRecord): Promise<FieldFixture> {
  await store.upsertRegion({ code: "T", name: { "zh-CN": "镇", en: "Town" } });
  await store.upsertRegion({ code: "V1", name: { "zh-CN": "东村", en: "East Village" }, parentCode: "T" });
  await store.upsertRegion({ code: "V2", name: { "zh-CN": "西村", en: "West Village" }, parentCode: "T" });
  await store.upsertRegion({ code: "V3", name: { "zh-CN": "南村", en: "South Village" }, parentCode: "T" });
  const regionId = async (code: string) => (await store.getRegionByCode(code))!.id;

  const staff = async (account: string, name: string) => {
    await store.resolveIdentity({ platform: "cli", platformUserId: account, chatId: account, displayName: name });
    return store.setRole("cli", account, "officer");
  };
  const officerA = await staff("officer-a", "王警官");
  const officerB = await staff("officer-b", "李警官");
  const resident = async (name: string) => (await store.resolveIdentity({ platform: "test", platformUserId: name, chatId: name })).resident;
  const [r1, r2, r3, r4, r5] = [await resident("r1"), await resident("r2"), await resident("r3"), await resident("r4"), await resident("r5")];

  const households = new Map<string, HouseholdRecord>();
  const dwelling = async (key: string, officer: ResidentRecord, regionCode: string, n: number) => {
    const { household } = await store.addHousehold({ regionCode, address: `幸福路 ${n}号`, headName: `户主${key}`, phone: `1380000${String(n).padStart(4, "0")}`, officerId: officer.id, actorId: officer.id, now: T0 });
    households.set(key, household);
  };
  for (let i = 1; i <= 11; i++) await dwelling(`a${i}`, officerA, "V1", i);
  await dwelling("a12", officerA, "V3", 12);
  await dwelling("a13", officerA, "V3", 13);
  for (let i = 1; i <= 10; i++) await dwelling(`b${i}`, officerB, "V2", 100 + i);

  let hour = 1;
  const visit = async (key: string, officer: ResidentRecord, handedOver: VisitInput["handedOver"], extra: Partial<VisitInput> = {}) => {
    const visitedAt = hoursAfter(hour++);
    await store.saveVisit({ clientId: `visit-${key}-${hour}`, householdId: households.get(key)!.id, visitedAt, handedOver, survey: "qr_left", notes: null, ...extra, officerId: officer.id, now: visitedAt });
  };
  const leaflet = { leaflet: true, tips: [] };
  const nothing = { leaflet: false, tips: [] };
  for (let i = 1; i <= 7; i++) await visit(`a${i}`, officerA, leaflet);
  await visit("a8", officerA, { leaflet: false, tips: ["telecom-fraud", "night-locks"] });
  await visit("a9", officerA, nothing, { survey: "refused" });
  await visit("a10", officerA, nothing, { survey: "nobody_home", notes: "下午再来" });
  await visit("a1", officerA, nothing, { survey: "none" });
  await visit("a12", officerA, leaflet);
  for (let i = 1; i <= 9; i++) await visit(`b${i}`, officerB, i <= 5 ? leaflet : nothing, i === 2 ? { clientId: "visit-b2-interview", survey: "interview" } : {});

  const interview = await store.storeInterview({
    clientId: "interview-b2",
    officerId: officerB.id,
    householdId: households.get("b2")!.id,
    visitClientId: "visit-b2-interview",
    waveId: wave.id,
    questionnaireId: wave.questionnaireId,
    lang: "zh-CN",
    regionId: null,
    answers: { ...ANSWERS },
    startedAt: hoursAfter(30),
    completedAt: hoursAfter(30.2),
    now: hoursAfter(30.3),
  });
  if (interview.outcome !== "stored") throw new Error(`interview not stored: ${interview.outcome}`);

  // r1 answers in chat, then is linked to a3 (as the leaflet's QR does): the response becomes a3's.
  await store.commitTurn({
    residentId: r1.id,
    channel: "telegram",
    state: { v: 1, mode: "menu" },
    expectedRevision: 0,
    now: hoursAfter(31),
    writes: [
      { type: "response.start", waveId: wave.id, questionnaireId: wave.questionnaireId },
      ...Object.entries(ANSWERS).map(([questionId, value]) => ({ type: "answer.put" as const, waveId: wave.id, questionId, value })),
      { type: "response.complete", waveId: wave.id },
    ],
  });
  await store.assignHousehold({ officerId: officerA.id, householdId: r1.id, regionId: await regionId("V1") });
  await store.linkHouseholdResident(households.get("a3")!.id, r1.id, officerA.id);
  await store.linkHouseholdResident(households.get("a4")!.id, r2.id, officerA.id);
  await store.assignHousehold({ officerId: officerA.id, householdId: r3.id, regionId: await regionId("V3") });
  await store.assignHousehold({ officerId: officerA.id, householdId: r4.id, regionId: await regionId("V3") });
  await store.assignHousehold({ officerId: officerB.id, householdId: r5.id, regionId: await regionId("V2") });

  await broadcast(store, officerA.id, [[r1, "read"], [r2, "sent"], [r3, "read"], [r5, "sent"]], hoursAfter(40));
  return { officerA, officerB, households, interviewId: interview.responseId };
}

/** Sends a broadcast to `targets`, each delivered ("sent") or delivered and read ("read"). */
async function broadcast(store: Store, authorId: string, targets: readonly (readonly [ResidentRecord, "sent" | "read"])[], when: Date): Promise<void> {
  const b = await store.createBroadcast({ authorId, content: { text: { "zh-CN": "提示" } }, audience: { kind: "everyone" }, status: "scheduled", scheduledAt: when, now: when });
  const identities = await Promise.all(targets.map(async ([r]) => (await store.identitiesOf(r.id))[0]!));
  await store.fanOutBroadcast(b.id, targets.map(([r], i) => ({ residentId: r.id, identityId: identities[i]!.id, status: "pending" })), when);
  for (const job of await store.nextDeliveries({ now: when, limit: 1000 })) {
    if (job.broadcastId !== b.id) continue;
    await store.claimDelivery(job.id, { leaseUntil: new Date(when.getTime() + 3600_000) });
    await store.settleDelivery(job.id, { status: "sent", platformMessageId: "1" }, when);
    if (targets.find(([r]) => r.id === job.residentId)![1] === "read") await store.markDeliveryRead(job.id, job.residentId, when);
  }
}
