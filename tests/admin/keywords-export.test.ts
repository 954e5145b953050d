/**
 * `anxin export keywords` against a seeded database: the terms of a wave's suggestions, as a whole
 * and by region, written as JSON lines and CSV, with bad options refused in one line.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runAnxin } from "./cli.js";
import { adminEnv, type AdminEnv } from "./support.js";
import { REGIONS, seedResponse } from "./fixture.js";

const EXTRA = [
  ["kw-1", REGIONS.b1, "村口路灯坏了，晚上很黑。"],
  ["kw-2", REGIONS.b1, "路灯太少，巷子里很暗。"],
  ["kw-3", REGIONS.a1, "电信诈骗电话太多，建议多宣传防诈骗。"],
  ["kw-4", REGIONS.a2, "收到电信诈骗短信，请提醒老人。"],
  ["kw-5", REGIONS.b1, "希望修好路灯。"],
] as const;

describe("anxin export keywords", () => {
  let env: AdminEnv;
  let dir: string;

  beforeAll(async () => {
    env = await adminEnv();
    dir = mkdtempSync(join(tmpdir(), "anxin-keywords-"));
    const started = new Date("2026-10-01T02:00:00Z");
    for (const [user, region, suggestion] of EXTRA) {
      await seedResponse(env.store, { user, wave: env.fx.w2, questionnaireId: env.fx.w2.questionnaireId, region, channel: "web", status: "completed", answers: {}, startedAt: started, seconds: 300, suggestion });
    }
  }, 60_000);
  afterAll(async () => {
    await env?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const jsonRows = (file: string) =>
    readFileSync(file, "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);

  it("writes the wave's terms as a whole and for each region with enough suggestions", async () => {
    const file = join(dir, "k.jsonl");
    await runAnxin(env.db.target.url, "export", "keywords", "--wave", "2026-H2", "--level", "1", "--min-group", "2", "--format", "json", "--lang", "en", "--out", file);
    const rows = jsonRows(file);
    const whole = rows.filter((r) => r.region_code === null);
    expect(whole[0]).toMatchObject({ wave: "2026-H2", region: "All", rank: 1 });
    const terms = whole.map((r) => r.keyword);
    // The fixture's own suggestions all ask for patrols, in both languages; the extra ones name street lights and fraud.
    expect(terms.slice(0, 2)).toEqual(expect.arrayContaining(["巡逻", "patrol"]));
    expect(terms.slice(2, 4)).toEqual(["路灯", "电信诈骗"]);
    const lights = whole.find((r) => r.keyword === "路灯")!;
    expect(lights.suggestions).toBe(3);
    expect(String(lights.suggestion_ids).split(" ")).toHaveLength(3);
    // Hubin (town B) has three of the extra suggestions: it is broken out, with the lights first.
    const hubin = rows.filter((r) => r.region_code === REGIONS.townB);
    expect(hubin[0]).toMatchObject({ region: "Hubin", rank: 1, keyword: "路灯", suggestions: 3 });
    const audit = await env.store.listAudit(5);
    expect(audit.some((a) => a.action === "export" && a.target === "keywords")).toBe(true);
  });

  it("writes CSV with headers in the admin's language, and narrows to a region", async () => {
    const file = join(dir, "k.csv");
    await runAnxin(env.db.target.url, "export", "keywords", "--wave", "2026-H2", "--region", REGIONS.townB, "--out", file);
    const csv = readFileSync(file, "utf8");
    expect(csv.split("\n")[0]).toContain("关键词");
    expect(csv).toContain("路灯");
    expect(csv).not.toContain("电信诈骗");
  });

  it("answers the same over the JSON API, for admins only, with bad parameters refused in the admin's language", async () => {
    const get = (query: string, token = env.tokens.admin) => env.app.inject({ url: `/admin/api/keywords?${query}`, headers: { authorization: `Bearer ${token}` } });
    const res = await get(`wave=${env.fx.w2.id}&level=1&minGroup=2&top=5`);
    expect(res.statusCode).toBe(200);
    const body = res.json() as { read: number; truncated: boolean; groups: { regionCode: string | null; name: string; keywords: { term: string; suggestions: number; ids: string[] }[] }[] };
    expect(body.truncated).toBe(false);
    expect(body.groups[0]!.regionCode).toBeNull();
    expect(body.groups[0]!.keywords.length).toBeLessThanOrEqual(5);
    const lights = body.groups[0]!.keywords.find((k) => k.term === "路灯")!;
    expect(lights.suggestions).toBe(3);
    expect(body.groups.find((g) => g.regionCode === REGIONS.townB)!.keywords[0]!.term).toBe("路灯");
    // Narrowed by the Suggestions page's text search: only the suggestions that mention fraud.
    const fraud = (await get(`wave=${env.fx.w2.id}&q=${encodeURIComponent("诈骗")}`)).json() as typeof body;
    expect(fraud.read).toBe(2);
    expect((await get("wave=x", env.tokens.officer)).statusCode).toBe(403);
    const bad = await get("level=99&lang=zh-CN");
    expect(bad.statusCode).toBe(400);
    expect((bad.json() as { message: string }).message).toContain("level");
    const region = await get("region=999&lang=zh-CN");
    expect(region.json()).toEqual({ error: "bad_request", message: "没有代码为“999”的地区。" });
  });

  it("heads the Suggestions page with a word cloud and a ranked list, each term linking to its suggestions", async () => {
    const page = async (query: string) => (await env.app.inject({ url: `/admin/suggestions?${query}`, headers: { cookie: `anxin_staff=${env.tokens.admin}` } })).body;
    const body = await page(`lang=zh-CN&wave=${env.fx.w2.id}`);
    expect(body).toContain('<section class="keywords" id="keywords"');
    expect(body).toContain("建议里说了什么");
    // The most used terms are the largest; each links to the page filtered by it, the other filters kept.
    expect(body).toMatch(new RegExp(`<a class="kw kw-5" href="/admin/suggestions\\?lang=zh-CN&amp;wave=${env.fx.w2.id}&amp;q=%E5%B7%A1%E9%80%BB">巡逻 `));
    expect(body).toMatch(/<td><a href="[^"]*q=%E8%B7%AF%E7%81%AF">路灯<\/a><\/td><td class="num">3<\/td>/);
    // Residents' words are escaped in the cloud like everywhere else on the admin pages.
    expect(body).not.toMatch(/<script>alert/);
    // The second page carries no cloud.
    expect(await page(`lang=zh-CN&wave=${env.fx.w2.id}&cursor=x`)).not.toContain('id="keywords"');
    // No suggestions, no terms: said so.
    expect(await page("lang=en&q=nothing-matches-this")).toContain("No keyword yet");
  });

  it("refuses what names nothing, in one line", async () => {
    await expect(runAnxin(env.db.target.url, "export", "keywords", "--wave", "nope")).rejects.toThrow(/^no such wave: nope$/);
    await expect(runAnxin(env.db.target.url, "export", "keywords", "--region", "999")).rejects.toThrow(/^no region with code 999$/);
    await expect(runAnxin(env.db.target.url, "export", "keywords", "--level", "x")).rejects.toThrow(/--level takes a whole number from 0 to 10/);
    await expect(runAnxin(env.db.target.url, "export", "keywords", "--top", "0")).rejects.toThrow(/--top takes a whole number/);
  });
});
