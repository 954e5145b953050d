/**
 * `/stats [region] [clean|all]`: the figures with and without flagged responses (speeders and
 * straight-liners). The fixture (fixture.ts) has one of each among its 40 completed responses,
 * both in town B, so the clean figures of the whole district differ from the default ones.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RegionRecord, ResidentRecord, Store } from "../../core/model/index.js";
import { computeReport } from "../../core/admin/stats-service.js";
import { createAdminStaffCommands, parseStatsArgs, STATS_SCOPE_WORDS } from "../../core/admin/staff-commands.js";
import type { Lang } from "../../core/engine/types.js";
import type { StaffCommand, StaffReply } from "../../core/survey/staff-commands.js";
import { openTestStore, type TestStore } from "../support/store-fixture.js";
import { REGIONS, seedFixture } from "./fixture.js";

let opened: TestStore;
let store: Store;
let regions: RegionRecord[];

beforeAll(async () => {
  opened = await openTestStore();
  store = opened.store;
  await seedFixture(store);
  regions = await store.listRegions();
});
afterAll(async () => {
  await opened?.close();
});

const now = new Date("2026-11-20T00:00:00Z");
const admin: ResidentRecord = { id: "x-admin", displayName: null, lang: "zh-CN", role: "admin", regionId: null, optedOut: false, consentAt: null, consentDeclinedAt: null, deletedAt: null, createdAt: now, sessionEpoch: 0 };
let drawn = 0;
let stats: StaffCommand;
beforeAll(() => {
  const commands = createAdminStaffCommands({
    store,
    rasterize: async (svgs) => {
      drawn += 1;
      return svgs.map(() => new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    },
  });
  const found = commands.find((c) => c.name === "stats");
  if (!found) throw new Error("no /stats command");
  stats = found;
});
const run = (args: string, lang: Lang = "en"): Promise<StaffReply> => stats.run({ staff: admin, args, lang, now });
const text = (reply: StaffReply): string => reply.messages.map((m) => m.text).join("\n");

describe("/stats with and without flagged responses", () => {
  it("by default counts every response and says how many are flagged", async () => {
    const reply = await run("");
    const lines = text(reply).split("\n");
    expect(lines[0]).toBe("Survey figures, wave 2026-H2 (40 completed responses):");
    expect(lines[1]).toBe('All completed responses, flagged ones included (add "clean" to leave them out).');
    expect(lines[2]).toBe("Flagged as doubtful: 2 of 40 completed responses (1 answered too fast, 1 gave the same answer throughout).");
    expect(lines).toContain("Sense of security rate: 82.1% (95% CI 67.3–91.0%, n=39)");
    expect(lines).toContain("  省均 85.0%: below");
    expect(reply.images?.map((i) => i.caption)).toEqual(["Rates against targets", "Trend over waves", "By region — Sense of security rate", "Hot problems"]);
  });

  it("/stats clean leaves the speeder and the straight-liner out: other figures, said in the header and the captions", async () => {
    const reply = await run("clean");
    const lines = text(reply).split("\n");
    expect(lines[0]).toBe("Survey figures, wave 2026-H2 (40 completed responses):");
    expect(lines[1]).toBe("Flagged responses (speeders, straight-liners) left out.");
    expect(text(reply)).not.toContain("Flagged as doubtful");
    // 32 of the 37 valid answers left: the rate passes the provincial target it missed before.
    expect(lines).toContain("Sense of security rate: 86.5% (95% CI 72.0–94.1%, n=37)");
    expect(lines).toContain("  省均 85.0%: above");
    expect(lines).toContain("Victimisation rate: 21.1% (95% CI 11.1–36.3%, n=38)");
    expect(text(reply)).not.toContain("n=39");
    for (const image of reply.images ?? []) expect(image.caption).toMatch(/ \(flagged responses left out\)$/);
    expect(reply.images).toHaveLength(4);

    // The same figures as the statistics service computes without flagged responses.
    const report = await computeReport(store, { excludeFlagged: true, now });
    const rate = report.overall.find((m) => m.measure.spec.id === "safety_overall.rate")?.figure;
    expect(rate && "n" in rate ? rate.n : undefined).toBe(37);
  });

  it("understands the words in every language, in either order, and 剔除 right after a region", async () => {
    const clean = text(await run("clean"));
    for (const words of ["剔除", "剔除可疑", "CLEAN", "exclude"]) expect(text(await run(words))).toBe(clean);
    const all = text(await run(""));
    for (const words of ["all", "全部", "所有"]) expect(text(await run(words))).toBe(all);

    const town = text(await run(`${REGIONS.townA} clean`));
    expect(town).toContain("Survey figures (Qingbo), wave 2026-H2 (26 completed responses):");
    expect(town).toContain("Flagged responses (speeders, straight-liners) left out.");
    for (const words of [`clean ${REGIONS.townA}`, "清波街道 剔除", "剔除 清波街道", "清波街道剔除", "Qingbo clean", "清波街道　剔除"]) {
      expect(text(await run(words)), words).toBe(town);
    }
  });

  it("answers in the admin's language, zh-CN and zh-TW", async () => {
    expect(text(await run("", "zh-CN"))).toContain("可疑问卷：已完成 40 份中有 2 份（答题过快 1 份，全部同一选项 1 份）。");
    expect(text(await run("剔除", "zh-CN"))).toContain("已剔除可疑问卷（答题过快、全部同一选项）。");
    expect(text(await run("", "zh-TW"))).toContain("含全部已完成問卷（包括可疑問卷；加「剔除」可不計可疑問卷）。");
    expect((await run("clean", "zh-TW")).images?.[0]?.caption).toBe("各項指標與目標對比（已剔除可疑問卷）");
  });

  it("says nothing numeric about flags below the minimum group size", async () => {
    const village = text(await run(REGIONS.aSmall));
    expect(village).toContain('All completed responses, flagged ones included (add "clean" to leave them out).');
    expect(village).not.toContain("Flagged as doubtful");
    expect(village).not.toMatch(/\d+\.\d%/);
    expect(text(await run(`${REGIONS.aSmall} clean`))).toContain("Flagged responses (speeders, straight-liners) left out.");
  });

  it("refuses unknown words with the accepted forms, in the admin's language, computing nothing", async () => {
    const before = drawn;
    const unknown = await run("火星 clean");
    expect(unknown.messages).toHaveLength(1);
    expect(unknown.messages[0]?.kind).toBe("error");
    expect(text(unknown)).toBe(
      'Not understood: "火星" is neither a region nor an accepted word.\n' +
        "Use: /stats [region] [clean|all], e.g. /stats 清波街道 clean. Region: a region code or name. " +
        "Without flagged responses: clean / exclude / 剔除 / 剔除可疑 / 去除可疑 / 不含可疑. All responses (the default): all / 全部 / 所有 / 含可疑.",
    );
    expect(unknown.images).toBeUndefined();
    const zh = text(await run("清波街道 快点", "zh-CN"));
    expect(zh).toContain("无法理解：“清波街道 快点”既不是地区，也不是可用的选项。");
    expect(zh).toContain("用法：/stats [地区] [剔除|全部]");
    expect(text(await run("clean all", "zh-TW"))).toContain("無法理解：「clean all」既不是地區，也不是可用的選項。");
    // What an admin typed is echoed back, but not at any length.
    const long = text(await run("x".repeat(500))).split("\n")[0]!;
    expect(long).toContain(`"${"x".repeat(59)}…"`);
    expect(long).not.toContain("x".repeat(60));
    expect(drawn).toBe(before);
  });

  it("describes the new argument in its help line", () => {
    expect(stats.description.en).toBe("Survey figures with charts: /stats [region] [clean|all]; what goes with feeling unsafe or dissatisfied: /stats drivers [region]");
    expect(stats.description["zh-CN"]).toBe("查看调查数据和图表：/stats [地区] [剔除|全部]；哪些因素与不安全感、不满意相关：/stats 影响因素 [地区]");
    expect(stats.description["zh-TW"]).toBe("查看調查資料和圖表：/stats [地區] [剔除|全部]；哪些因素與不安全感、不滿意相關：/stats 影響因素 [地區]");
  });
});

describe("parseStatsArgs", () => {
  it("splits a region from the scope word", () => {
    const townA = regions.find((r) => r.code === REGIONS.townA);
    expect(parseStatsArgs("", regions)).toEqual({ ok: true, excludeFlagged: false });
    expect(parseStatsArgs("剔除", regions)).toEqual({ ok: true, excludeFlagged: true });
    expect(parseStatsArgs("清波街道 all", regions)).toEqual({ ok: true, region: townA, excludeFlagged: false });
    expect(parseStatsArgs("清波街道全部", regions)).toEqual({ ok: true, region: townA, excludeFlagged: false });
    expect(parseStatsArgs("清波街道剔除可疑", regions)).toEqual({ ok: true, region: townA, excludeFlagged: true });
    expect(parseStatsArgs("火星", regions)).toEqual({ ok: false, unknown: "火星" });
    expect(parseStatsArgs("剔除 全部", regions)).toEqual({ ok: false, unknown: "剔除 全部" });
  });

  it("has no word that means both", () => {
    const clean = new Set<string>(STATS_SCOPE_WORDS.clean);
    for (const word of STATS_SCOPE_WORDS.all) expect(clean.has(word)).toBe(false);
  });
});
