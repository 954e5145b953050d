/**
 * The leaflet page and the officers' phone page (/field) audited by axe-core in Chromium: 0
 * violations of any impact. The leaflet on a 390×844 phone fits the screen (no sideways scroll,
 * the QR code and the short link whole on the first screen) and on a desktop; printed it is
 * still the A5 sheet. Writes docs/screenshots/leaflet-phone.png and docs/screenshots/field-phone.png.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { loadConfig } from "../../app/config.js";
import { createLogger } from "../../app/log.js";
import { startApp, type RunningApp } from "../../app/start.js";
import { CHROMIUM_ARGS } from "../../app/chart-images.js";
import { STAFF_COOKIE } from "../../app/staff-auth.js";
import { staffLeafletLink } from "../../bots/web/staff.js";
import { SUPPORTED_LANGS } from "../../core/engine/types.js";
import { describeInBrowser } from "../support/browser.js";
import { axeViolations, describeViolations } from "../support/axe.js";
import { staffFixture, type StaffFixture } from "./support.js";

const SHOTS = fileURLToPath(new URL("../../docs/screenshots/", import.meta.url));
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
const DESKTOP = { viewport: { width: 1280, height: 900 } };
const VILLAGE = "330102001001";

describeInBrowser("leaflet and phone page under axe", (executablePath) => {
  let dir: string;
  let app: RunningApp;
  let staff: StaffFixture;
  let browser: Browser;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "anxin-axe-"));
    const config = loadConfig({ PORT: "0", DATABASE_URL: `file:${join(dir, "anxin.db")}`, DATA_DIR: dir, LOG_LEVEL: "silent" });
    app = await startApp(config, createLogger("silent"));
    staff = await staffFixture({ store: app.store, secret: app.secret, dbFile: join(dir, "anxin.db") });
    await app.store.upsertRegion({ code: VILLAGE, name: { "zh-CN": "西溪村", "zh-TW": "西溪村", en: "Xixi Village" }, parentCode: staff.street.code });
    await app.store.importHouseholds(
      [
        { regionCode: VILLAGE, address: "西溪路12号", headName: "张三", phone: "13812345678", officerId: staff.officer.id },
        { regionCode: VILLAGE, address: "西溪路14号", headName: "李四", phone: null, officerId: staff.officer.id },
      ],
      { actorId: null, now: new Date() },
    );
    mkdirSync(SHOTS, { recursive: true });
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function withPage<T>(options: Parameters<Browser["newContext"]>[0], body: (page: Page, context: BrowserContext) => Promise<T>): Promise<T> {
    const context = await browser.newContext({ ...options, bypassCSP: true });
    try {
      return await body(await context.newPage(), context);
    } finally {
      await context.close();
    }
  }

  /** The part of `selector` outside the viewport, in pixels (0 when it is wholly on the first screen). */
  const outsideViewport = async (page: Page, selector: string): Promise<number> => {
    const box = await page.locator(selector).boundingBox();
    if (!box) throw new Error(`${selector} is not shown`);
    const viewport = page.viewportSize() ?? { width: 0, height: 0 };
    return Math.max(0, -box.x, -box.y, box.x + box.width - viewport.width, box.y + box.height - viewport.height);
  };

  it("shows the leaflet whole on a phone, QR code and short link on the first screen, with no axe violations in any language", async () => {
    const link = staffLeafletLink(app.secret, app.url, staff.officer, staff.street.code, new Date());
    await withPage({ ...PHONE, locale: "zh-CN" }, async (page) => {
      for (const lang of SUPPORTED_LANGS) {
        const response = await page.goto(`${link}&lang=${lang}`);
        expect(response?.status()).toBe(200);
        expect(await page.evaluate(() => document.documentElement.scrollWidth), lang).toBeLessThanOrEqual(390);
        expect(await outsideViewport(page, ".qr-box"), lang).toBe(0);
        expect(await outsideViewport(page, ".short-url"), lang).toBe(0);
        const violations = await axeViolations(page);
        expect(violations, `${lang}\n${describeViolations(violations)}`).toEqual([]);
      }
      await page.goto(`${link}&lang=zh-CN`);
      // The short link: /q/ and eight characters, readable (not the 12 px of the old signed link).
      const short = (await page.locator(".short-url").textContent())?.trim() ?? "";
      expect(short).toMatch(new RegExp(`^${app.url}/q/[a-z0-9]{8}$`));
      expect(await page.locator(".short-url").evaluate((el) => parseFloat(getComputedStyle(el).fontSize))).toBeGreaterThanOrEqual(20);
      await page.screenshot({ path: join(SHOTS, "leaflet-phone.png") });
      // Typed into a browser, it opens the survey with the leaflet's officer and region.
      const opened = await page.goto(short);
      expect(opened?.status()).toBe(200);
      expect(new URL(page.url()).pathname).toMatch(/^\/q\/[^/]+\.[^/]+\.[^/]+$/);
    });
  });

  it("draws the leaflet on a desktop and prints it on A5, with no axe violations", async () => {
    const link = staffLeafletLink(app.secret, app.url, staff.officer, staff.street.code, new Date());
    await withPage({ ...DESKTOP, locale: "zh-CN" }, async (page) => {
      await page.goto(link);
      const violations = await axeViolations(page);
      expect(violations, describeViolations(violations)).toEqual([]);
      // On screen the sheet is at most A5's 148 mm (≈ 559 px) wide; printed it fills A5's printable width.
      expect((await page.locator(".sheet").boundingBox())?.width).toBeLessThanOrEqual(560);
      await page.emulateMedia({ media: "print" });
      expect(await page.locator(".tools").first().isVisible()).toBe(false);
      const qr = await page.locator(".qr-box").boundingBox();
      // 84 mm at 96 dpi.
      expect(Math.round(qr?.width ?? 0)).toBe(317);
    });
  });

  it("passes axe on the officers' phone page: the household list and a household", async () => {
    await withPage({ ...PHONE, locale: "zh-CN" }, async (page, context) => {
      await context.addCookies([{ name: STAFF_COOKIE, value: staff.officerToken, url: app.url, httpOnly: true, sameSite: "Strict" }]);
      await page.goto(`${app.url}/field`);
      await expect.poll(() => page.locator("a.household").count(), { timeout: 15_000 }).toBe(2);
      const list = await axeViolations(page);
      expect(list, describeViolations(list)).toEqual([]);
      await page.screenshot({ path: join(SHOTS, "field-phone.png") });
      await page.locator("a.household", { hasText: "西溪路12号" }).click();
      await expect.poll(() => page.locator("body").getAttribute("data-screen")).not.toBe("households");
      const household = await axeViolations(page);
      expect(household, describeViolations(household)).toEqual([]);
    });
  });
});
