/**
 * The dashboard in headless Chromium (Debian's, driven by playwright-core): sign in with a staff
 * token, look at every page, use the filters and forms, print the report to PDF. Screenshots go
 * to tests/artifacts/screenshots/.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { adminEnv, type AdminEnv } from "./support.js";
import { REGIONS } from "./fixture.js";
import { CHROMIUM_ARGS, svgsToPng } from "../../app/chart-images.js";
import { describeInBrowser } from "../support/browser.js";
import { createAdminStaffCommands } from "../../core/admin/staff-commands.js";
import { getTip } from "../../core/outreach/tips.js";

const SHOTS = fileURLToPath(new URL("../artifacts/screenshots/", import.meta.url));

describeInBrowser("admin dashboard in Chromium", (executablePath) => {
  let env: AdminEnv;
  let browser: Browser;
  let page: Page;
  let base: string;
  const problems: string[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    env = await adminEnv();
    await env.app.listen({ port: 0, host: "127.0.0.1" });
    const address = env.app.server.address();
    base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(message.text());
    });
    page.on("pageerror", (error) => problems.push(error.message));
  });
  afterAll(async () => {
    await browser?.close();
    await env?.close();
  });

  it("refuses the dashboard before sign-in and shows the sign-in page", async () => {
    // A page request without a session is sent to the sign-in page (303), which answers 200.
    const response = await page.goto(`${base}/admin?lang=zh-CN`);
    expect(response?.request().redirectedFrom()?.url()).toBe(`${base}/admin?lang=zh-CN`);
    expect(response?.status()).toBe(200);
    await page.waitForURL(/\/admin\/login\?lang=zh-CN/);
    await expect(page.locator("h2").textContent()).resolves.toBe("管理员登录");
    await page.screenshot({ path: `${SHOTS}admin-login.png` });
  });

  it("refuses an officer's token", async () => {
    await page.fill("#token", env.tokens.officer);
    await page.click("button[type=submit]");
    await expect(page.locator(".notice").textContent()).resolves.toContain("不是管理员");
  });

  it("signs in and shows the overview with charts, targets, coverage, quiz awareness and case satisfaction", async () => {
    await page.goto(`${base}/admin/login?lang=zh-CN`);
    await page.fill("#token", env.tokens.admin);
    await Promise.all([page.waitForURL(/\/admin\?lang=zh-CN/), page.click("button[type=submit]")]);
    const cookies = await page.context().cookies();
    expect(cookies.find((c) => c.name === "anxin_staff")?.httpOnly).toBe(true);
    await page.goto(`${base}/admin?lang=zh-CN&wave=${env.fx.w2.id}&level=2`);
    await expect(page.locator("#rates-table").textContent()).resolves.toContain("82.1%");
    await expect(page.locator("#rates-table").textContent()).resolves.toContain("省均");
    expect(await page.locator("figure.chart img").count()).toBeGreaterThanOrEqual(4);
    // Every chart image decoded (no CSP or data-URI problem).
    const broken = await page.locator("figure.chart img").evaluateAll((imgs) => imgs.filter((i) => !(i as HTMLImageElement).complete || (i as HTMLImageElement).naturalWidth === 0).length);
    expect(broken).toBe(0);
    await expect(page.locator("#region-table").textContent()).resolves.toContain("不予显示");
    // Officers' coverage: A1 short of the goal (2 households not reached), the small village under 10 households.
    await expect(page.locator("#coverage-table tbody tr.below-goal").count()).resolves.toBe(2);
    await expect(page.locator("#coverage-table tbody tr.below-goal").first().textContent()).resolves.toContain("2 户未送达");
    await expect(page.locator("#coverage-table tfoot").textContent()).resolves.toMatch(/16\s*14 \(87\.5%\)\s*7 \(43\.8%\)/);
    // Quiz awareness: one tip shown with its interval, the 3-answer tip suppressed.
    const awareness = page.locator("#awareness-table tbody tr", { hasText: "75.0%" });
    await expect(awareness.textContent()).resolves.toContain("46.8–91.1%");
    const small = page.locator("#awareness-table tbody tr", { hasText: getTip(env.outreach.smallTip)?.title["zh-CN"] as string });
    await expect(small.locator("td.suppressed").textContent()).resolves.toBe("不予显示");
    await expect(small.locator("td").count()).resolves.toBe(1);
    // Case satisfaction at the village level: A1 shown, B1 (4 ratings) suppressed.
    await expect(page.locator("#case-satisfaction-table tr.total").textContent()).resolves.toMatch(/21\s*17\s*81\.0%\s*76\.5%\s*52\.7–90\.4%\s*70\.6\s*56\.5–84\.7/);
    await expect(page.locator("#case-satisfaction-table tr", { hasText: "柳翠井社区" }).textContent()).resolves.toContain("83.3%");
    await expect(page.locator("#case-satisfaction-table tr", { hasText: "东坡路社区" }).textContent()).resolves.toContain("不予显示");
    for (const id of ["chart-awareness", "chart-case-satisfaction"]) {
      const size = await page.locator(`#${id} img`).evaluate((img) => (img as HTMLImageElement).naturalWidth);
      expect(size, id).toBeGreaterThan(0);
    }
    await page.screenshot({ path: `${SHOTS}admin-overview.png`, fullPage: true });
    for (const section of ["rates", "trend", "regions", "hot", "coverage", "awareness", "case-satisfaction"]) await page.locator(`#${section}`).screenshot({ path: `${SHOTS}admin-overview-${section}.png` });
  });

  it("toggles flagged responses out", async () => {
    await page.check("input[name=clean]");
    await Promise.all([page.waitForURL(/clean=1/), page.click("#filters button[type=submit]")]);
    await expect(page.locator("#rates-table").textContent()).resolves.toContain("86.5%");
    await expect(page.locator("#wave").textContent()).resolves.toContain("已剔除可疑问卷");
  });

  it("shows the region filter in English", async () => {
    await page.goto(`${base}/admin?lang=en&wave=${env.fx.w2.id}&region=${REGIONS.townA}&level=2`);
    await expect(page.locator("#wave h2").textContent()).resolves.toContain("Qingbo");
    await page.screenshot({ path: `${SHOTS}admin-overview-en-town.png`, fullPage: true });
  });

  it("filters suggestions and changes their status and tags", async () => {
    await page.goto(`${base}/admin/suggestions?lang=zh-CN`);
    expect(await page.locator("#suggestion-table tbody tr").count()).toBe(5);
    await page.fill("input[name=q]", "巡逻");
    await page.selectOption("#suggestion-filters select[name=region]", REGIONS.townB);
    await Promise.all([page.waitForURL(/region=330102002/), page.click("#suggestion-filters button[type=submit]")]);
    expect(await page.locator("#suggestion-table tbody tr").count()).toBe(1);
    const row = page.locator("#suggestion-table tbody tr").first();
    await row.locator("select[name=status]").selectOption("answered");
    await row.locator("input[name=tags]").fill("巡逻, 夜间");
    await Promise.all([page.waitForLoadState("load"), row.locator("button").click()]);
    await expect(page.locator("#suggestion-table tbody tr").first().locator("select[name=status]").inputValue()).resolves.toBe("answered");
    await expect(page.locator("#suggestion-table tbody tr").first().locator("input[name=tags]").inputValue()).resolves.toBe("巡逻, 夜间");
    await page.goto(`${base}/admin/suggestions?lang=zh-CN`);
    await page.screenshot({ path: `${SHOTS}admin-suggestions.png`, fullPage: true });
  });

  it("draws spot checks and records an outcome", async () => {
    await page.goto(`${base}/admin/spot-checks?lang=zh-CN&wave=${env.fx.w2.id}`);
    await page.fill("#draw-form input[name=share]", "0.2");
    await page.fill("#draw-form input[name=level]", "1");
    await page.fill("#draw-form input[name=seed]", "browser");
    await Promise.all([page.waitForLoadState("load"), page.click("#draw-form button")]);
    await expect(page.locator(".notice").textContent()).resolves.toMatch(/新抽取 \d+ 份/);
    const rows = page.locator("#spot-table tbody tr");
    expect(await rows.count()).toBeGreaterThan(0);
    await rows.first().locator("select[name=outcome]").selectOption("consistent");
    await Promise.all([page.waitForLoadState("load"), rows.first().locator("button").click()]);
    await expect(page.locator("#consistency").textContent()).resolves.toContain("100.0%");
    // The rest of the wave, to be re-asked in chat, queued with the button that then appears.
    await page.fill("#draw-form input[name=share]", "1");
    await page.fill("#draw-form input[name=seed]", "browser-chat");
    await page.selectOption("#draw-form select[name=method]", "chat");
    await Promise.all([page.waitForLoadState("load"), page.click("#draw-form button")]);
    await Promise.all([page.waitForLoadState("load"), page.click("#reask-form button")]);
    await expect(page.locator(".notice").textContent()).resolves.toMatch(/已安排 [1-9]\d* 份在聊天中重问/);
    await expect(page.locator("#spot-table").textContent()).resolves.toContain("等待在聊天中询问");
    await page.screenshot({ path: `${SHOTS}admin-spot-checks.png`, fullPage: true });
  });

  it("prints the report to PDF", async () => {
    await page.goto(`${base}/admin/report?lang=zh-CN&wave=${env.fx.w2.id}&level=2`);
    await expect(page.locator(".report h1").textContent()).resolves.toBe("公众安全感和满意度调查报告");
    await expect(page.locator("#report-awareness-table").textContent()).resolves.toContain("75.0%");
    await expect(page.locator("#report-case-satisfaction-table").textContent()).resolves.toContain("76.5%");
    await page.screenshot({ path: `${SHOTS}admin-report.png`, fullPage: true });
    await page.emulateMedia({ media: "print" });
    await page.screenshot({ path: `${SHOTS}admin-report-print.png`, fullPage: true });
    expect(await page.locator("header.top").isVisible()).toBe(false);
    const pdf = await page.pdf({ format: "A4", printBackground: true });
    writeFileSync(`${SHOTS}admin-report.pdf`, pdf);
    expect(pdf.subarray(0, 5).toString()).toBe("%PDF-");
    await page.emulateMedia({ media: "screen" });
  });

  it("draws the /stats charts as PNG images for chat", async () => {
    const admin = await env.store.getResident(env.adminId);
    if (!admin) throw new Error("admin missing");
    const [, stats] = createAdminStaffCommands({ store: env.store, rasterize: svgsToPng });
    const reply = await stats!.run({ staff: admin, args: "", lang: "zh-CN", now: new Date() });
    expect(reply.images?.length).toBeGreaterThanOrEqual(3);
    for (const [i, image] of (reply.images ?? []).entries()) {
      expect([...image.png.subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
      writeFileSync(`${SHOTS}chat-stats-${i + 1}.png`, image.png);
    }
  });

  it("lists the waves and sets a target on the Waves page", async () => {
    await page.goto(`${base}/admin/waves?lang=zh-CN`);
    await expect(page.locator("header.top nav a.active").textContent()).resolves.toBe("调查轮次");
    const current = page.locator(`#waves-table tr[data-wave="${env.fx.w2.id}"]`);
    await expect(current.locator(".status").textContent()).resolves.toBe("当前");
    await expect(current.textContent()).resolves.toMatch(/40\s*3\s*2/);
    await expect(page.locator(`#waves-table tr[data-wave="${env.fx.w1.id}"] .status`).textContent()).resolves.toBe("已结束");
    // Times typed are office time, named on the page: no offset to choose.
    await expect(page.locator("#open-wave-form select[name=offset]").count()).resolves.toBe(0);
    await expect(page.locator("#offset-note").textContent()).resolves.toContain("Asia/Shanghai");
    await expect(page.locator("#time-zone").textContent()).resolves.toContain("Asia/Shanghai");
    await expect(page.locator("#open-wave-form input[name=copyTargets]").isChecked()).resolves.toBe(true);
    await page.selectOption("#target-form select[name=measure]", "safety_overall.rate");
    await page.fill("#target-form input[name=label]", "区均");
    await page.fill("#target-form input[name=value]", "83.5");
    await Promise.all([page.waitForLoadState("load"), page.click("#target-form button")]);
    await expect(page.locator("#wave-notice").textContent()).resolves.toContain("已保存目标值：区均");
    await expect(page.locator("#targets-table").textContent()).resolves.toContain("83.5%");
    expect((await env.store.waveTargets(env.fx.w2.id)).find((t) => t.label === "区均")?.value).toBe(0.835);
    await page.screenshot({ path: `${SHOTS}admin-waves.png`, fullPage: true });
  });

  it("saw no CSP violations or script errors", () => {
    expect(problems.filter((p) => !/401|403|Failed to load resource/.test(p))).toEqual([]);
  });
});
