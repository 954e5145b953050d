/** Spot-check sampling and the consistency rate. */

import { describe, expect, it } from "vitest";
import {
  consistencyRate,
  drawSpotCheckSample,
  mulberry32,
  seedFrom,
  StatsConfigError,
  type SpotCheckOptions,
  type StatResponse,
} from "../../core/stats/index.js";
import { loadFixture } from "./load.js";

const fixture = loadFixture();

function population(sizes: Record<string, number>, extra: Partial<StatResponse> = {}): StatResponse[] {
  const out: StatResponse[] = [];
  for (const [town, size] of Object.entries(sizes)) {
    for (let i = 0; i < size; i++) {
      out.push({
        id: `${town}-${String(i).padStart(3, "0")}`,
        waveId: "w",
        regionPath: ["d", town, `${town}-v${i % 3}`],
        channel: "web",
        mode: "self",
        status: "completed",
        startedAt: "2026-03-01T10:00:00Z",
        completedAt: "2026-03-01T10:10:00Z",
        answers: {},
        ...extra,
      });
    }
  }
  return out;
}

const opts = (o: Partial<SpotCheckOptions> = {}): SpotCheckOptions => ({ share: 0.1, minPerStratum: 3, strata: { regionLevel: 1 }, seed: 42, ...o });

describe("mulberry32 and seeds", () => {
  it("is the reference mulberry32 sequence", () => {
    // Reference values of mulberry32(1) (uint32 outputs of the original JavaScript).
    const next = mulberry32(1);
    const first = [next(), next(), next()].map((u) => Math.round(u * 4294967296));
    expect(first).toEqual([2693262067, 11749833, 2265367787]);
    // Same stream as the original one-liner (which keeps its state unmasked) for many draws.
    const original = (seed: number): (() => number) => {
      let s = seed;
      return () => {
        let t = (s += 0x6d2b79f5);
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
      };
    };
    const ours = mulberry32(20261128);
    const theirs = original(20261128);
    for (let i = 0; i < 100_000; i++) expect(ours()).toBe(theirs());
    const a = mulberry32(123);
    const b = mulberry32(123);
    for (let i = 0; i < 1000; i++) {
      const u = a();
      expect(u).toBe(b());
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThan(1);
    }
  });

  it("seeds: integers as is, strings by FNV-1a, others refused", () => {
    expect(seedFrom(7)).toBe(7);
    expect(seedFrom("")).toBe(0x811c9dc5);
    expect(seedFrom("a")).toBe(0xe40c292c);
    expect(seedFrom("平安")).toBe(seedFrom("平安"));
    for (const bad of [-1, 1.5, 2 ** 32]) expect(() => seedFrom(bad)).toThrow(StatsConfigError);
  });
});

describe("drawSpotCheckSample", () => {
  it("is reproducible from the seed and independent of input order", () => {
    const a = drawSpotCheckSample(fixture.responses, fixture.sampling);
    const b = drawSpotCheckSample([...fixture.responses].reverse(), fixture.sampling);
    expect(b).toEqual(a);
    const other = drawSpotCheckSample(fixture.responses, { ...fixture.sampling, seed: 7 });
    expect(other.sample.map((p) => p.id)).not.toEqual(a.sample.map((p) => p.id));
    expect(other.strata).toEqual(a.strata); // allocation does not depend on the seed
  });

  it("draws only completed responses, without duplicates, each from its own stratum", () => {
    const s = drawSpotCheckSample(fixture.responses, fixture.samplingByVillage);
    const byId = new Map(fixture.responses.map((r) => [r.id, r]));
    expect(new Set(s.sample.map((p) => p.id)).size).toBe(s.sample.length);
    for (const p of s.sample) {
      const r = byId.get(p.id);
      expect(r?.status).toBe("completed");
      expect(r?.regionPath[2] ?? null).toBe(p.stratum);
    }
    // The two town-only responses form the null stratum, listed last.
    expect(s.strata.at(-1)).toMatchObject({ key: null, population: 2, drawn: 2 });
    expect(s.strata.reduce((x, h) => x + h.drawn, 0)).toBe(s.sample.length);
  });

  it("allocates proportionally by largest remainder, then tops up to the minimum", () => {
    const rs = population({ A: 120, B: 60, C: 15, D: 2 });
    const s = drawSpotCheckSample(rs, opts());
    // N = 197, T = ceil(19.7) = 20; quotas 12.18, 6.09, 1.52, 0.20 → 12, 6, 2 (largest remainder), 0.
    expect(s.target).toBe(20);
    expect(s.strata).toEqual([
      { key: "A", population: 120, proportional: 12, drawn: 12 },
      { key: "B", population: 60, proportional: 6, drawn: 6 },
      { key: "C", population: 15, proportional: 2, drawn: 3 },
      { key: "D", population: 2, proportional: 0, drawn: 2 },
    ]);
    expect(s.sample).toHaveLength(23);
  });

  it("handles floating-point shares exactly (10 % of 30 is 3, not 4)", () => {
    const s = drawSpotCheckSample(population({ A: 30 }), opts({ minPerStratum: 0 }));
    expect(s.target).toBe(3);
    expect(s.sample).toHaveLength(3);
  });

  it("edge cases: nothing eligible, share 0, share 1", () => {
    expect(drawSpotCheckSample([], opts())).toEqual({ seed: 42, population: 0, target: 0, strata: [], sample: [] });
    const inProgress = population({ A: 5 }, { status: "in_progress" });
    expect(drawSpotCheckSample(inProgress, opts()).sample).toEqual([]);
    expect(drawSpotCheckSample(population({ A: 50, B: 5 }), opts({ share: 0, minPerStratum: 0 })).sample).toEqual([]);
    expect(drawSpotCheckSample(population({ A: 50, B: 5 }), opts({ share: 0, minPerStratum: 4 })).sample).toHaveLength(8);
    const all = drawSpotCheckSample(population({ A: 50, B: 5 }), opts({ share: 1 }));
    expect(all.sample).toHaveLength(55);
  });

  it("refuses bad options and duplicate ids", () => {
    const rs = population({ A: 5 });
    expect(() => drawSpotCheckSample(rs, opts({ share: 1.2 }))).toThrow(StatsConfigError);
    expect(() => drawSpotCheckSample(rs, opts({ minPerStratum: -1 }))).toThrow(StatsConfigError);
    expect(() => drawSpotCheckSample(rs, opts({ strata: { regionLevel: -1 } }))).toThrow(StatsConfigError);
    expect(() => drawSpotCheckSample([...rs, rs[0] as StatResponse], opts())).toThrow(StatsConfigError);
  });

  it("every response of a stratum is equally likely to be drawn (sanity check over many seeds)", () => {
    const rs = population({ A: 10 });
    const hits = new Map<string, number>();
    for (let seed = 0; seed < 4000; seed++) {
      for (const p of drawSpotCheckSample(rs, opts({ share: 0.3, minPerStratum: 0, seed })).sample) hits.set(p.id, (hits.get(p.id) ?? 0) + 1);
    }
    // Each of the 10 ids expects 4000 · 3/10 = 1200 hits (sd ≈ 29).
    for (const count of hits.values()) expect(Math.abs(count - 1200)).toBeLessThan(150);
  });
});

describe("consistencyRate", () => {
  it("excludes unreachable residents from the denominator", () => {
    const r = consistencyRate([
      ...Array<"consistent">(18).fill("consistent"),
      { responseId: "x", result: "inconsistent" },
      "inconsistent",
      ...Array<"unreachable">(5).fill("unreachable"),
    ]);
    expect(r).toMatchObject({ consistent: 18, inconsistent: 2, unreachable: 5, rate: { n: 20, numerator: 18, value: 0.9 } });
    expect(r.rate?.ci.lower).toBeCloseTo(0.699, 3);
    expect(r.rate?.ci.upper).toBeCloseTo(0.9721, 4);
  });

  it("has no rate when nobody was reached; refuses unknown results", () => {
    expect(consistencyRate([])).toEqual({ consistent: 0, inconsistent: 0, unreachable: 0, rate: null });
    expect(consistencyRate(["unreachable"]).rate).toBeNull();
    expect(consistencyRate(["consistent"]).rate).toMatchObject({ n: 1, value: 1 });
    expect(() => consistencyRate(["maybe" as "consistent"])).toThrow(StatsConfigError);
    expect(() => consistencyRate(["toString" as "consistent"])).toThrow(StatsConfigError);
  });
});
