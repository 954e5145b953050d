/**
 * The region tree residents are asked: an office that loaded only its own county (or town) is
 * asked from the level below it.
 */
import { describe, expect, it } from "vitest";
import { askedRegionTree, buildRegionTree } from "../../core/survey/region-tree.js";
import type { RegionRecord } from "../../core/model/index.js";

const region = (code: string, parentId: string | null, level: number): RegionRecord => ({ id: `id-${code}`, code, name: { "zh-CN": code }, level, path: `/${code}/`, parentId });

describe("askedRegionTree", () => {
  it("starts below a lone county and below a chain of lone regions", () => {
    const county = [region("330106", null, 0), region("330106002", "id-330106", 1), region("330106004", "id-330106", 1), region("330106004053", "id-330106004", 2)];
    expect(askedRegionTree(buildRegionTree(county)).map((n) => n.code)).toEqual(["330106002", "330106004"]);
    const city = [region("3301", null, 0), region("330106", "id-3301", 1), region("330106002", "id-330106", 2), region("330106004", "id-330106", 2)];
    expect(askedRegionTree(buildRegionTree(city)).map((n) => n.code)).toEqual(["330106002", "330106004"]);
  });

  it("keeps several top regions, a lone region without children, and an empty tree as they are", () => {
    const two = [region("330102", null, 0), region("330106", null, 0), region("330106001", "id-330106", 1)];
    expect(askedRegionTree(buildRegionTree(two)).map((n) => n.code)).toEqual(["330102", "330106"]);
    expect(askedRegionTree(buildRegionTree([region("330106", null, 0)])).map((n) => n.code)).toEqual(["330106"]);
    expect(askedRegionTree([])).toEqual([]);
  });
});
