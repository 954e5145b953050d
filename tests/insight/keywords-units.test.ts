/**
 * Keywords of suggestions (core/insight/keywords.ts): on hand-labelled suggestions in Simplified
 * and Traditional Chinese and in English, the top terms are the ones a reader picks — the street
 * lights, the patrols, the telecom fraud — and the words every suggestion is framed with are not.
 */
import { describe, expect, it } from "vitest";
import { clausesOf, extractKeywords, type KeywordSource } from "../../core/insight/keywords.js";
import { keywordGroups, keywordsTable } from "../../core/insight/keywords-table.js";
import type { AdminSuggestionRecord, RegionRecord } from "../../core/model/index.js";

const SIMPLIFIED = [
  "小区路灯坏了很久，晚上走路不安全，希望尽快修好路灯。",
  "建议加强夜间巡逻，特别是学校附近。",
  "最近电信诈骗很多，老人容易上当，建议多宣传防诈骗知识。",
  "村口路灯不亮，晚上很黑。",
  "希望派出所多巡逻，晚上经常有人飙车。",
  "电信诈骗电话太多了，希望严厉打击。",
  "路灯太少了，巷子里很暗。",
  "防诈骗宣传要进村入户，老年人不懂。",
  "希望增加巡逻次数，晚上看不到警察。",
  "收到好几个电信诈骗短信，请提醒大家。",
  "停车乱，电动车被偷了两次，希望装监控。",
  "小区监控坏了没人修，电动车经常被偷。",
];

const TRADITIONAL = [
  "社區路燈壞了，希望警察多巡邏。",
  "路燈不亮，晚上很危險。",
  "電信詐騙太多了，要多宣導。",
  "希望夜間巡邏，路口常有人飆車。",
  "長輩接到電信詐騙電話。",
  "巷口路燈壞了三個月。",
];

const ENGLISH = [
  "The street lights are broken near the school, please fix the street lights.",
  "More police patrols at night please.",
  "Street light on Main Road is out.",
  "I want more patrols near the bus station.",
  "Phone scams target old people; more warnings about phone scams.",
  "Got three scam calls this week, phone scam is everywhere.",
];

const sources = (texts: string[], lang: string, prefix: string): KeywordSource[] => texts.map((text, i) => ({ id: `${prefix}${i}`, text, lang }));

describe("keywords of suggestions", () => {
  it("picks the street lights, the patrols and telecom fraud from Simplified Chinese, with their suggestions", () => {
    const keywords = extractKeywords(sources(SIMPLIFIED, "zh-CN", "s"));
    const top = keywords.slice(0, 4).map((k) => k.term);
    expect(top).toEqual(expect.arrayContaining(["路灯", "巡逻", "电信诈骗"]));
    const lights = keywords.find((k) => k.term === "路灯")!;
    // s0 names the lights twice and counts once.
    expect(lights).toEqual({ term: "路灯", suggestions: 3, share: 3 / 12, ids: ["s0", "s3", "s6"] });
    expect(keywords.find((k) => k.term === "电信诈骗")!.ids).toEqual(["s2", "s5", "s9"]);
    // Merged terms are not counted again as their parts where they stand merged.
    expect(keywords.map((k) => k.term)).not.toContain("电信");
    expect(keywords.map((k) => k.term)).toContain("防诈骗");
    expect(keywords.map((k) => k.term)).toEqual(expect.arrayContaining(["电动车", "监控"]));
  });

  it("leaves out the words suggestions are framed with, and single characters", () => {
    const terms = extractKeywords(sources(SIMPLIFIED, "zh-CN", "s"), { minSuggestions: 1, top: 500 }).map((k) => k.term);
    for (const framing of ["希望", "建议", "加强", "增加", "晚上", "很多", "多", "了", "的"]) expect(terms).not.toContain(framing);
    for (const term of terms) expect([...term].length).toBeGreaterThan(1);
  });

  it("does the same in Traditional Chinese", () => {
    const top = extractKeywords(sources(TRADITIONAL, "zh-TW", "t")).slice(0, 3).map((k) => k.term);
    expect(top).toEqual(expect.arrayContaining(["路燈", "巡邏", "電信詐騙"]));
  });

  it("does the same in English: lower case, plurals folded, two-word terms merged", () => {
    const keywords = extractKeywords(sources(ENGLISH, "en", "e"));
    expect(keywords.map((k) => k.term)).toEqual(expect.arrayContaining(["street light", "patrol", "phone scam"]));
    expect(keywords.find((k) => k.term === "street light")!.ids).toEqual(["e0", "e2"]);
    for (const k of keywords) expect(["the", "please", "more", "near", "street", "light"]).not.toContain(k.term);
  });

  it("ranks by suggestions then by term, the same every time, and keeps to top and the minimum", () => {
    const docs = sources(SIMPLIFIED, "zh-CN", "s");
    const once = extractKeywords(docs, { top: 3 });
    expect(once).toHaveLength(3);
    expect(extractKeywords([...docs], { top: 3 })).toEqual(once);
    for (let i = 1; i < once.length; i++) expect(once[i - 1]!.suggestions).toBeGreaterThanOrEqual(once[i]!.suggestions);
    expect(extractKeywords(docs, { minSuggestions: 4 }).every((k) => k.suggestions >= 4)).toBe(true);
    expect(extractKeywords([], {})).toEqual([]);
  });

  it("copes with what residents can type: emoji, joiners, lone surrogates, digits, long pastes", () => {
    const odd = [
      "👮‍♀️👮‍♀️ 路灯!!! 123456 ☎️",
      "路灯\uD800坏了\u200D\u200D",
      `${"路灯坏了。".repeat(5000)}`,
      "",
      "   ",
      "１２３ ＡＢＣ",
    ];
    const keywords = extractKeywords(sources(odd, "zh-CN", "o"), { minSuggestions: 1 });
    expect(keywords[0]).toMatchObject({ term: "路灯", suggestions: 3 });
    expect(keywords.map((k) => k.term)).not.toContain("123456");
    expect(clausesOf("", "en")).toEqual([]);
  });
});

describe("keyword groups and their table", () => {
  const region = (code: string, zh: string, path: string): RegionRecord => ({ code, name: { "zh-CN": zh, en: `R${code}` }, path, parentCode: null, level: 0 }) as unknown as RegionRecord;
  const regions = new Map([["33", region("33", "甲区", "/33/")], ["34", region("34", "乙区", "/34/")]]);
  const suggestion = (id: string, text: string, path: string | null): AdminSuggestionRecord =>
    ({ id, text, lang: "zh-CN", regionPath: path, regionCode: null, regionName: null, residentId: null, waveId: "w", regionId: null, status: "new", tags: [], createdAt: new Date(0), updatedAt: new Date(0) }) as AdminSuggestionRecord;
  const all = [
    ...SIMPLIFIED.map((t, i) => suggestion(`a${i}`, t, "/33/3301/")),
    suggestion("b0", "路灯坏了", "/34/"),
    suggestion("b1", "路灯不亮", "/34/"),
    suggestion("c0", "巡逻太少", null),
  ];

  it("gives the whole first, then each region with enough suggestions; a small region is not broken out", () => {
    const groups = keywordGroups(all, regions, "zh-CN", { level: 0, minGroupSize: 5 });
    expect(groups.map((g) => [g.regionCode, g.name, g.suggestions])).toEqual([["", "全部", 15], ["33", "甲区", 12]]);
    // The small region's suggestions still count in the whole.
    expect(groups[0]!.keywords.find((k) => k.term === "路灯")!.ids).toEqual(["a0", "a3", "a6", "b0", "b1"]);
    expect(keywordGroups(all, regions, "en", {}).map((g) => g.name)).toEqual(["All"]);
  });

  it("writes one row per group and keyword, ranked, with the suggestion ids", async () => {
    const groups = keywordGroups(all, regions, "en", { level: 0, minGroupSize: 5, top: 2 });
    const table = keywordsTable(groups, "en", "2026-H2");
    expect(table.columns.map((c) => c.key)).toEqual(["wave", "region_code", "region", "group_suggestions", "rank", "keyword", "suggestions", "share", "suggestion_ids"]);
    const rows = [...(table.rows as Iterable<unknown[]>)];
    expect(rows).toHaveLength(4);
    expect(rows[0]).toEqual(["2026-H2", null, "All", 15, 1, "路灯", 5, 0.3333, "a0 a3 a6 b0 b1"]);
    expect(rows[2]!.slice(1, 5)).toEqual(["33", "R33", 12, 1]);
  });
});
