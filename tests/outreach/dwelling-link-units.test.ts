/**
 * A household's own QR (left at a visit) links the resident who opens it to that dwelling, so
 * their self-completed survey counts for it — only while the QR still fits, and never moving a
 * resident already linked elsewhere.
 */
import { describe, expect, it } from "vitest";
import { Households, type HouseholdStore } from "../../core/outreach/households.js";
import type { HouseholdRecord, ResidentRecord } from "../../core/model/index.js";

function dwelling(over: Partial<HouseholdRecord> = {}): HouseholdRecord {
  const at = new Date("2026-12-07T00:00:00Z");
  return { id: "h1", regionId: "r-village", regionCode: "330106001001", regionPath: "/330106/330106001/330106001001/", regionName: { "zh-CN": "西溪村" }, address: "12号", headName: null, phone: null, officerId: "officer-1", residentId: null, createdAt: at, updatedAt: at, ...over };
}

function fakeStore(households: HouseholdRecord[]): HouseholdStore & { links: [string, string | null][]; assigned: string[] } {
  const officer = { id: "officer-1", role: "officer", regionId: "r-town" } as ResidentRecord;
  const links: [string, string | null][] = [];
  const assigned: string[] = [];
  return {
    links,
    assigned,
    getOfficer: async (id) => (id === officer.id ? officer : null),
    getRegionByCode: async (code) => (code === "330106001001" ? { id: "r-village", code, name: {}, level: 3, path: "/330106/330106001/330106001001/", parentId: "r-town" } : null),
    assignHousehold: async ({ householdId }) => {
      assigned.push(householdId);
      return { assignment: { id: "a1", officerId: officer.id, householdId, regionId: "r-village", createdAt: new Date() }, created: true } as never;
    },
    attributeResponses: async () => 0,
    getHousehold: async (id) => households.find((h) => h.id === id) ?? null,
    householdOfResident: async (residentId) => households.find((h) => h.residentId === residentId) ?? null,
    linkHouseholdResident: async (householdId, residentId) => {
      links.push([householdId, residentId]);
      return households.find((h) => h.id === householdId) ?? null;
    },
  };
}

describe("a household's own QR", () => {
  it("links the resident to the dwelling and makes them the officer's household", async () => {
    const store = fakeStore([dwelling()]);
    const households = new Households(store);
    const link = await households.link("officer-1", "330106001001");
    expect(link).not.toBeNull();
    expect(await households.join(link!, "resident-1", "h1")).toBe(true);
    expect(store.assigned).toEqual(["resident-1"]);
    expect(store.links).toEqual([["h1", "resident-1"]]);
  });

  it("links nothing when the dwelling moved to another officer or village, is taken, or the resident lives elsewhere", async () => {
    for (const [label, list] of [
      ["other officer", [dwelling({ officerId: "officer-2" })]],
      ["other village", [dwelling({ regionId: "r-other" })]],
      ["already linked to someone", [dwelling({ residentId: "resident-9" })]],
      ["resident linked elsewhere", [dwelling(), dwelling({ id: "h2", residentId: "resident-1" })]],
      ["no such dwelling", []],
    ] as const) {
      const store = fakeStore([...list]);
      const households = new Households(store);
      const link = await households.link("officer-1", "330106001001");
      expect(await households.join(link!, "resident-1", "h1"), label).toBe(true);
      expect(store.links, label).toEqual([]);
      // The leaflet part still works: the resident is the officer's household in chat.
      expect(store.assigned, label).toEqual(["resident-1"]);
    }
  });
});
