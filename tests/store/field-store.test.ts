/**
 * The store side of field work (FieldStore), on SQLite and PostgreSQL: household imports and
 * additions, visits synced by client id (duplicates, edits within the window, refusals),
 * officer-administered interviews (one response per household and wave across both modes), the
 * link of a resident's own completed response to their household, erasure, the coverage rows and
 * the field re-checks.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FieldRequestError, VISIT_EDIT_WINDOW_MS, type FieldCoverageRow, type HouseholdInput, type ResidentRecord, type Store, type VisitInput, type WaveRecord } from "../../core/model/index.js";
import { BACKENDS } from "../support/databases.js";
import { openTestStore, type RegionSeed, type TestStore } from "../support/store-fixture.js";

const REGIONS: RegionSeed[] = [
  {
    code: "d1",
    name: "区",
    children: [
      { code: "t1", name: "镇一", children: [{ code: "v1", name: "村一" }, { code: "v2", name: "村二" }] },
      { code: "t2", name: "镇二", children: [{ code: "v3", name: "村三" }] },
    ],
  },
];

const ANSWERS = { safety_overall: { kind: "choice", option: "safe" }, victim: { kind: "bool", value: false } } as const;

const t0 = new Date("2026-11-02T08:00:00Z");
const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);

/** Expects a FieldRequestError with this reason. */
async function refused(promise: Promise<unknown>, reason: string): Promise<void> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FieldRequestError);
  expect((error as FieldRequestError).reason).toBe(reason);
}

describe.each(BACKENDS)("field store on $name", ({ create }) => {
  let t: TestStore & { wave: WaveRecord };
  let store: Store;
  let officerA: ResidentRecord;
  let officerB: ResidentRecord;

  const person = async (name: string, role?: "officer" | "admin"): Promise<ResidentRecord> => {
    const { resident } = await store.resolveIdentity({ platform: "cli", platformUserId: name, chatId: name, displayName: name });
    return role ? store.setRole("cli", name, role) : resident;
  };
  const visit = (householdId: string, clientId: string, extra: Partial<VisitInput> = {}): VisitInput => ({
    clientId,
    householdId,
    visitedAt: at(0),
    handedOver: { leaflet: true, tips: ["fraud-1"] },
    survey: "qr_left",
    notes: null,
    ...extra,
  });
  const interview = (officerId: string, householdId: string, clientId: string, visitClientId: string | null = null) => ({
    clientId,
    officerId,
    householdId,
    visitClientId,
    waveId: t.wave.id,
    questionnaireId: t.wave.questionnaireId,
    lang: "zh-CN",
    regionId: null,
    answers: { ...ANSWERS },
    startedAt: at(1),
    completedAt: at(5),
    now: at(6),
  });
  const completeSelf = async (resident: ResidentRecord, when: Date) => {
    await store.commitTurn({
      residentId: resident.id,
      channel: "telegram",
      state: { v: 1, mode: "menu" },
      expectedRevision: 0,
      now: when,
      writes: [
        { type: "response.start", waveId: t.wave.id, questionnaireId: t.wave.questionnaireId },
        ...Object.entries(ANSWERS).map(([questionId, value]) => ({ type: "answer.put" as const, waveId: t.wave.id, questionId, value })),
        { type: "response.complete", waveId: t.wave.id },
      ],
    });
    return (await store.getResponse(resident.id, t.wave.id))!;
  };
  const add = async (officerId: string, regionCode: string, address: string) =>
    (await store.addHousehold({ regionCode, address, officerId, actorId: officerId, now: t0 })).household;

  beforeEach(async () => {
    t = await openTestStore({ db: await create(), regions: REGIONS, defaultSurvey: t0 });
    store = t.store;
    officerA = await person("officer-a", "officer");
    officerB = await person("officer-b", "officer");
  });
  afterEach(async () => {
    await t?.close();
  });

  it("imports households: adds, updates, counts unchanged rows, rolls back a dry run and refuses unknown regions and officers", async () => {
    const rows: HouseholdInput[] = [
      { regionCode: "v1", address: "幸福路 1号", headName: "张三", phone: "13800000001", officerId: officerA.id },
      { regionCode: "v1", address: "幸福路 2号", headName: "李四", officerId: officerA.id },
      { regionCode: "v3", address: "Main St 3", officerId: officerB.id },
    ];
    expect(await store.importHouseholds(rows, { actorId: officerA.id, now: t0 })).toEqual({ added: 3, updated: 0, unchanged: 0 });
    const again: HouseholdInput[] = [
      rows[0]!,
      // Same door, written differently (ideographic and repeated spaces, full-width digit, case): one household.
      { regionCode: "v1", address: "　幸福路  ２号 ", headName: "李四", officerId: officerA.id },
      { regionCode: "v3", address: "MAIN st 3", headName: "王五", officerId: officerA.id },
      { regionCode: "v2", address: "幸福路 1号", officerId: officerB.id },
    ];
    expect(await store.importHouseholds(again, { actorId: null, now: at(1), dryRun: true })).toEqual({ added: 1, updated: 1, unchanged: 2 });
    expect(await store.listFieldHouseholds()).toHaveLength(3);
    expect(await store.importHouseholds(again, { actorId: null, now: at(1) })).toEqual({ added: 1, updated: 1, unchanged: 2 });
    const stored = await store.listFieldHouseholds();
    expect(stored.map((h) => [h.regionCode, h.address, h.headName, h.phone, h.officerId])).toEqual([
      ["v1", "幸福路 1号", "张三", "13800000001", officerA.id],
      ["v1", "幸福路 2号", "李四", null, officerA.id],
      ["v2", "幸福路 1号", null, null, officerB.id],
      ["v3", "Main St 3", "王五", null, officerA.id],
    ]);
    expect(stored[3]).toMatchObject({ regionPath: "/d1/t2/v3/", regionName: { "zh-CN": "村三" } });
    expect(await store.listFieldHouseholds({ regionPath: "/d1/t1/", officerId: officerA.id })).toHaveLength(2);

    await refused(store.importHouseholds([{ regionCode: "v1", address: "新 1", officerId: officerA.id }, { regionCode: "nowhere", address: "新 2", officerId: officerA.id }], { actorId: null, now: at(2) }), "unknown-region");
    const resident = await person("someone");
    await refused(store.importHouseholds([{ regionCode: "v1", address: "新 1", officerId: officerA.id }, { regionCode: "v1", address: "新 3", officerId: resident.id }], { actorId: null, now: at(2) }), "not-staff");
    expect(await store.listFieldHouseholds()).toHaveLength(4);
    const audit = (await store.listAudit(10)).filter((e) => e.action === "household.import");
    expect(audit.map((e) => e.details)).toEqual([
      { added: 1, updated: 1, unchanged: 2, rows: 4, dryRun: false },
      { added: 3, updated: 0, unchanged: 0, rows: 3, dryRun: false },
    ]);
  });

  it("keeps a village with households when a region import replaces the tree, counting them as assignments", async () => {
    await add(officerA.id, "v2", "1号");
    const plan = { regions: [{ code: "d1", name: { "zh-CN": "区" }, parentCode: null }, { code: "t1", name: { "zh-CN": "镇一" }, parentCode: "d1" }] };
    const counts = await store.importRegions(plan, { replace: true });
    expect(counts.kept).toEqual([{ code: "v2", name: { "zh-CN": "村二" }, reason: "data" }]);
    expect((await store.listRegions()).map((r) => r.code).sort()).toEqual(["d1", "t1", "v2"]);
    const v2 = (await store.getRegionByCode("v2"))!;
    expect((await store.countRegionData()).find((c) => c.regionId === v2.id)).toMatchObject({ assignments: 1, officers: 1 });
  });

  it("adds a household once: the same officer's again is not created, another officer's is refused", async () => {
    const first = await store.addHousehold({ regionCode: "v1", address: "幸福路 9号", headName: "赵六", officerId: officerA.id, actorId: officerA.id, now: t0 });
    expect(first).toMatchObject({ created: true, household: { address: "幸福路 9号", headName: "赵六", officerId: officerA.id, residentId: null, regionCode: "v1" } });
    const again = await store.addHousehold({ regionCode: "v1", address: " 幸福路 ９号", officerId: officerA.id, actorId: officerA.id, now: at(1) });
    expect(again).toEqual({ created: false, household: first.household });
    await refused(store.addHousehold({ regionCode: "v1", address: "幸福路 9号", officerId: officerB.id, actorId: officerB.id, now: at(1) }), "duplicate-address");
    // The same address in another village is another household.
    expect((await store.addHousehold({ regionCode: "v2", address: "幸福路 9号", officerId: officerB.id, actorId: officerB.id, now: at(1) })).created).toBe(true);
    await refused(store.addHousehold({ regionCode: "v9", address: "x", officerId: officerA.id, actorId: null, now: at(1) }), "unknown-region");
    await refused(store.addHousehold({ regionCode: "v1", address: "  ", officerId: officerA.id, actorId: null, now: at(1) }), "bad-input");
    expect(await store.getHousehold(first.household.id)).toEqual(first.household);
    const adds = (await store.listAudit(10)).filter((e) => e.action === "household.add");
    expect(adds).toHaveLength(2);
    expect(adds[1]).toMatchObject({ actorId: officerA.id, target: first.household.id, details: { region: "v1", officerId: officerA.id } });
  });

  it("saves visits by client id: stored, duplicate, updated within the window, too late after it, and refuses others' and unknown households", async () => {
    const mine = await add(officerA.id, "v1", "1号");
    const theirs = await add(officerB.id, "v1", "2号");
    const stored = await store.saveVisit({ ...visit(mine.id, "visit-0001"), officerId: officerA.id, now: at(10) });
    expect(stored.outcome).toBe("stored");
    expect(stored.visit).toMatchObject({ clientId: "visit-0001", officerId: officerA.id, householdId: mine.id, handedOver: { leaflet: true, tips: ["fraud-1"] }, survey: "qr_left", responseId: null, createdAt: at(10) });
    const duplicate = await store.saveVisit({ ...visit(mine.id, "visit-0001"), officerId: officerA.id, now: at(20) });
    expect(duplicate).toEqual({ outcome: "duplicate", visit: stored.visit });
    const edit = visit(mine.id, "visit-0001", { survey: "refused", notes: "不在家", handedOver: { leaflet: false, tips: [] } });
    const updated = await store.saveVisit({ ...edit, officerId: officerA.id, now: at(10 + 60) });
    expect(updated.outcome).toBe("updated");
    expect(updated.visit).toMatchObject({ id: stored.visit.id, survey: "refused", notes: "不在家", handedOver: { leaflet: false, tips: [] }, createdAt: at(10), updatedAt: at(70) });
    const editAudit = (await store.listAudit(5)).find((e) => e.action === "visit.edit");
    expect(editAudit).toMatchObject({ target: stored.visit.id, details: { previous: { survey: "qr_left", leaflet: true, tips: ["fraud-1"], notes: null } } });
    await refused(store.saveVisit({ ...visit(mine.id, "visit-0001", { notes: "again" }), officerId: officerA.id, now: new Date(at(10).getTime() + VISIT_EDIT_WINDOW_MS + 1) }), "too-late");
    // The unchanged content is still a duplicate after the window (a late resync).
    expect((await store.saveVisit({ ...edit, officerId: officerA.id, now: at(5000) })).outcome).toBe("duplicate");
    await refused(store.saveVisit({ ...visit(theirs.id, "visit-0002"), officerId: officerA.id, now: at(10) }), "not-yours");
    await refused(store.saveVisit({ ...visit("no-such-household", "visit-0003"), officerId: officerA.id, now: at(10) }), "unknown-household");
    await refused(store.saveVisit({ ...visit(mine.id, "short"), officerId: officerA.id, now: at(10) }), "bad-input");
    // The same client id of another officer is another visit.
    expect((await store.saveVisit({ ...visit(theirs.id, "visit-0001", { visitedAt: at(30) }), officerId: officerB.id, now: at(30) })).outcome).toBe("stored");

    const listed = await store.listVisits();
    expect(listed.map((v) => [v.officerId, v.visitedAt])).toEqual([[officerB.id, at(30)], [officerA.id, at(0)]]);
    expect(listed[1]).toMatchObject({ household: { address: "1号", regionCode: "v1", regionPath: "/d1/t1/v1/", officerId: officerA.id }, officerName: "officer-a" });
    expect((await store.listVisits({ officerId: officerA.id })).map((v) => v.id)).toEqual([stored.visit.id]);
    expect(await store.listVisits({ since: at(1) })).toHaveLength(1);
    expect(await store.listVisits({ regionPath: "/d1/t2/" })).toHaveLength(0);
    const streamed = [];
    for await (const v of store.streamVisits()) streamed.push(v.visitedAt);
    expect(streamed).toEqual([at(0), at(30)]);
    expect((await store.listAudit(20)).filter((e) => e.action === "visit.add")).toHaveLength(2);
  });

  it("stores an interview once per household and wave, links it to its visit, and reports duplicates", async () => {
    const home = await add(officerA.id, "v1", "1号");
    await store.saveVisit({ ...visit(home.id, "visit-0001", { survey: "interview" }), officerId: officerA.id, now: at(6) });
    const first = await store.storeInterview(interview(officerA.id, home.id, "interview-01", "visit-0001"));
    expect(first.outcome).toBe("stored");
    const responseId = first.responseId;
    const [response] = await store.listResponses(t.wave.id, "completed");
    expect(response).toMatchObject({ id: responseId, residentId: null, mode: "interviewer", householdId: home.id, officerId: officerA.id, regionId: home.regionId, channel: "field", answers: ANSWERS, completedAt: at(5) });
    expect((await store.listVisits())[0]?.responseId).toBe(responseId);
    expect(await store.storeInterview(interview(officerA.id, home.id, "interview-01"))).toEqual({ outcome: "duplicate", responseId });
    expect(await store.storeInterview(interview(officerA.id, home.id, "interview-02"))).toEqual({ outcome: "already-surveyed", responseId, mode: "interviewer" });
    await refused(store.storeInterview(interview(officerB.id, home.id, "interview-03")), "not-yours");
    await refused(store.storeInterview(interview(officerA.id, "nope", "interview-04")), "unknown-household");
    expect(await store.countResponses({ mode: "interviewer" })).toBe(1);
    expect(await store.countResponses({ mode: "self" })).toBe(0);
    expect((await store.listAudit(10)).filter((e) => e.action === "interview.store").map((e) => e.target)).toEqual([responseId]);

    // An admin may interview at any household; a number given at the door fills an empty phone only.
    const admin = await person("admin-1", "admin");
    const other = await add(officerB.id, "v1", "2号");
    expect((await store.storeInterview({ ...interview(admin.id, other.id, "interview-05"), phone: "13800000005" })).outcome).toBe("stored");
    expect((await store.getHousehold(other.id))?.phone).toBe("13800000005");
    const withPhone = (await store.addHousehold({ regionCode: "v1", address: "3号", phone: "13900000003", officerId: officerA.id, actorId: null, now: at(1) })).household;
    expect((await store.storeInterview({ ...interview(officerA.id, withPhone.id, "interview-06"), phone: "13800000006" })).outcome).toBe("stored");
    expect((await store.getHousehold(withPhone.id))?.phone).toBe("13900000003");

    // The resident linked afterwards answers in chat too: their response stands, unlinked.
    const resident = await person("resident-1");
    await store.linkHouseholdResident(home.id, resident.id, officerA.id);
    const own = await completeSelf(resident, at(30));
    expect(own).toMatchObject({ status: "completed", mode: "self", householdId: null });
  });

  it("links a resident's own completed response to their household, which then counts as surveyed", async () => {
    const home = await add(officerA.id, "v1", "1号");
    const other = await add(officerA.id, "v1", "2号");
    const resident = await person("resident-1");
    expect((await store.linkHouseholdResident(home.id, resident.id, officerA.id))?.residentId).toBe(resident.id);
    expect((await store.householdOfResident(resident.id))?.id).toBe(home.id);
    const own = await completeSelf(resident, at(10));
    expect(own).toMatchObject({ mode: "self", householdId: home.id, residentId: resident.id });
    expect(await store.storeInterview(interview(officerA.id, home.id, "interview-01"))).toEqual({ outcome: "already-surveyed", responseId: own.id, mode: "self" });
    // Linking moves the resident; their earlier answer keeps the household it was given for.
    await store.linkHouseholdResident(other.id, resident.id, officerA.id);
    expect((await store.getHousehold(home.id))?.residentId).toBeNull();
    expect((await store.householdOfResident(resident.id))?.id).toBe(other.id);
    expect(await store.linkHouseholdResident("nope", resident.id, null)).toBeNull();
    expect((await store.listAudit(5)).filter((e) => e.action === "household.link")).toHaveLength(2);
  });

  it("gives a household the completed answer of a resident linked after answering", async () => {
    const home = await add(officerA.id, "v1", "1号");
    const resident = await person("resident-1");
    const own = await completeSelf(resident, at(10));
    expect(own.householdId).toBeNull();
    await store.linkHouseholdResident(home.id, resident.id, officerA.id);
    expect((await store.getResponse(resident.id, t.wave.id))?.householdId).toBe(home.id);
    expect(await store.storeInterview(interview(officerA.id, home.id, "interview-01"))).toMatchObject({ outcome: "already-surveyed", mode: "self" });
  });

  it("erases a household with its visits and interviews; self responses lose the link only", async () => {
    const home = await add(officerA.id, "v1", "幸福路 1号");
    const kept = await add(officerA.id, "v1", "幸福路 2号");
    const resident = await person("resident-1");
    await store.linkHouseholdResident(home.id, resident.id, officerA.id);
    const own = await completeSelf(resident, at(1));
    await store.saveVisit({ ...visit(home.id, "visit-0001"), officerId: officerA.id, now: at(2) });
    await store.saveVisit({ ...visit(kept.id, "visit-0002"), officerId: officerA.id, now: at(2) });
    expect((await store.storeInterview(interview(officerA.id, kept.id, "interview-01"))).outcome).toBe("stored");
    expect(await store.eraseHousehold(home.id, officerA.id)).toBe(true);
    expect(await store.eraseHousehold(home.id, officerA.id)).toBe(false);
    expect(await store.getHousehold(home.id)).toBeNull();
    expect((await store.listVisits()).map((v) => v.householdId)).toEqual([kept.id]);
    expect(await store.getResponse(resident.id, t.wave.id)).toMatchObject({ id: own.id, householdId: null });
    expect(await store.countResponses({ mode: "interviewer" })).toBe(1);
    const erase = (await store.listAudit(5)).find((e) => e.action === "household.erase");
    expect(erase).toMatchObject({ actorId: officerA.id, target: home.id, details: {} });
    expect(JSON.stringify(erase)).not.toContain("幸福路");
  });

  it("erases a resident's household, visits and interviews with the resident", async () => {
    const home = await add(officerA.id, "v1", "1号");
    const resident = await person("resident-1");
    await store.saveVisit({ ...visit(home.id, "visit-0001"), officerId: officerA.id, now: at(2) });
    expect((await store.storeInterview(interview(officerA.id, home.id, "interview-01"))).outcome).toBe("stored");
    await store.linkHouseholdResident(home.id, resident.id, officerA.id);
    await store.commitTurn({ residentId: resident.id, channel: "telegram", state: {}, expectedRevision: 0, now: at(10), writes: [{ type: "resident.erase" }] });
    expect(await store.getHousehold(home.id)).toBeNull();
    expect(await store.listVisits()).toEqual([]);
    expect(await store.countResponses()).toBe(0);
    // The resident's id is gone with them: the audit keeps the tombstone their row now has.
    const audit = await store.listAudit(5);
    const tombstone = audit.find((e) => e.action === "resident.erase")?.actorId;
    expect(tombstone).toMatch(/^erased-/);
    expect(audit.find((e) => e.action === "household.erase")).toMatchObject({ actorId: tombstone, target: home.id });
  });

  it("lists the field re-checks of a wave with the household to visit", async () => {
    const home = await add(officerA.id, "v1", "1号");
    await store.importHouseholds([{ regionCode: "v1", address: "2号", headName: "李四", phone: "13800000002", officerId: officerB.id }], { actorId: null, now: t0 });
    const [second] = await store.listFieldHouseholds({ officerId: officerB.id });
    const resident = await person("resident-1");
    await store.linkHouseholdResident(second!.id, resident.id, officerB.id);
    const own = await completeSelf(resident, at(3));
    const { responseId } = await store.storeInterview(interview(officerA.id, home.id, "interview-01"));
    await store.createSpotChecks({ waveId: t.wave.id, seed: "s", method: "visit", responseIds: [responseId, own.id], now: at(20) });
    const checks = await store.listFieldRechecks({ waveId: t.wave.id });
    expect(checks.map((c) => ({ responseId: c.responseId, mode: c.mode, officerId: c.officerId, household: c.household, answers: c.answers, outcome: c.outcome }))).toEqual(
      expect.arrayContaining([
        { responseId, mode: "interviewer", officerId: officerA.id, household: { id: home.id, address: "1号", headName: null, phone: null }, answers: ANSWERS, outcome: null },
        { responseId: own.id, mode: "self", officerId: officerB.id, household: { id: second!.id, address: "2号", headName: "李四", phone: "13800000002" }, answers: ANSWERS, outcome: null },
      ]),
    );
    expect(checks).toHaveLength(2);
    expect(checks.find((c) => c.mode === "interviewer")).toMatchObject({ questionnaireId: t.wave.questionnaireId, regionCode: "v1", regionPath: "/d1/t1/v1/", checkedAt: null });
    const [check] = checks.filter((c) => c.mode === "self");
    await store.recordSpotCheck(check!.spotCheckId, { outcome: "consistent", now: at(30) });
    expect((await store.listFieldRechecks()).find((c) => c.spotCheckId === check!.spotCheckId)).toMatchObject({ outcome: "consistent", checkedAt: at(30) });
    expect(await store.listFieldRechecks({ waveId: "another-wave" })).toEqual([]);
    // A resident without a number of their own is called on their household's.
    const listed = await store.listSpotChecks(t.wave.id);
    expect(listed.find((c) => c.responseId === own.id)?.phone).toBe("13800000002");
  });

  it("builds the coverage rows of dwellings and chat-only assignments", async () => {
    const since = at(100);
    const ex = await person("officer-x", "officer");
    const r1 = await person("resident-1");
    const r2 = await person("resident-2");
    const r3 = await person("resident-3");
    const v1 = (await store.getRegionByCode("v1"))!;
    const v2 = (await store.getRegionByCode("v2"))!;
    const a1 = await add(officerA.id, "v1", "A1");
    const a2 = await add(officerA.id, "v1", "A2");
    const a3 = await add(officerA.id, "v2", "A3");
    const b1 = await add(officerB.id, "v3", "B1");
    await add(ex.id, "v1", "X1");
    await store.linkHouseholdResident(a1.id, r1.id, officerA.id);
    await store.assignHousehold({ officerId: officerA.id, householdId: r1.id, regionId: v1.id });
    await store.assignHousehold({ officerId: officerA.id, householdId: r2.id, regionId: v2.id });
    await store.assignHousehold({ officerId: officerB.id, householdId: r1.id, regionId: v1.id });
    await store.assignHousehold({ officerId: officerB.id, householdId: r3.id, regionId: null });
    // a1: leaflet since; a2: visited with nothing handed over; a3: visited before `since` only.
    await store.saveVisit({ ...visit(a1.id, "visit-0001", { visitedAt: at(120) }), officerId: officerA.id, now: at(120) });
    await store.saveVisit({ ...visit(a2.id, "visit-0002", { visitedAt: at(130), handedOver: { leaflet: false, tips: [] } }), officerId: officerA.id, now: at(130) });
    await store.saveVisit({ ...visit(a3.id, "visit-0003", { visitedAt: at(50) }), officerId: officerA.id, now: at(50) });
    await completeSelf(r1, at(110));
    await completeSelf(r2, at(110));
    expect((await store.storeInterview(interview(officerA.id, a2.id, "interview-01"))).outcome).toBe("stored");
    // r1 reached and confirmed, r2 reached only, since `since`.
    const b = await store.createBroadcast({ authorId: officerA.id, content: { text: { "zh-CN": "提示" } }, audience: { kind: "everyone" }, status: "scheduled", scheduledAt: at(140), now: at(140) });
    const ids = await Promise.all([r1, r2].map(async (r) => (await store.identitiesOf(r.id))[0]!.id));
    await store.fanOutBroadcast(b.id, [r1, r2].map((r, i) => ({ residentId: r.id, identityId: ids[i]!, status: "pending" as const })), at(140));
    for (const job of await store.nextDeliveries({ now: at(140), limit: 10 })) {
      await store.claimDelivery(job.id, { leaseUntil: at(200) });
      await store.settleDelivery(job.id, { status: "sent", platformMessageId: "1" }, at(141));
      if (job.residentId === r1.id) await store.markDeliveryRead(job.id, r1.id, at(142));
    }
    await store.revokeStaff("cli", "officer-x", null, at(150));

    const region = (code: string) => ({ v1: { regionId: v1.id, regionCode: "v1", regionPath: "/d1/t1/v1/", regionName: { "zh-CN": "村一" } }, v2: { regionId: v2.id, regionCode: "v2", regionPath: "/d1/t1/v2/", regionName: { "zh-CN": "村二" } } })[code as "v1" | "v2"];
    const none = { visited: false, materialDelivered: false, surveyed: null, reached: false, confirmed: false };
    const rowsA: FieldCoverageRow[] = [
      { officerId: officerA.id, officerName: "officer-a", householdKey: a1.id, ...region("v1")!, dwelling: true, ...none, visited: true, materialDelivered: true, surveyed: "self", reached: true, confirmed: true },
      { officerId: officerA.id, officerName: "officer-a", householdKey: a2.id, ...region("v1")!, dwelling: true, ...none, visited: true, surveyed: "interviewer" },
      { officerId: officerA.id, officerName: "officer-a", householdKey: a3.id, ...region("v2")!, dwelling: true, ...none },
      { officerId: officerA.id, officerName: "officer-a", householdKey: `chat:${r2.id}`, ...region("v2")!, dwelling: false, ...none, surveyed: "self", reached: true },
    ];
    const v3 = (await store.getRegionByCode("v3"))!;
    const rowsB: FieldCoverageRow[] = [
      { officerId: officerB.id, officerName: "officer-b", householdKey: b1.id, regionId: v3.id, regionCode: "v3", regionPath: "/d1/t2/v3/", regionName: { "zh-CN": "村三" }, dwelling: true, ...none },
      { officerId: officerB.id, officerName: "officer-b", householdKey: `chat:${r1.id}`, ...region("v1")!, dwelling: false, ...none, surveyed: "self", reached: true, confirmed: true },
      { officerId: officerB.id, officerName: "officer-b", householdKey: `chat:${r3.id}`, regionId: null, regionCode: null, regionPath: null, regionName: null, dwelling: false, ...none },
    ];
    const expected = officerA.id < officerB.id ? [...rowsA, ...rowsB] : [...rowsB, ...rowsA];
    expect(await store.fieldCoverageRows({ waveId: t.wave.id, since })).toEqual(expected);
    expect(await store.fieldCoverageRows({ waveId: t.wave.id, since, officerId: officerA.id })).toEqual(rowsA);
    expect(await store.fieldCoverageRows({ waveId: t.wave.id, since, regionPath: "/d1/t1/v1/" })).toEqual(expected.filter((r) => r.regionCode === "v1"));
    // Without a wave nobody counts as surveyed; without `since` a3's earlier visit counts.
    const all = await store.fieldCoverageRows();
    expect(all.every((r) => r.surveyed === null)).toBe(true);
    expect(all.find((r) => r.householdKey === a3.id)).toMatchObject({ visited: true, materialDelivered: true });
    expect(await store.fieldCoverageRows({ broadcastId: "another" })).toSatisfy((rows: FieldCoverageRow[]) => rows.every((r) => !r.reached));
  });
});

describe.each(BACKENDS)("a large household import on $name", ({ name, create }) => {
  it("imports 20,000 households in seconds, and again as unchanged", { timeout: 120_000 }, async () => {
    const villages = Array.from({ length: 50 }, (_, i) => ({ code: `v${i}`, name: `村${i}` }));
    const t = await openTestStore({ db: await create(), regions: [{ code: "d1", name: "区", children: villages }] });
    try {
      const officers: string[] = [];
      for (let i = 0; i < 20; i++) officers.push((await t.store.setRole("cli", `officer-${i}`, "officer")).id);
      const rows: HouseholdInput[] = Array.from({ length: 20_000 }, (_, i) => ({
        regionCode: `v${i % 50}`,
        address: `幸福路 ${i}号`,
        headName: `户主${i}`,
        phone: i % 3 === 0 ? `138${String(i).padStart(8, "0")}` : null,
        officerId: officers[i % 20]!,
      }));
      const started = performance.now();
      expect(await t.store.importHouseholds(rows, { actorId: null, now: t0 })).toEqual({ added: 20_000, updated: 0, unchanged: 0 });
      const first = performance.now() - started;
      const changed = rows.map((row, i) => (i % 10 === 0 ? { ...row, headName: `新户主${i}` } : row));
      const again = performance.now();
      expect(await t.store.importHouseholds(changed, { actorId: null, now: at(1) })).toEqual({ added: 0, updated: 2_000, unchanged: 18_000 });
      const second = performance.now() - again;
      console.log(`[${name}] 20,000 households imported in ${Math.round(first)} ms, re-imported (2,000 changed) in ${Math.round(second)} ms`);
      expect(first).toBeLessThan(15_000);
      expect(second).toBeLessThan(15_000);
      const one = await t.store.listFieldHouseholds({ regionPath: "/d1/v10/" });
      expect(one).toHaveLength(400);
      expect(one.find((h) => h.address === "幸福路 10号")).toMatchObject({ headName: "新户主10", phone: null, officerId: officers[10] });
      expect(one.find((h) => h.address === "幸福路 60号")).toMatchObject({ headName: "新户主60", phone: "13800000060", officerId: officers[0] });
      const other = await t.store.listFieldHouseholds({ regionPath: "/d1/v7/" });
      expect(other.find((h) => h.address === "幸福路 57号")).toMatchObject({ headName: "户主57", phone: "13800000057", officerId: officers[17] });
    } finally {
      await t.close();
    }
  });
});
