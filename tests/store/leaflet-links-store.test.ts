/**
 * Leaflets' short links in the store, on SQLite and PostgreSQL: one code per officer and region,
 * the same every time; a drawn code that another leaflet holds is refused so another is drawn;
 * codes resolve to their leaflet, typed in any case, and nothing else resolves.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Store } from "../../core/model/index.js";
import { leafletShortCode, leafletShortTarget, newShortCode, normalizeShortCode, SHORT_CODE_LENGTH } from "../../core/outreach/leaflet-links.js";
import { BACKENDS } from "../support/databases.js";
import { openTestStore, type TestStore } from "../support/store-fixture.js";

describe.each(BACKENDS)("leaflet short links on $name", ({ create }) => {
  let opened: TestStore;
  let store: Store;
  let officerId: string;
  let colleagueId: string;
  const now = new Date("2026-12-07T10:00:00Z");

  beforeAll(async () => {
    opened = await openTestStore({ db: await create() });
    store = opened.store;
    officerId = (await store.setRole("telegram", "officer-a", "officer")).id;
    colleagueId = (await store.setRole("telegram", "officer-b", "officer")).id;
  });
  afterAll(async () => {
    await opened?.close();
  });

  it("keeps one code per officer and region, and resolves it typed in any case", async () => {
    const first = await leafletShortCode(store, officerId, "330102001", now);
    expect(first).toMatch(new RegExp(`^[a-z2-9]{${SHORT_CODE_LENGTH}}$`));
    expect(await leafletShortCode(store, officerId, "330102001", now)).toBe(first);
    const otherRegion = await leafletShortCode(store, officerId, "330102002", now);
    const colleague = await leafletShortCode(store, colleagueId, "330102001", now);
    expect(new Set([first, otherRegion, colleague]).size).toBe(3);
    expect(await leafletShortTarget(store, first.toUpperCase())).toEqual({ officerId, regionCode: "330102001" });
    expect(await leafletShortTarget(store, colleague)).toEqual({ officerId: colleagueId, regionCode: "330102001" });
  });

  it("draws again when the drawn code is another leaflet's", async () => {
    const taken = await leafletShortCode(store, officerId, "330102001", now);
    const draws = [taken, taken, "m7k3pq9x"];
    const code = await leafletShortCode(store, colleagueId, "330102099", now, () => draws.shift() as string);
    expect(code).toBe("m7k3pq9x");
    expect(draws).toEqual([]);
    // The taken code still stands for its own leaflet.
    expect(await leafletShortTarget(store, taken)).toEqual({ officerId, regionCode: "330102001" });
  });

  it("resolves nothing for an unknown or malformed code", async () => {
    expect(await leafletShortTarget(store, "zzzz2222")).toBeNull();
    expect(await leafletShortTarget(store, "a0b1c2d3")).toBeNull();
    expect(await leafletShortTarget(store, "short")).toBeNull();
  });
});

describe("short codes", () => {
  it("are eight characters of an alphabet without 0, 1, i, l or o, and typed ones are normalised", () => {
    for (let i = 0; i < 200; i++) expect(newShortCode()).toMatch(/^[2-9a-hjkmnp-z]{8}$/);
    expect(normalizeShortCode(" K7M3-PQ9X ")).toBe("k7m3pq9x");
    expect(normalizeShortCode("k7m3pq9")).toBeUndefined();
    expect(normalizeShortCode("k7m3pq9o")).toBeUndefined();
  });
});
