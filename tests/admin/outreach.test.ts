/**
 * The dashboard's outreach figures over HTTP: officers' coverage (page and /admin/api/coverage),
 * awareness from safety-tip quizzes and case-feedback satisfaction (page, printable report,
 * /admin/api/outreach, charts, statistics export) — who may see them, that they equal the hand
 * count of tests/admin/fixture.ts (seedOutreach), and that a small group (a tip with 3 answers,
 * a region with 4 ratings) never appears as a number anywhere.
 *
 * Expected intervals were worked out independently (Python, standard library: Wilson by the
 * centre ± half-width form, t quantile by the exact series of tools/expected-stats/expected.py).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import ExcelJS from "exceljs";
import { adminEnv, type AdminEnv } from "./support.js";
import { REGIONS } from "./fixture.js";
import { getTip } from "../../core/outreach/tips.js";

let env: AdminEnv;

beforeAll(async () => {
  env = await adminEnv();
});
afterAll(async () => {
  await env?.close();
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const near = (actual: number | undefined, wanted: number) => expect(Math.abs((actual ?? Number.NaN) - wanted)).toBeLessThan(5e-6);
const smallTitle = () => getTip(env.outreach.smallTip)?.title.en as string;
const shownTitle = () => getTip(env.outreach.shownTip)?.title.en as string;

/** The table row (`<tr>…</tr>`) whose header cell is `label`, with `title` attributes removed (they hold the setting "fewer than 10", not data). */
function rowOf(html: string, tableId: string, label: string): string {
  const table = html.slice(html.indexOf(`id="${tableId}"`));
  const body = table.slice(0, table.indexOf("</table>"));
  const row = body.split("<tr").find((r) => r.includes(`>${label}</th>`));
  if (!row) throw new Error(`no row ${label} in ${tableId}`);
  return row.slice(0, row.indexOf("</tr>")).replace(/ title="[^"]*"/g, "");
}

/** The text of some markup (tags and their attributes, e.g. colspan="3", removed). */
const textOf = (markup: string): string => markup.replace(/<[^>]*>/g, " ");

describe("outreach figures: access", () => {
  const urls = () => {
    const w = env.fx.w2.id;
    return ["/admin/api/coverage", `/admin/api/outreach?wave=${w}`, `/admin/api/charts/awareness?wave=${w}`, `/admin/api/charts/case-satisfaction?wave=${w}&level=2`, `/admin?wave=${w}`, `/admin/report?wave=${w}`];
  };

  it("answers 401 to anonymous callers, 403 to residents and officers, 200 to admins", async () => {
    for (const url of urls()) {
      expect((await env.app.inject({ url })).statusCode, `anonymous ${url}`).toBe(401);
      for (const who of ["resident", "officer"] as const) {
        const res = await env.app.inject({ url, headers: bearer(env.tokens[who]) });
        expect(res.statusCode, `${who} ${url}`).toBe(403);
        expect(res.body, `${who} ${url}`).not.toMatch(/Liucuijing|柳翠井|fraud-safe-account/);
      }
      expect((await env.app.inject({ url, headers: bearer(env.tokens.admin) })).statusCode, `admin ${url}`).toBe(200);
    }
  });
});

describe("officers' coverage", () => {
  it("equals the hand count per officer and village, filtered by region", async () => {
    const res = await env.app.inject({ url: "/admin/api/coverage", headers: bearer(env.tokens.admin) });
    const body = res.json() as { officers: { villages: { regionCode: string; assigned: number; reached: number; confirmed: number; meetsMinimum: boolean; complete: boolean }[] }[]; totals: Record<string, number>; minimumPerVillage: number };
    expect(body.officers).toHaveLength(1);
    expect(body.officers[0]?.villages.map((v) => [v.regionCode, v.assigned, v.reached, v.confirmed, v.meetsMinimum, v.complete])).toEqual([
      [REGIONS.a1, 12, 10, 6, true, false],
      [REGIONS.aSmall, 4, 4, 1, false, true],
    ]);
    expect(body.totals).toMatchObject({ assigned: 16, reached: 14, confirmed: 7, missing: 2, villages: 2, villagesBelowMinimum: 1, villagesComplete: 1 });
    expect(body.minimumPerVillage).toBe(10);
    const townB = (await env.app.inject({ url: `/admin/api/coverage?region=${REGIONS.townB}`, headers: bearer(env.tokens.admin) })).json() as { officers: unknown[] };
    expect(townB.officers).toEqual([]);
    const small = (await env.app.inject({ url: `/admin/api/coverage?region=${REGIONS.aSmall}`, headers: bearer(env.tokens.admin) })).json() as { totals: { assigned: number } };
    expect(small.totals.assigned).toBe(4);
    expect((await env.app.inject({ url: "/admin/api/coverage?region=nowhere", headers: bearer(env.tokens.admin) })).statusCode).toBe(404);
    expect((await env.app.inject({ url: "/admin/api/coverage?since=yesterday", headers: bearer(env.tokens.admin) })).statusCode).toBe(400);
  });

  it("shows households, reached and confirmed with shares, and highlights villages short of the goal", async () => {
    const page = (await env.app.inject({ url: `/admin?wave=${env.fx.w2.id}&lang=en`, headers: bearer(env.tokens.admin) })).body;
    expect(page).not.toMatch(/placeholder/i);
    const rows = page.slice(page.indexOf('id="coverage-table"'), page.indexOf("</table>", page.indexOf('id="coverage-table"')));
    expect(rows).toMatch(/<tr class="below-goal">[^]*?Liucuijing<\/td><td class="num">12<\/td><td class="num">10 <span class="share">\(83\.3%\)<\/span><\/td><td class="num">6 <span class="share">\(50\.0%\)<\/span>/);
    expect(rows).toContain("2 not reached");
    expect(rows).toMatch(/<tr class="below-goal">[^]*?Xiaohe<\/td><td class="num">4<\/td><td class="num">4 <span class="share">\(100\.0%\)/);
    expect(rows).toContain("fewer than 10 households");
    expect(rows).toMatch(/All officers<\/th><td><\/td><td class="num">16<\/td><td class="num">14 <span class="share">\(87\.5%\)/);
    // The region filter applies: town B has no assigned households.
    const townB = (await env.app.inject({ url: `/admin?wave=${env.fx.w2.id}&lang=en&region=${REGIONS.townB}`, headers: bearer(env.tokens.admin) })).body;
    expect(townB).toContain('id="coverage-none"');
    expect(townB).not.toContain('id="coverage-table"');
  });
});

describe("awareness and case satisfaction", () => {
  interface OutreachJson {
    level: number;
    awareness: { tipId: string; title: string; suppressed: boolean; n?: number; correct?: number; rate?: number; ci?: { lower: number; upper: number } }[];
    caseSatisfaction: {
      overall: { suppressed: boolean; closed?: number; rated?: number; responseRate?: { value: number; ci: { lower: number; upper: number } }; rate?: { numerator: number; value: number; ci: { lower: number; upper: number } }; index?: { mean: number; sd: number; ci: { lower: number; upper: number } } };
      byRegion: { groups: { key: string; label: string; closed: number; rated: number; rate: { value: number; ci: { lower: number; upper: number } }; index: { mean: number; ci: { lower: number; upper: number } } }[]; suppressedGroups: number };
    };
  }
  const api = async (query: string): Promise<OutreachJson> => (await env.app.inject({ url: `/admin/api/outreach?wave=${env.fx.w2.id}&lang=en${query}`, headers: bearer(env.tokens.admin) })).json() as OutreachJson;

  it("computes awareness per tip from first answers, and lists a small tip without any number", async () => {
    const body = await api("");
    const shown = body.awareness.find((t) => t.tipId === env.outreach.shownTip);
    // 12 residents, 9 right first time (the 12th resident's second, right answer does not count).
    expect(shown).toMatchObject({ title: shownTitle(), suppressed: false, n: 12, correct: 9, rate: 0.75 });
    near(shown?.ci?.lower, 0.467695);
    near(shown?.ci?.upper, 0.911058);
    const small = body.awareness.find((t) => t.tipId === env.outreach.smallTip);
    expect(small).toEqual({ tipId: env.outreach.smallTip, title: smallTitle(), suppressed: true });
    // Tips nobody answered are listed, suppressed too.
    expect(body.awareness.filter((t) => t.suppressed).length).toBe(body.awareness.length - 1);
  });

  it("computes case satisfaction overall and by region (suppressing a region with 4 ratings)", async () => {
    const body = await api("&level=2");
    const o = body.caseSatisfaction.overall;
    expect(o).toMatchObject({ suppressed: false, closed: 21, rated: 17 });
    near(o.responseRate?.value, 17 / 21);
    near(o.responseRate?.ci.lower, 0.599994);
    near(o.responseRate?.ci.upper, 0.923324);
    expect(o.rate?.numerator).toBe(13);
    near(o.rate?.value, 13 / 17);
    near(o.rate?.ci.lower, 0.527382);
    near(o.rate?.ci.upper, 0.90445);
    near(o.index?.mean, 70.588235);
    near(o.index?.sd, 27.493315);
    near(o.index?.ci.lower, 56.452477);
    near(o.index?.ci.upper, 84.723993);
    expect(body.level).toBe(2);
    expect(body.caseSatisfaction.byRegion.groups.map((g) => [g.key, g.label, g.closed, g.rated])).toEqual([[REGIONS.a1, "Liucuijing", 13, 12]]);
    const a1 = body.caseSatisfaction.byRegion.groups[0];
    near(a1?.rate.value, 10 / 12);
    near(a1?.rate.ci.lower, 0.551969);
    near(a1?.rate.ci.upper, 0.953035);
    near(a1?.index.mean, 75);
    near(a1?.index.ci.lower, 58.632152);
    near(a1?.index.ci.upper, 91.367848);
    expect(body.caseSatisfaction.byRegion.suppressedGroups).toBe(1);
    // The default level of this region tree is the towns: town B (4 ratings) is suppressed, and
    // town A with it — else town B would be the district's figure minus town A's.
    const towns = await api("");
    expect(towns.level).toBe(1);
    expect(towns.caseSatisfaction.byRegion).toEqual({ groups: [], suppressedGroups: 2 });
    // Filtered to town B: 4 ratings in all, so even the overall figure is suppressed.
    const townB = await api(`&region=${REGIONS.townB}`);
    expect(townB.caseSatisfaction.overall).toEqual({ suppressed: true });
    expect(townB.caseSatisfaction.byRegion).toEqual({ groups: [], suppressedGroups: 1 });
    // Quiz residents live in A1: none in town B.
    expect(townB.awareness.every((t) => t.suppressed)).toBe(true);
    expect(JSON.stringify(townB)).not.toMatch(/"(n|correct|rated|closed|rate|value)":/);
  });

  it("counts, for a wave, only the cases closed and the quizzes first answered while it ran", async () => {
    // Everything in the fixture happened in November 2026, during 2026-H2; 2026-H1 ran March to June.
    const h1 = (await env.app.inject({ url: `/admin/api/outreach?wave=${env.fx.w1.id}&lang=en&level=2`, headers: bearer(env.tokens.admin) })).json() as OutreachJson;
    expect(h1.caseSatisfaction.overall).toEqual({ suppressed: true });
    expect(h1.awareness.every((t) => t.suppressed)).toBe(true);
    expect(JSON.stringify(h1)).not.toMatch(/"(n|correct|rated|closed|rate|value)":/);
    const h2 = await api("&level=2");
    expect(h2.caseSatisfaction.overall).toMatchObject({ suppressed: false, closed: 21, rated: 17 });
  });

  it("never shows a small group as a number on the page, the printable report or in the charts", async () => {
    for (const [path, prefix] of [["/admin", ""], ["/admin/report", "report-"]] as const) {
      const page = (await env.app.inject({ url: `${path}?wave=${env.fx.w2.id}&level=2&lang=en`, headers: bearer(env.tokens.admin) })).body;
      const small = rowOf(page, `${prefix}awareness-table`, smallTitle());
      expect(small).toContain("suppressed");
      expect(textOf(small).replace(smallTitle(), "")).not.toMatch(/\d/);
      const shown = rowOf(page, `${prefix}awareness-table`, shownTitle());
      expect(shown).toContain("75.0%");
      expect(shown).toContain("46.8–91.1%");
      const dongpolu = rowOf(page, `${prefix}case-satisfaction-table`, "Dongpolu");
      expect(dongpolu).toContain("suppressed");
      expect(textOf(dongpolu)).not.toMatch(/\d/);
      const all = rowOf(page, `${prefix}case-satisfaction-table`, "All");
      expect(all).toContain("<td class=\"num\">21</td><td class=\"num\">17</td><td class=\"num\">81.0%</td><td class=\"num value\">76.5%</td><td class=\"num ci\">52.7–90.4%</td><td class=\"num value\">70.6</td><td class=\"num ci\">56.5–84.7</td>");
      expect(page).toContain(`id="chart-awareness"`);
      expect(page).toContain(`id="chart-case-satisfaction"`);
    }
    const awareness = await env.app.inject({ url: `/admin/api/charts/awareness?wave=${env.fx.w2.id}&lang=en`, headers: bearer(env.tokens.admin) });
    expect(awareness.headers["content-type"]).toMatch(/image\/svg\+xml/);
    expect(awareness.body).toContain(shownTitle().slice(0, 12));
    expect(awareness.body).not.toContain(smallTitle().slice(0, 12));
    const cases = await env.app.inject({ url: `/admin/api/charts/case-satisfaction?wave=${env.fx.w2.id}&level=2&lang=en`, headers: bearer(env.tokens.admin) });
    expect(cases.body).toContain("Liucuijing");
    expect(cases.body).not.toContain("Dongpolu");
  });

  it("exports both figures as extra statistics sheets, without suppressed tips or regions", async () => {
    const json = await env.app.inject({ url: `/admin/api/export/stats?format=json&wave=${env.fx.w2.id}&level=2&lang=en`, headers: bearer(env.tokens.admin) });
    const lines = json.body.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    const tips = lines.filter((l) => l.table === "Tip awareness");
    expect(tips.map((l) => [l.group_key, l.group, l.n, l.numerator, l.value])).toEqual([[env.outreach.shownTip, shownTitle(), 12, 9, 0.75]]);
    near(tips[0]?.ci_lower as number, 0.467695);
    const cases = lines.filter((l) => l.table === "Case satisfaction");
    expect(cases.map((l) => [l.measure_id, l.group_key, l.n, l.numerator])).toEqual([
      ["case_feedback.response_rate", "all", 21, 17],
      ["case_feedback.rate", "all", 17, 13],
      ["case_feedback.index", "all", 17, null],
      ["case_feedback.response_rate", REGIONS.a1, 13, 12],
      ["case_feedback.rate", REGIONS.a1, 12, 10],
      ["case_feedback.index", REGIONS.a1, 12, null],
    ]);
    near(cases[2]?.value as number, 70.588235);
    expect(json.body).not.toContain(env.outreach.smallTip);
    // B1 has survey figures of its own; among the case-satisfaction rows it must not appear.
    expect(JSON.stringify(cases)).not.toContain(REGIONS.b1);
    expect(JSON.stringify(cases)).not.toContain("Dongpolu");

    const xlsx = await env.app.inject({ url: `/admin/api/export/stats?format=xlsx&wave=${env.fx.w2.id}&level=2&lang=zh-CN`, headers: bearer(env.tokens.admin) });
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
    const names = workbook.worksheets.map((s) => s.name);
    expect(names.slice(-2)).toEqual(["防范知识知晓率", "案件反馈满意度"]);
    const sheet = workbook.getWorksheet("案件反馈满意度");
    expect((sheet?.getRow(1).values as unknown[])[1]).toBe("部分");
    const cells: string[] = [];
    sheet?.eachRow((row) => cells.push(JSON.stringify(row.values)));
    expect(cells.join("\n")).toContain("案件反馈满意率");
    expect(cells.join("\n")).not.toContain("东坡路");

    const csv = await env.app.inject({ url: `/admin/api/export/stats?format=csv&wave=${env.fx.w2.id}&level=2`, headers: bearer(env.tokens.admin) });
    expect(csv.body).toContain("防范知识知晓率");
    expect(csv.body).not.toContain(env.outreach.smallTip);
    expect(csv.body.split("\r\n").filter((l) => l.startsWith("案件反馈满意度")).join("\n")).not.toContain(REGIONS.b1);
  });
});

describe("recent notices", () => {
  it("lists them with their counts, including residents who may have a notice twice", async () => {
    const { store } = env;
    const when = new Date("2026-03-01T08:00:00Z");
    const b = await store.createBroadcast({ authorId: env.adminId, content: { text: { en: "twice?" } }, audience: { kind: "everyone" }, status: "scheduled", scheduledAt: when, now: when });
    const { resident, identity } = await store.resolveIdentity({ platform: "telegram", platformUserId: "8800001", chatId: "8800001" });
    const residentId = resident.id;
    await store.fanOutBroadcast(b.id, [{ residentId, identityId: identity.id, status: "pending" }], when);
    const job = (await store.nextDeliveries({ now: when, limit: 1000 })).find((j) => j.broadcastId === b.id)!;
    // Its sender dies during the call; the delivery is taken over and sent again.
    await store.claimDelivery(job.id, { leaseUntil: when, owner: "dead" });
    expect(await store.recoverDelivery(job.id, when)).toBe(true);
    await store.claimDelivery(job.id, { leaseUntil: new Date(when.getTime() + 6_000), owner: "alive" });
    await store.settleDelivery(job.id, { status: "sent", platformMessageId: "9" }, when);
    const page = (await env.app.inject({ url: `/admin?wave=${env.fx.w2.id}&lang=en`, headers: bearer(env.tokens.admin) })).body;
    const table = page.slice(page.indexOf('id="broadcast-table"'), page.indexOf("</table>", page.indexOf('id="broadcast-table"')));
    expect(page).toContain("Recent notices");
    expect(table).toContain("Possibly twice");
    const row = table.split("<tr").find((r) => r.includes(b.id))!;
    expect(textOf(row).split(/\s+/).filter((x) => /^\d+$/.test(x))).toEqual(["1", "1", "0", "0", "1"]);
  });
});
