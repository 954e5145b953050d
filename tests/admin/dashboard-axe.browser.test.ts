/**
 * Every dashboard page audited by axe-core in Chromium (0 violations of any impact), and the
 * overview's headline — the sense-of-security and satisfaction rates against their targets — in
 * the first screen of a 1280×900 desktop. Writes docs/screenshots/dashboard-overview.png.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { adminEnv, type AdminEnv } from "./support.js";
import { REGIONS, seedResponse } from "./fixture.js";
import { CHROMIUM_ARGS } from "../../app/chart-images.js";
import { describeInBrowser } from "../support/browser.js";
import { axeViolations, describeViolations } from "../support/axe.js";
import { SUPPORTED_LANGS } from "../../core/engine/types.js";

const SHOTS = fileURLToPath(new URL("../../docs/screenshots/", import.meta.url));

describeInBrowser("dashboard pages under axe", (executablePath) => {
  let env: AdminEnv;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let base: string;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    env = await adminEnv();
    // The fixture asks no satisfaction question: a dozen residents answer it, and it gets a target,
    // so that the second card shows a figure and its gap.
    const levels = ["very_satisfied", "very_satisfied", "very_satisfied", "satisfied", "satisfied", "satisfied", "satisfied", "basically_satisfied", "basically_satisfied", "not_very_satisfied", "not_very_satisfied", "dissatisfied"];
    for (const [k, level] of levels.entries()) {
      await seedResponse(env.store, {
        user: `satisfaction-${k}`,
        wave: env.fx.w2,
        questionnaireId: env.fx.questionnaireId,
        region: REGIONS.b1,
        channel: "web",
        status: "completed",
        answers: { sat_police: { kind: "choice", option: level } },
        startedAt: new Date("2026-11-12T08:00:00Z"),
        seconds: 300,
      });
    }
    await env.store.setWaveTarget(env.fx.w2.id, "sat_police.rate", "省均", 0.9);
    await env.app.listen({ port: 0, host: "127.0.0.1" });
    const address = env.app.server.address();
    base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
    page = await context.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await env?.close();
  });

  /** Each page's violations, as one line per rule (an empty list when every page passes). */
  async function violationsOf(urls: readonly string[]): Promise<string[]> {
    const found: string[] = [];
    for (const url of urls) {
      const response = await page.goto(`${base}${url}`);
      expect(response?.status(), url).toBe(200);
      const violations = await axeViolations(page);
      if (violations.length > 0) found.push(`${url}\n${describeViolations(violations)}`);
    }
    return found;
  }

  it("passes axe on the sign-in page in every language", async () => {
    expect(await violationsOf(SUPPORTED_LANGS.map((lang) => `/admin/login?lang=${lang}`))).toEqual([]);
  });

  it("passes axe on every signed-in page", async () => {
    await page.goto(`${base}/admin/login?lang=zh-CN`);
    await page.fill("#token", env.tokens.admin);
    await Promise.all([page.waitForURL(/\/admin\?lang=zh-CN/), page.click("button[type=submit]")]);
    const w2 = env.fx.w2.id;
    const pages = SUPPORTED_LANGS.flatMap((lang) => [
      `/admin?lang=${lang}&wave=${w2}&level=2`,
      `/admin/regions?lang=${lang}`,
      `/admin/waves?lang=${lang}`,
      `/admin/suggestions?lang=${lang}`,
      `/admin/drivers?lang=${lang}&wave=${w2}`,
      `/admin/spot-checks?lang=${lang}&wave=${w2}`,
      `/admin/report?lang=${lang}&wave=${w2}&level=2`,
    ]);
    expect(await violationsOf(pages)).toEqual([]);
  }, 300_000);

  it("shows the security and satisfaction rates with their targets in words on the overview's first screen", async () => {
    await page.goto(`${base}/admin?lang=zh-CN&wave=${env.fx.w2.id}&level=2`);
    await page.screenshot({ path: `${SHOTS}dashboard-overview.png` });
    await expect(page.locator("h1").count()).resolves.toBe(1);
    for (const card of ["#headline-security", "#headline-satisfaction"]) {
      const box = await page.locator(card).boundingBox();
      expect(box, card).not.toBeNull();
      expect(box!.y, card).toBeGreaterThanOrEqual(0);
      expect(box!.y + box!.height, card).toBeLessThanOrEqual(900);
      expect(box!.x + box!.width, card).toBeLessThanOrEqual(1280);
    }
    const security = page.locator("#headline-security");
    await expect(security.locator(".headline-value").textContent()).resolves.toBe("82.1%");
    // Below both averages, by how much, and whether that is more than chance — in words, no "*".
    await expect(security.locator("li", { hasText: "省均" }).textContent()).resolves.toBe("82.1% · 低于省均 85.0，差 2.9 个百分点差异不显著：省均在 95% 置信区间之内，可能只是抽样误差。");
    await expect(security.textContent()).resolves.toContain("高于市均 80.0，高 2.1 个百分点");
    expect(await page.locator("#rates-table").textContent()).not.toContain("*");
    const satisfaction = page.locator("#headline-satisfaction");
    await expect(satisfaction.locator("h3").textContent()).resolves.toContain("满意率");
    // 9 of 13 in the top three levels (these 12 and the fixture's straight-liner, not very satisfied):
    // 69.2%, 95% interval 42.4–87.3%, so the 90.0 average lies outside it.
    await expect(satisfaction.locator(".headline-value").textContent()).resolves.toBe("69.2%");
    await expect(satisfaction.locator(".headline-interval").textContent()).resolves.toBe("95% 置信区间 42.4%–87.3%，共 13 份有效回答");
    await expect(satisfaction.locator("li").textContent()).resolves.toBe("69.2% · 低于省均 90.0，差 20.8 个百分点差异显著：省均在 95% 置信区间之外，不太可能只是抽样误差。");
    // The rest is grouped, each group one click away.
    for (const group of ["figures", "problems", "outreach", "quality"]) await expect(page.locator(`nav.jump a[href="#group-${group}"]`).count()).resolves.toBe(1);
    const violations = await axeViolations(page);
    expect(violations, describeViolations(violations)).toEqual([]);
  });
});
