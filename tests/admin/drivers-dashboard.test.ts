/**
 * The drivers on the dashboard: the Drivers page (a forest plot and its table per outcome, or why
 * there is none), its CSV/XLSX export, and the section of the printable report — on the admin
 * fixture (tests/admin/fixture.ts) and on a wave seeded large enough to estimate.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminEnv, type AdminEnv } from "./support.js";
import { REGIONS, seedResponse } from "./fixture.js";

describe("drivers on the dashboard", () => {
  let env: AdminEnv;
  const get = (url: string) => env.app.inject({ url, headers: { cookie: `anxin_staff=${env.tokens.admin}` } });

  beforeAll(async () => {
    env = await adminEnv();
    // 120 residents of town A and B in wave 2: those who name drug problems and see few patrols feel unsafe more often.
    const started = new Date("2026-10-02T02:00:00Z");
    for (let k = 0; k < 120; k++) {
      const unsafe = k % 3 === 0 || (k % 5 === 0 && k % 2 === 0);
      await seedResponse(env.store, {
        user: `drv-${k}`,
        wave: env.fx.w2,
        questionnaireId: env.fx.w2.questionnaireId,
        region: k % 2 === 0 ? REGIONS.a1 : REGIONS.b1,
        channel: k % 4 === 0 ? "web" : "telegram",
        status: "completed",
        answers: {
          safety_overall: { kind: "choice", option: unsafe ? (k % 2 === 0 ? "unsafe" : "not_very_safe") : k % 2 === 0 ? "very_safe" : "safe" },
        },
        startedAt: new Date(started.getTime() + k * 60_000),
        seconds: 400,
      });
    }
  }, 120_000);
  afterAll(async () => {
    await env?.close();
  });

  it("shows a forest plot with its table per outcome, in the admin's language, with a nav entry", async () => {
    const res = await get(`/admin/drivers?lang=zh-CN&wave=${env.fx.w2.id}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/<h1>影响因素 · 2026-H2<\/h1>/);
    expect(res.body).toContain('href="/admin/drivers?lang=zh-CN" class="active"');
    // "Feels unsafe" is estimated: its plot (an SVG image with a text alternative) and its table.
    expect(res.body).toMatch(/<section class="card drivers" id="drivers-unsafe"><h2>感到不安全[^<]*<\/h2>\s*<p class="muted">[^<]*159[^<]*<\/p>\s*<figure class="chart forest"><img src="data:image\/svg\+xml;base64,[^"]+" width="760" height="\d+" alt="森林图：/);
    const svg = Buffer.from(/base64,([^"]+)"/.exec(res.body)![1]!, "base64").toString("utf8");
    expect(svg).toMatch(/^<svg[^>]+xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(res.body).toMatch(/<table class="list drivers-table">[\s\S]*<td class="num">0\.\d\d<\/td><td>0\.\d\d–\d+\.\d\d<\/td>/);
    // "Dissatisfied" has too few answers in this fixture: said so, with no figure.
    expect(res.body).toMatch(/<section class="card drivers" id="drivers-dissatisfied"><h2>[^<]+<\/h2><p class="muted">已隐藏：不足10人/);
    expect(res.body).toContain("比值比表示相关，不代表因果");
    const en = await get(`/admin/drivers?lang=en&wave=${env.fx.w2.id}`);
    expect(en.body).toContain("An odds ratio shows association, not cause.");
  });

  it("exports the drivers table, and puts the drivers in the printable report", async () => {
    const csv = await get(`/admin/api/export/drivers?lang=en&wave=${env.fx.w2.id}&format=csv`);
    expect(csv.statusCode).toBe(200);
    expect(csv.headers["content-type"]).toContain("text/csv");
    expect(csv.body.replace(/^\uFEFF/, "").split("\r\n")[0]).toContain("Odds ratio");
    const report = await get(`/admin/report?lang=zh-CN&wave=${env.fx.w2.id}`);
    expect(report.statusCode).toBe(200);
    expect(report.body).toContain('<section id="report-drivers"><h2>影响因素</h2>');
  });

  it("refuses an unknown wave or region, and an unknown export, without a 500", async () => {
    expect((await get("/admin/drivers?lang=en&wave=nope")).statusCode).toBe(404);
    expect((await get("/admin/drivers?lang=en&region=999")).statusCode).toBe(404);
    expect((await get("/admin/drivers?lang=en&level=99")).statusCode).toBe(400);
    const unknown = await get("/admin/api/export/nothing?lang=zh-CN");
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toEqual({ error: "not_found", message: "没有这种导出：可导出 suggestions、responses、stats、drivers 或 spot-checks。" });
  });
});
