/**
 * The alert banner through the dashboard, over the admin fixture (tests/admin/fixture.ts): wave
 * 2026-H2 is open with targets 省均 0.85 and 市均 0.80 for safety_overall.rate. By hand (rates =
 * the top three levels among valid answers): A1 10/12 = 83.3 %, B1 11/14 = 78.6 %, town A
 * (A1 + A2 + A-small) 21/25 = 84.0 %, town B 78.6 %, the district 32/39 = 82.1 % — all below 省均,
 * so five below-target alerts; A2 (9 valid answers) and A-small (4) are suppressed and raise
 * none; every region rose since 2026-H1, so no drop.
 * The banner lists them on every page, links each to its figure, and an admin's acknowledgement
 * (a form with the CSRF token) takes one off for good and is audited.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { csrfToken } from "../../bots/dashboard/mount.js";
import { AlertMonitor } from "../../core/insight/alerts-runner.js";
import { adminEnv, type AdminEnv } from "../admin/support.js";
import { REGIONS } from "../admin/fixture.js";

const NOW = new Date("2026-11-20T02:00:00Z");

describe("the alert banner on the dashboard", () => {
  let env: AdminEnv;
  beforeAll(async () => {
    env = await adminEnv();
    const run = await new AlertMonitor({ store: env.store, platforms: () => ["telegram"] }).runOnce(NOW);
    expect(run.raised).toEqual({ "below-target": 5, drop: 0, coverage: 0 });
  });
  afterAll(async () => {
    await env?.close();
  });

  const cookie = () => `anxin_staff=${env.tokens.admin}`;
  const page = (url: string) => env.app.inject({ url, headers: { cookie: cookie() } });
  const banner = (body: string): string => {
    const start = body.indexOf('<section class="notice alerts no-print"');
    return start < 0 ? "" : body.slice(start, body.indexOf("</section>", start));
  };

  it("lists the open alerts with their figure, target and a link to it, on every page", async () => {
    const res = await page("/admin?lang=en");
    expect(res.statusCode).toBe(200);
    const shown = banner(res.body);
    expect(shown).toContain('role="status"');
    expect(shown).toContain("5 open alerts");
    expect(shown).toMatch(/Liucuijing: [^<]*83\.3% \(95% interval [\d.]+%–[\d.]+%, n = 12\) is below 省均 85\.0%/);
    expect(shown).toMatch(/Dongpolu: [^<]*78\.6% [^<]*n = 14\) is below 省均 85\.0%, 市均 80\.0%/);
    expect(shown).not.toMatch(/Laodonglu|Xiaohe/);
    expect(shown).toContain(`href="/admin?lang=en&amp;wave=${env.fx.w2.id}&amp;region=${REGIONS.a1}&amp;measure=safety_overall.rate"`);
    for (const url of ["/admin/waves?lang=zh-CN", "/admin/suggestions?lang=zh-CN", "/admin/regions?lang=zh-CN"]) {
      const other = await page(url);
      expect(other.statusCode, url).toBe(200);
      expect(banner(other.body), url).toContain("5 条未处理的预警");
    }
    // The linked figure opens.
    const link = /href="(\/admin\?lang=en&amp;wave=[^"]+)"/.exec(shown)![1]!.replace(/&amp;/g, "&");
    expect((await page(link)).statusCode).toBe(200);
    // Not for residents or officers, nor on the printable report.
    expect((await env.app.inject({ url: "/admin", headers: { cookie: `anxin_staff=${env.tokens.officer}` } })).body).not.toContain("alerts-title");
    expect(banner((await page("/admin/report?lang=en")).body)).toBe("");
  });

  it("takes an acknowledged alert off, audited under the admin; without the CSRF token nothing changes", async () => {
    const open = await env.store.listOpenAlerts();
    const target = open.find((a) => a.regionCode === REGIONS.a1)!;
    const post = (csrf: string | null, back = "/admin/waves?lang=en") =>
      env.app.inject({
        method: "POST",
        url: `/admin/alerts/${target.id}/acknowledge?lang=en`,
        headers: { cookie: cookie(), "content-type": "application/x-www-form-urlencoded" },
        payload: new URLSearchParams({ back, ...(csrf === null ? {} : { _csrf: csrf }) }).toString(),
      });
    const refused = await post(null);
    expect(refused.statusCode).toBe(403);
    expect(await env.store.listOpenAlerts()).toHaveLength(5);

    const done = await post(csrfToken(env.secret, env.tokens.admin));
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe("/admin/waves?lang=en");
    const after = banner((await page("/admin?lang=en")).body);
    expect(after).toContain("4 open alerts");
    expect(after).not.toContain("Liucuijing");
    const audit = (await env.store.listAudit(50)).find((e) => e.action === "alert.acknowledge");
    expect(audit).toMatchObject({ actorId: env.adminId, target: target.key });

    // Again: it is not open any more, said in the admin's language.
    const again = await post(csrfToken(env.secret, env.tokens.admin));
    expect(again.statusCode).toBe(404);
    expect(again.body).toContain("already acknowledged");
    // A "back" leading off the dashboard is not followed.
    const other = open.find((a) => a.regionCode === REGIONS.b1)!;
    const offsite = await env.app.inject({
      method: "POST",
      url: `/admin/alerts/${other.id}/acknowledge?lang=en`,
      headers: { cookie: cookie(), "content-type": "application/x-www-form-urlencoded" },
      payload: new URLSearchParams({ back: "//evil.example/admin", _csrf: csrfToken(env.secret, env.tokens.admin) }).toString(),
    });
    expect(offsite.headers.location).toBe("/admin?lang=en");
  });

  it("lists and acknowledges through the JSON API", async () => {
    const bearer = { authorization: `Bearer ${env.tokens.admin}` };
    const listed = await env.app.inject({ url: "/admin/api/alerts", headers: bearer });
    expect(listed.statusCode).toBe(200);
    const body = listed.json() as { total: number; alerts: { id: string; kind: string; details: { figure: { n: number } } }[] };
    expect(body.total).toBe(3);
    expect(body.alerts.every((a) => a.kind === "below-target" && a.details.figure.n >= 10)).toBe(true);
    const ack = await env.app.inject({ method: "POST", url: `/admin/api/alerts/${body.alerts[0]!.id}/acknowledge`, headers: bearer });
    expect(ack.statusCode).toBe(200);
    expect(((await env.app.inject({ url: "/admin/api/alerts", headers: bearer })).json() as { total: number }).total).toBe(2);
    expect((await env.app.inject({ url: "/admin/api/alerts", headers: { authorization: `Bearer ${env.tokens.officer}` } })).statusCode).toBe(403);
  });
});
