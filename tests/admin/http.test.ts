import { afterAll, beforeAll, describe, expect, it } from "vitest";
import ExcelJS from "exceljs";
import { csrfToken, ADMIN_CSP } from "../../bots/dashboard/mount.js";
import { adminEnv, type AdminEnv } from "./support.js";
import { REGIONS } from "./fixture.js";

let env: AdminEnv;

beforeAll(async () => {
  env = await adminEnv();
});
afterAll(async () => {
  await env?.close();
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Every admin-only endpoint (method, URL, body). */
function endpoints(): [string, string, unknown?][] {
  const w = env.fx.w2.id;
  return [
    ["GET", `/admin?wave=${w}`],
    ["GET", `/admin/report?wave=${w}`],
    ["GET", "/admin/waves"],
    ["GET", `/admin/waves?wave=${w}`],
    ["GET", "/admin/suggestions"],
    ["GET", "/admin/spot-checks"],
    ["POST", "/admin/waves/open", { name: "x" }],
    ["POST", `/admin/waves/${w}/close`, {}],
    ["POST", `/admin/waves/${w}/cancel`, {}],
    ["POST", "/admin/waves/targets", { wave: w, measure: "safety_overall.rate", label: "x", value: "50" }],
    ["POST", "/admin/waves/targets/delete", { wave: w, measure: "safety_overall.rate", label: "省均" }],
    ["POST", "/admin/suggestions/x", { status: "read" }],
    ["POST", "/admin/spot-checks/draw", { wave: w }],
    ["POST", "/admin/spot-checks/reask", { wave: w }],
    ["POST", "/admin/spot-checks/x", { outcome: "consistent" }],
    ["GET", "/admin/api/suggestions"],
    ["PATCH", "/admin/api/suggestions/x", { status: "read" }],
    ["GET", `/admin/api/stats?wave=${w}`],
    ["GET", `/admin/api/measures?wave=${w}`],
    ["PUT", "/admin/api/targets", { wave: w, measure: "safety_overall.rate", label: "x", value: 0.5 }],
    ["DELETE", "/admin/api/targets", { wave: w, measure: "safety_overall.rate", label: "省均" }],
    ["GET", "/admin/api/waves"],
    ["POST", "/admin/api/waves", { name: "x" }],
    ["POST", `/admin/api/waves/${w}/close`, {}],
    ["DELETE", `/admin/api/waves/${w}`],
    ["GET", `/admin/api/charts/rates?wave=${w}`],
    ["GET", "/admin/api/export/suggestions"],
    ["GET", `/admin/api/export/responses?wave=${w}`],
    ["GET", `/admin/api/export/stats?wave=${w}`],
    ["GET", `/admin/api/export/spot-checks?wave=${w}`],
    ["GET", `/admin/api/spot-checks?wave=${w}`],
    ["POST", "/admin/api/spot-checks/draw", { wave: w }],
    ["POST", "/admin/api/spot-checks/reask", { wave: w }],
    ["POST", "/admin/api/spot-checks/x", { outcome: "consistent" }],
    ["GET", "/admin/api/coverage"],
    ["GET", `/admin/api/outreach?wave=${w}`],
    ["GET", `/admin/api/charts/awareness?wave=${w}`],
  ];
}

describe("admin HTTP access control", () => {
  it("answers 401 to anonymous callers on every admin endpoint", async () => {
    for (const [method, url, body] of endpoints()) {
      const res = await env.app.inject({ method: method as "GET", url, ...(body ? { payload: body as object } : {}) });
      expect(res.statusCode, `${method} ${url}`).toBe(401);
    }
  });

  it("answers 401 to a forged or expired token", async () => {
    const forged = `${env.tokens.admin.slice(0, -3)}abc`;
    expect((await env.app.inject({ url: "/admin/api/stats", headers: bearer(forged) })).statusCode).toBe(401);
    expect((await env.app.inject({ url: "/admin/api/stats", headers: { cookie: `anxin_staff=${forged}` } })).statusCode).toBe(401);
  });

  it("answers 403 to residents and officers on every admin endpoint", async () => {
    for (const who of ["resident", "officer"] as const) {
      for (const [method, url, body] of endpoints()) {
        const res = await env.app.inject({ method: method as "GET", url, headers: bearer(env.tokens[who]), ...(body ? { payload: body as object } : {}) });
        expect(res.statusCode, `${who} ${method} ${url}`).toBe(403);
      }
    }
  });

  it("lets an admin in", async () => {
    const res = await env.app.inject({ url: `/admin/api/stats?wave=${env.fx.w2.id}`, headers: bearer(env.tokens.admin) });
    expect(res.statusCode).toBe(200);
  });

  it("sends browsers without a session to the sign-in page (303), in their language", async () => {
    const browser = { accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8" };
    for (const [url, headers, lang] of [
      ["/admin", browser, "zh-CN"],
      ["/admin?lang=en", browser, "en"],
      ["/admin", { ...browser, "accept-language": "zh-TW,zh;q=0.8" }, "zh-TW"],
      ["/admin/waves", { ...browser, "accept-language": "en-GB,en;q=0.8" }, "en"],
      ["/admin/report", { ...browser, cookie: "anxin_staff=forged.token.1" }, "zh-CN"],
    ] as const) {
      const res = await env.app.inject({ url, headers });
      expect(res.statusCode, url).toBe(303);
      expect(res.headers.location, url).toBe(`/admin/login?lang=${lang}`);
      expect(res.headers["content-type"], url).toMatch(/text\/html/);
      expect(res.body, url).toContain(`href="/admin/login?lang=${lang}"`);
    }
    // The sign-in page itself is open, and a trailing slash finds the dashboard.
    expect((await env.app.inject({ url: "/admin/login?lang=en", headers: browser })).statusCode).toBe(200);
    const slash = await env.app.inject({ url: "/admin/?lang=en", headers: browser });
    expect(slash.statusCode).toBe(301);
    expect(slash.headers.location).toBe("/admin?lang=en");
  });

  it("keeps answering the API, and clients that do not ask for HTML, with JSON 401", async () => {
    for (const [url, accept] of [
      ["/admin/api/stats", "text/html"],
      ["/admin/api/waves", "application/json"],
      ["/admin", "application/json"],
    ] as const) {
      const res = await env.app.inject({ url, headers: { accept } });
      expect(res.statusCode, url).toBe(401);
      expect(res.headers["content-type"], url).toMatch(/application\/json/);
      expect(res.json(), url).toMatchObject({ error: "unauthorized" });
    }
  });

  it("tells a signed-in officer that the dashboard is for admins (403 page)", async () => {
    const res = await env.app.inject({ url: "/admin", headers: { accept: "text/html", cookie: `anxin_staff=${env.tokens.officer}` } });
    expect(res.statusCode).toBe(403);
    expect(res.headers["content-type"]).toMatch(/text\/html/);
  });

  it("signs in with a staff token into an HTTP-only cookie and out again", async () => {
    // The sign-in form's CSRF token, bound to the pre-session cookie its page sets (tests/web/staff-sessions.test.ts has the refusals).
    const form = await env.app.inject({ url: "/admin/login?lang=en" });
    const pre = String(form.headers["set-cookie"]).split(";")[0]!;
    const _csrf = /name="_csrf" value="([^"]+)"/.exec(form.body)?.[1] ?? "";
    const login = (payload: Record<string, string>) => env.app.inject({ method: "POST", url: "/admin/login", headers: { cookie: pre }, payload: { ...payload, _csrf } });
    const bad = await login({ token: "nope", lang: "en" });
    expect(bad.statusCode).toBe(401);
    const officer = await login({ token: env.tokens.officer });
    expect(officer.statusCode).toBe(403);
    const ok = await login({ token: env.tokens.admin, lang: "en" });
    expect(ok.statusCode).toBe(303);
    const cookie = String(ok.headers["set-cookie"]);
    expect(cookie).toMatch(/anxin_staff=/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    const page = await env.app.inject({ url: "/admin?lang=en", headers: { cookie: `anxin_staff=${env.tokens.admin}` } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("Sense of security");
    // Without a session there is nothing to end (signing out does end the session: staff-sessions.test.ts).
    const out = await env.app.inject({ method: "POST", url: "/admin/logout", payload: {} });
    expect(out.statusCode).toBe(303);
    expect(String(out.headers["set-cookie"])).toMatch(/anxin_staff=;/);
  });

  it("requires the CSRF token on cookie-authenticated changes", async () => {
    const [first] = await env.store.querySuggestions({ limit: 1 });
    if (!first) throw new Error("fixture has suggestions");
    const cookie = `anxin_staff=${env.tokens.admin}`;
    const without = await env.app.inject({ method: "PATCH", url: `/admin/api/suggestions/${first.id}`, headers: { cookie }, payload: { status: "read" } });
    expect(without.statusCode).toBe(403);
    const withToken = await env.app.inject({
      method: "PATCH",
      url: `/admin/api/suggestions/${first.id}`,
      headers: { cookie, "x-csrf-token": csrfToken(env.secret, env.tokens.admin) },
      payload: { status: "read" },
    });
    expect(withToken.statusCode).toBe(200);
  });

  it("shows the by-mode table right after the by-channel one, modes named in the page's language", async () => {
    for (const [path, table] of [["/admin", "mode-table"], ["/admin/report", "report-mode-table"]] as const) {
      const page = await env.app.inject({ url: `${path}?wave=${env.fx.w2.id}&lang=zh-TW`, headers: bearer(env.tokens.admin) });
      expect(page.statusCode, path).toBe(200);
      const modes = page.body.slice(page.body.indexOf(`id="${table}"`));
      expect(modes.indexOf("自填（聊天）"), path).toBeGreaterThan(0);
      expect(modes.indexOf("入戶訪問（員警代填）"), path).toBeGreaterThan(modes.indexOf("自填（聊天）"));
      if (path === "/admin") expect(page.body.indexOf('id="channel-table"')).toBeLessThan(page.body.indexOf('id="mode-table"'));
    }
  });

  it("sends a strict CSP without scripts", async () => {
    const res = await env.app.inject({ url: "/admin/login" });
    expect(res.headers["content-security-policy"]).toBe(ADMIN_CSP);
    expect(ADMIN_CSP).not.toMatch(/script-src|unsafe/);
    const page = await env.app.inject({ url: `/admin?wave=${env.fx.w2.id}`, headers: bearer(env.tokens.admin) });
    expect(page.body).not.toMatch(/<script/i);
    expect(page.body).not.toMatch(/ style=/);
  });
});

describe("admin suggestions API", () => {
  it("filters by region subtree, status, tag and text", async () => {
    const all = await env.app.inject({ url: "/admin/api/suggestions", headers: bearer(env.tokens.admin) });
    const body = all.json() as { total: number; items: { id: string; text: string; regionCode: string }[] };
    expect(body.total).toBe(5);
    const townA = (await env.app.inject({ url: `/admin/api/suggestions?region=${REGIONS.townA}`, headers: bearer(env.tokens.admin) })).json() as { items: { regionCode: string }[] };
    expect(townA.items.length).toBeGreaterThan(0);
    expect(townA.items.every((s) => s.regionCode.startsWith(REGIONS.townA))).toBe(true);
    const id = body.items[0]?.id as string;
    const patched = await env.app.inject({ method: "PATCH", url: `/admin/api/suggestions/${id}`, headers: bearer(env.tokens.admin), payload: { status: "forwarded", tags: ["巡逻", "night"] } });
    expect(patched.json()).toMatchObject({ status: "forwarded", tags: ["巡逻", "night"] });
    const byTag = (await env.app.inject({ url: `/admin/api/suggestions?tag=${encodeURIComponent("巡逻")}&status=forwarded`, headers: bearer(env.tokens.admin) })).json() as { total: number };
    expect(byTag.total).toBe(1);
    const search = (await env.app.inject({ url: "/admin/api/suggestions?q=PATROL", headers: bearer(env.tokens.admin) })).json() as { total: number };
    expect(search.total).toBe(5);
    const bad = await env.app.inject({ method: "PATCH", url: `/admin/api/suggestions/${id}`, headers: bearer(env.tokens.admin), payload: { status: "deleted" } });
    expect(bad.statusCode).toBe(400);
  });
});

describe("admin exports", () => {
  const w = () => env.fx.w2.id;

  it("exports CSV in UTF-8 with a BOM and Chinese intact", async () => {
    const res = await env.app.inject({ url: `/admin/api/export/suggestions?format=csv&lang=zh-CN`, headers: bearer(env.tokens.admin) });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/text\/csv/);
    const bytes = res.rawPayload;
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.toString("utf8");
    expect(text).toContain("建议编号");
    expect(text).toContain("晚上多巡逻");
    expect(text.trim().split("\r\n")).toHaveLength(1 + 5);
  });

  it("exports XLSX that reads back with the right headers and row count", async () => {
    const res = await env.app.inject({ url: `/admin/api/export/responses?format=xlsx&lang=en&wave=${w()}`, headers: bearer(env.tokens.admin) });
    expect(res.statusCode).toBe(200);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
    const sheet = workbook.worksheets[0];
    if (!sheet) throw new Error("no sheet");
    const header = (sheet.getRow(1).values as unknown[]).slice(1);
    expect(header.slice(0, 6)).toEqual(["Response id", "Wave", "Status", "Channel", "Survey mode", "Household id"]);
    expect(header).toContain("safety_overall Overall, how safe do you feel where you live?");
    // 40 completed + 3 in progress + 2 abandoned responses in W2.
    expect(sheet.actualRowCount).toBe(1 + 45);
    const labels = new Set<string>();
    sheet.eachRow((row, i) => {
      if (i > 1) labels.add(String(row.getCell(13).value));
    });
    expect(labels).toContain("Very safe");
  });

  it("exports statistics as JSON lines and XLSX sheets without suppressed groups", async () => {
    const json = await env.app.inject({ url: `/admin/api/export/stats?format=json&wave=${w()}&level=2&lang=en`, headers: bearer(env.tokens.admin) });
    const lines = json.body.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.length).toBeGreaterThan(10);
    const rate = lines.find((l) => l.table === "Overall" && l.measure_id === "safety_overall.rate");
    expect(rate).toMatchObject({ n: 39, numerator: 32 });
    expect(Math.abs((rate?.value as number) - 0.820513)).toBeLessThan(5e-5);
    // A2 (9 valid answers), the small village (4) and the wechat channel (9) are suppressed.
    for (const body of [json.body]) {
      expect(body).not.toContain(REGIONS.aSmall);
      expect(body).not.toContain("Xiaohe");
    }
    expect(lines.some((l) => l.group_key === REGIONS.a2 && l.measure_id === "safety_overall.rate")).toBe(false);
    expect(lines.some((l) => l.group_key === "wechat" && l.measure_id === "safety_overall.rate")).toBe(false);
    expect(lines.some((l) => l.measure_id === "reported.yes")).toBe(false);
    expect(lines.some((l) => l.group_key === REGIONS.a1)).toBe(true);

    const xlsx = await env.app.inject({ url: `/admin/api/export/stats?format=xlsx&wave=${w()}&level=2&lang=zh-CN`, headers: bearer(env.tokens.admin) });
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
    expect(workbook.worksheets.map((s) => s.name)).toEqual(["总体", "目标对比", "趋势", "分地区", "分渠道", "分调查方式", "关注问题", "问卷质量", "防范知识知晓率", "案件反馈满意度"]);
    const regions = workbook.getWorksheet("分地区");
    const cells: string[] = [];
    regions?.eachRow((row) => cells.push(JSON.stringify(row.values)));
    expect(cells.join("\n")).not.toContain(REGIONS.aSmall);
    expect(cells.join("\n")).not.toContain("小河村");
    expect((regions?.getRow(1).values as unknown[])[1]).toBe("部分");

    const csv = await env.app.inject({ url: `/admin/api/export/stats?format=csv&wave=${w()}&level=2`, headers: bearer(env.tokens.admin) });
    expect(csv.body).not.toContain(REGIONS.aSmall);
  });

  it("generalises small regions in the raw response export", async () => {
    const res = await env.app.inject({ url: `/admin/api/export/responses?format=json&wave=${w()}`, headers: bearer(env.tokens.admin) });
    const rows = res.body.trim().split("\n").map((l) => JSON.parse(l) as { region_code: string | null });
    expect(rows).toHaveLength(45);
    expect(rows.some((r) => r.region_code === REGIONS.aSmall)).toBe(false);
    // The 4 small-village responses are published as their town.
    expect(rows.filter((r) => r.region_code === REGIONS.townA)).toHaveLength(4);
    expect(rows.filter((r) => r.region_code === REGIONS.a1)).toHaveLength(15);
  });

  it("leaves suppressed groups out of the stats API and the charts", async () => {
    const stats = (await env.app.inject({ url: `/admin/api/stats?wave=${w()}&level=2&lang=en`, headers: bearer(env.tokens.admin) })).json() as {
      byRegion: { measureId: string; groups: { key: string }[]; suppressedGroups: number }[];
      byChannel: { measureId: string }[];
      byMode: { measureId: string; by: string; groups: { key: string; label: string }[]; suppressedGroups: number }[];
    };
    const rate = stats.byRegion.find((b) => b.measureId === "safety_overall.rate");
    expect(rate?.groups.map((g) => g.key)).toEqual([REGIONS.a1, REGIONS.b1]);
    expect(rate?.suppressedGroups).toBe(2);
    // By mode, beside by channel: the fixture has no interviews, so that group is only counted.
    expect(stats.byMode.map((b) => b.measureId)).toEqual(stats.byChannel.map((b) => b.measureId));
    const byMode = stats.byMode.find((b) => b.measureId === "safety_overall.rate");
    expect(byMode).toMatchObject({ by: "mode", groups: [{ key: "self", label: "Self (chat)" }], suppressedGroups: 1 });
    for (const chart of ["rates", "trend", "region-safety_overall.rate", "hot"]) {
      const res = await env.app.inject({ url: `/admin/api/charts/${chart}?wave=${w()}&level=2&lang=en`, headers: bearer(env.tokens.admin) });
      expect(res.statusCode, chart).toBe(200);
      expect(res.headers["content-type"]).toMatch(/image\/svg\+xml/);
      expect(res.body).not.toContain("Xiaohe");
      expect(res.body).not.toContain("Laodonglu");
      expect(res.body).not.toContain(REGIONS.aSmall);
    }
    const regionChart = await env.app.inject({ url: `/admin/api/charts/region-safety_overall.rate?wave=${w()}&level=2&lang=en`, headers: bearer(env.tokens.admin) });
    expect(regionChart.body).toContain("Liucuijing");
  });
});

describe("admin spot checks", () => {
  it("draws a stratified sample with its seed, lists phones, records outcomes and reports consistency", async () => {
    const w = env.fx.w2.id;
    // A resident who shared a phone number for spot checks.
    const first = await env.store.pageResponses({ waveIds: [w], statuses: ["completed"] }, null, 100);
    for (const r of first) await env.store.setResidentPhone(r.residentId!, `1380000${String(first.indexOf(r)).padStart(4, "0")}`);
    const drawn = await env.app.inject({ method: "POST", url: "/admin/api/spot-checks/draw", headers: bearer(env.tokens.admin), payload: { wave: w, share: 0.25, minPerStratum: 1, level: 2, seed: "2026-H2" } });
    expect(drawn.statusCode).toBe(200);
    const result = drawn.json() as { created: number; seed: string; population: number };
    expect(result).toMatchObject({ seed: "2026-H2", population: 40 });
    expect(result.created).toBeGreaterThanOrEqual(10);
    const again = (await env.app.inject({ method: "POST", url: "/admin/api/spot-checks/draw", headers: bearer(env.tokens.admin), payload: { wave: w, share: 0.25, minPerStratum: 1, level: 2, seed: "2026-H2" } })).json() as { created: number; existing: number };
    expect(again).toMatchObject({ created: 0, existing: result.created });
    const list = (await env.app.inject({ url: `/admin/api/spot-checks?wave=${w}`, headers: bearer(env.tokens.admin) })).json() as { checks: { id: string; phone: string | null; seed: string }[] };
    expect(list.checks).toHaveLength(result.created);
    expect(list.checks.every((c) => c.seed === "2026-H2" && typeof c.phone === "string")).toBe(true);
    const outcomes = ["consistent", "consistent", "consistent", "inconsistent", "unreachable"];
    for (const [i, outcome] of outcomes.entries()) {
      const res = await env.app.inject({ method: "POST", url: `/admin/api/spot-checks/${list.checks[i]?.id}`, headers: bearer(env.tokens.admin), payload: { outcome, notes: "电话核实" } });
      expect(res.statusCode).toBe(200);
    }
    const bad = await env.app.inject({ method: "POST", url: `/admin/api/spot-checks/${list.checks[0]?.id}`, headers: bearer(env.tokens.admin), payload: { outcome: "maybe" } });
    expect(bad.statusCode).toBe(400);
    const after = (await env.app.inject({ url: `/admin/api/spot-checks?wave=${w}`, headers: bearer(env.tokens.admin) })).json() as { consistency: { consistent: number; inconsistent: number; unreachable: number; rate: { n: number; value: number; ci: { lower: number; upper: number } } } };
    expect(after.consistency).toMatchObject({ consistent: 3, inconsistent: 1, unreachable: 1 });
    // 3 of 4 reached: Wilson 95 % interval of 3/4 = 0.300642–0.954405.
    expect(after.consistency.rate.n).toBe(4);
    expect(Math.abs(after.consistency.rate.ci.lower - 0.300642)).toBeLessThan(5e-5);
    expect(Math.abs(after.consistency.rate.ci.upper - 0.954405)).toBeLessThan(5e-5);
  });

  it("draws a sample to be re-asked in chat and queues it from the dashboard, listed with where each stands", async () => {
    const w = env.fx.w2.id;
    const drawn = (await env.app.inject({ method: "POST", url: "/admin/api/spot-checks/draw", headers: bearer(env.tokens.admin), payload: { wave: w, share: 1, minPerStratum: 1, level: 2, seed: "chat", method: "chat" } })).json() as { created: number; method: string };
    expect(drawn.method).toBe("chat");
    expect(drawn.created).toBeGreaterThan(0);
    const bad = await env.app.inject({ method: "POST", url: "/admin/api/spot-checks/draw", headers: bearer(env.tokens.admin), payload: { wave: w, method: "pigeon" } });
    expect(bad.statusCode).toBe(400);
    const queued = await env.app.inject({ method: "POST", url: "/admin/api/spot-checks/reask", headers: bearer(env.tokens.admin), payload: { wave: w, limit: 2 } });
    expect(queued.json()).toEqual({ queued: 2, remaining: drawn.created - 2 });
    const rest = (await env.app.inject({ method: "POST", url: "/admin/api/spot-checks/reask", headers: bearer(env.tokens.admin), payload: { wave: w } })).json() as { queued: number; remaining: number };
    expect(rest).toEqual({ queued: drawn.created - 2, remaining: 0 });
    const page = await env.app.inject({ url: `/admin/spot-checks?wave=${w}&lang=zh-CN`, headers: bearer(env.tokens.admin) });
    expect(page.body).toContain("聊天中重问两题 · 等待在聊天中询问");
    expect(page.body).toContain('id="reask-form"');
    const exported = await env.app.inject({ url: `/admin/api/export/spot-checks?wave=${w}&lang=en&format=csv`, headers: bearer(env.tokens.admin) });
    expect(exported.body).toContain("two answers re-asked in chat · waiting to be asked in chat");
    expect(exported.body).toContain("by telephone");
  });
});
