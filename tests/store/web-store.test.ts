/**
 * Store operations the web chat needs: officers, residents by id, regions by code, households
 * (Assignment rows) and attributing a household's response to its officer. Both backends.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../../prisma/migrate.js";
import type { RegionRecord, ResidentRecord, Store } from "../../core/model/index.js";
import { openStore } from "../../prisma/store.js";
import { BACKENDS, type TestDatabase } from "../support/databases.js";

describe.each(BACKENDS)("web store operations on $name", ({ create }) => {
  let db: TestDatabase;
  let store: Store;
  let officer: ResidentRecord;
  let admin: ResidentRecord;
  let district: RegionRecord;
  let street: RegionRecord;
  let waveId: string;
  let questionnaireId: string;
  const now = new Date("2026-11-01T08:00:00Z");

  beforeAll(async () => {
    db = await create();
    await migrate(db.target);
    store = await openStore(db.target);
    officer = await store.setRole("telegram", "officer-1", "officer");
    admin = await store.setRole("telegram", "admin-1", "admin");
    district = await store.upsertRegion({ code: "330102", name: { "zh-CN": "上城区", en: "Shangcheng" } });
    street = await store.upsertRegion({ code: "330102001", name: { "zh-CN": "清波街道" }, parentCode: "330102" });
    const { record } = await store.saveQuestionnaire({ key: "q", version: 1, title: "Q", definition: {}, checksum: "ab12" });
    questionnaireId = record.id;
    waveId = (await store.createWave({ name: "w", questionnaireId: record.id, opensAt: now })).id;
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  /** A resident with a committed turn that started a response (as the runner does). */
  async function residentWithResponse(user: string, regionCode?: string): Promise<ResidentRecord> {
    const { resident } = await store.resolveIdentity({ platform: "web", platformUserId: user, chatId: user });
    const writes = [{ type: "response.start" as const, waveId, questionnaireId }, ...(regionCode ? [{ type: "response.region" as const, waveId, regionCode }] : [])];
    expect(await store.commitTurn({ residentId: resident.id, channel: "web", state: { v: 1 }, expectedRevision: 0, writes, now })).toBe("committed");
    return resident;
  }

  it("finds officers and admins, not residents", async () => {
    const { resident } = await store.resolveIdentity({ platform: "web", platformUserId: "plain", chatId: "plain" });
    expect((await store.getOfficer(officer.id))?.role).toBe("officer");
    expect((await store.getOfficer(admin.id))?.role).toBe("admin");
    expect(await store.getOfficer(resident.id)).toBeNull();
    expect(await store.getOfficer("no-such-id")).toBeNull();
  });

  it("finds residents by id in the order asked, leaving out unknown ids", async () => {
    const found = await store.getResidentsById([admin.id, "missing", officer.id, admin.id]);
    expect(found.map((r) => r.id)).toEqual([admin.id, officer.id, admin.id]);
    expect(await store.getResidentsById([])).toEqual([]);
  });

  it("finds a region by code", async () => {
    expect((await store.getRegionByCode("330102001"))?.id).toBe(street.id);
    expect((await store.getRegionByCode("330102001"))?.name).toEqual({ "zh-CN": "清波街道" });
    expect(await store.getRegionByCode("999")).toBeNull();
  });

  it("assigns a household once, moves it to a new region, and lists it", async () => {
    const { resident } = await store.resolveIdentity({ platform: "web", platformUserId: "household-1", chatId: "household-1" });
    const first = await store.assignHousehold({ officerId: officer.id, householdId: resident.id, regionId: street.id });
    expect(first.created).toBe(true);
    const again = await store.assignHousehold({ officerId: officer.id, householdId: resident.id, regionId: district.id });
    expect(again.created).toBe(false);
    expect(again.assignment.id).toBe(first.assignment.id);
    const households = await store.listHouseholds(officer.id);
    expect(households.filter((a) => a.householdId === resident.id)).toEqual([expect.objectContaining({ officerId: officer.id, regionId: district.id })]);
  });

  it("refuses a non-officer as officer, and an officer as their own household", async () => {
    const { resident } = await store.resolveIdentity({ platform: "web", platformUserId: "household-2", chatId: "household-2" });
    const { resident: other } = await store.resolveIdentity({ platform: "web", platformUserId: "household-3", chatId: "household-3" });
    await expect(store.assignHousehold({ officerId: other.id, householdId: resident.id, regionId: null })).rejects.toThrow(/not an officer/);
    await expect(store.assignHousehold({ officerId: officer.id, householdId: officer.id, regionId: null })).rejects.toThrow(/own household/);
    expect((await store.listHouseholds(other.id)).length).toBe(0);
  });

  it("gives an unfinished response without an officer the officer and region of the assignment", async () => {
    const resident = await residentWithResponse("household-4");
    await store.assignHousehold({ officerId: officer.id, householdId: resident.id, regionId: street.id });
    const response = await store.getResponse(resident.id, waveId);
    expect(response).toMatchObject({ officerId: officer.id, regionId: street.id, channel: "web" });
  });

  it("attributes a response started after the assignment, keeping a region the resident answered", async () => {
    const { resident } = await store.resolveIdentity({ platform: "web", platformUserId: "household-5", chatId: "household-5" });
    await store.assignHousehold({ officerId: officer.id, householdId: resident.id, regionId: street.id });
    const writes = [
      { type: "response.start" as const, waveId, questionnaireId },
      { type: "response.region" as const, waveId, regionCode: "330102" },
    ];
    expect(await store.commitTurn({ residentId: resident.id, channel: "web", state: { v: 1 }, expectedRevision: 0, writes, now })).toBe("committed");
    expect((await store.getResponse(resident.id, waveId))?.officerId).toBeNull();
    expect(await store.attributeResponses(resident.id)).toBe(1);
    expect(await store.getResponse(resident.id, waveId)).toMatchObject({ officerId: officer.id, regionId: district.id });
    // Nothing left to attribute: a second call changes nothing.
    expect(await store.attributeResponses(resident.id)).toBe(0);
  });

  it("leaves responses of unassigned residents, and completed or attributed ones, alone", async () => {
    const loner = await residentWithResponse("household-6");
    expect(await store.attributeResponses(loner.id)).toBe(0);
    expect((await store.getResponse(loner.id, waveId))?.officerId).toBeNull();

    const finished = await residentWithResponse("household-7");
    expect(await store.commitTurn({ residentId: finished.id, channel: "web", state: { v: 1 }, expectedRevision: 1, writes: [{ type: "response.complete", waveId }], now })).toBe("committed");
    await store.assignHousehold({ officerId: officer.id, householdId: finished.id, regionId: street.id });
    expect((await store.getResponse(finished.id, waveId))?.officerId).toBeNull();

    const second = await store.setRole("telegram", "officer-2", "officer");
    const attributed = await residentWithResponse("household-8");
    await store.assignHousehold({ officerId: officer.id, householdId: attributed.id, regionId: street.id });
    await store.assignHousehold({ officerId: second.id, householdId: attributed.id, regionId: district.id });
    expect(await store.getResponse(attributed.id, waveId)).toMatchObject({ officerId: officer.id, regionId: street.id });
  });

  it("drops a household's assignments when the resident erases their data", async () => {
    const { resident } = await store.resolveIdentity({ platform: "web", platformUserId: "household-9", chatId: "household-9" });
    await store.assignHousehold({ officerId: officer.id, householdId: resident.id, regionId: street.id });
    expect(await store.commitTurn({ residentId: resident.id, channel: "web", state: { v: 1 }, expectedRevision: 0, writes: [{ type: "resident.erase" }], now })).toBe("committed");
    expect((await store.listHouseholds(officer.id)).some((a) => a.householdId === resident.id)).toBe(false);
  });
});
