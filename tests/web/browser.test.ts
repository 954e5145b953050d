/**
 * The web chat in a real browser (Debian's Chromium driven by playwright-core) at a phone's
 * viewport: a resident opens an officer's leaflet link, completes the default survey in zh-CN
 * (reloading half-way), and the answers land with that officer and region. Writes screenshots
 * of the chat and of the leaflet to tests/artifacts/screenshots/.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { loadConfig } from "../../app/config.js";
import { startApp, type RunningApp } from "../../app/start.js";
import { createLogger } from "../../app/log.js";
import type { WebChat } from "../../bots/web/channel.js";
import { staffLeafletLink } from "../../bots/web/staff.js";
import { staffFixture, type StaffFixture } from "./support.js";
import { CHROMIUM_ARGS } from "../../app/chart-images.js";
import { describeInBrowser } from "../support/browser.js";
import { createInvitation } from "../../core/outreach/invitations.js";
import { formatInvitationCode } from "../../core/outreach/codes.js";

/** Named in the README: where the browser tests leave their screenshots. */
const SCREENSHOTS = fileURLToPath(new URL("../artifacts/screenshots/", import.meta.url));
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

describeInBrowser("web chat in a phone browser", (executablePath) => {
  let dir: string;
  let app: RunningApp;
  let chat: WebChat;
  let staff: StaffFixture;
  let browser: Browser;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "anxin-browser-"));
    const config = loadConfig({ PORT: "0", DATABASE_URL: `file:${join(dir, "anxin.db")}`, DATA_DIR: dir, LOG_LEVEL: "silent" });
    app = await startApp(config, createLogger("silent"));
    const web = app.channels.find((channel) => channel.platform === "web");
    if (!web) throw new Error("startApp did not start the web chat");
    chat = web as WebChat;
    staff = await staffFixture({ store: app.store, secret: app.secret, dbFile: join(dir, "anxin.db") });
    mkdirSync(SCREENSHOTS, { recursive: true });
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** How many requests the page has finished (the page counts them on <body data-settled>). */
  const settledCount = async (page: Page) => Number((await page.locator("body").getAttribute("data-settled")) ?? "0");
  /** Does `action`, then waits until the page has finished one more request. */
  async function andWait(page: Page, action: () => Promise<void>): Promise<void> {
    const before = await settledCount(page);
    await action();
    await page.waitForFunction((n) => Number(document.body.getAttribute("data-settled") ?? "0") > n, before);
  }
  const activeMessage = (page: Page): Locator => page.locator(".msg.bot:has(.options:not([data-retired]))").last();
  const openPage = async (context: BrowserContext, url: string): Promise<Page> => {
    const page = await context.newPage();
    await page.goto(url);
    await page.waitForFunction(() => Number(document.body.getAttribute("data-settled") ?? "0") >= 1);
    return page;
  };

  async function officerLeafletLink(): Promise<string> {
    const context = await browser.newContext({ viewport: { width: 760, height: 1100 }, locale: "zh-CN" });
    try {
      const page = await context.newPage();
      const response = await page.goto(staffLeafletLink(app.secret, app.url, staff.officer, staff.street.code, new Date()));
      expect(response?.status()).toBe(200);
      await expect.poll(() => page.locator("svg.qr").count()).toBe(1);
      await page.screenshot({ path: join(SCREENSHOTS, "leaflet.png"), fullPage: true });
      const link = (await page.locator(".url").textContent())!.trim();
      // As printed: print styles in the printable area of A5 (128 × 190 mm at 96 dpi).
      const print = await browser.newContext({ viewport: { width: 484, height: 718 }, deviceScaleFactor: 2, locale: "zh-CN" });
      try {
        const sheet = await print.newPage();
        await sheet.emulateMedia({ media: "print" });
        await sheet.goto(page.url());
        await sheet.screenshot({ path: join(SCREENSHOTS, "leaflet-print.png"), fullPage: true });
      } finally {
        await print.close();
      }
      return link;
    } finally {
      await context.close();
    }
  }

  it("completes the survey from an officer's leaflet, resumes after a reload, and stores it with the officer and region", async () => {
    const link = await officerLeafletLink();
    expect(link).toMatch(new RegExp(`^${app.url}/q/`));

    const context = await browser.newContext({ ...PHONE, locale: "zh-CN" });
    const page = await openPage(context, link);
    await expect.poll(() => page.locator(".msg.bot").last().textContent()).toContain("您同意参加吗？");
    await page.screenshot({ path: join(SCREENSHOTS, "chat-consent.png") });
    await andWait(page, () => page.getByRole("button", { name: "同意", exact: true }).click());

    let reloaded = false;
    let shotTaken = false;
    const answered: string[] = [];
    for (let guard = 0; guard < 60; guard++) {
      if ((await page.locator(".msg.bot", { hasText: "问卷答完了" }).count()) > 0) break;
      const active = activeMessage(page);
      const questionId = await active.getAttribute("data-question-id");
      expect(questionId, `no question on screen after ${answered.join(", ")}`).toBeTruthy();

      if (!reloaded && answered.length === 3) {
        // Half-way: reload, and the same question must come back.
        reloaded = true;
        await page.reload();
        await page.waitForFunction(() => Number(document.body.getAttribute("data-settled") ?? "0") >= 1);
        await expect.poll(() => activeMessage(page).getAttribute("data-question-id")).toBe(questionId);
        expect(await page.locator(".msg.bot", { hasText: "欢迎回来" }).count()).toBe(1);
        continue;
      }

      const buttons = active.locator("button.option");
      if (questionId === "phone") {
        // The composer turns into a telephone field (keypad and the browser's saved number).
        const field = page.getByLabel("输入您的回答");
        expect(await field.getAttribute("inputmode")).toBe("tel");
        expect(await field.getAttribute("autocomplete")).toBe("tel");
        expect(await field.getAttribute("placeholder")).toBe("在这里输入电话号码");
        await andWait(page, async () => {
          await field.fill("138 0013 8000");
          await page.getByRole("button", { name: "发送" }).click();
        });
      } else if (questionId === "suggestion") {
        // A free-text question: the plain text field.
        expect(await page.getByLabel("输入您的回答").getAttribute("inputmode")).toBeNull();
        await andWait(page, async () => {
          await page.getByLabel("输入您的回答").fill("希望晚上多巡逻，路灯早点修好。");
          await page.getByRole("button", { name: "发送" }).click();
        });
      } else if ((await buttons.first().getAttribute("aria-pressed")) !== null) {
        // Multiple choice: tick two, then Done.
        await andWait(page, () => buttons.nth(0).click());
        await expect.poll(() => activeMessage(page).locator("button.option").nth(0).getAttribute("aria-pressed")).toBe("true");
        // Ticking updates the message where it is: focus stays on the button just pressed.
        expect(await page.evaluate(() => document.activeElement?.getAttribute("data-key"))).toBe("1");
        await andWait(page, () => activeMessage(page).locator("button.option").nth(1).click());
        if (!shotTaken) {
          shotTaken = true;
          await page.screenshot({ path: join(SCREENSHOTS, "chat.png") });
        }
        await andWait(page, () => activeMessage(page).getByRole("button", { name: "选好了" }).click());
      } else {
        await andWait(page, () => buttons.first().click());
        if (answered.length === 0) {
          // Focus moved on to the next question's first choice (keyboard / screen-reader users).
          const focus = await page.evaluate(() => {
            const el = document.activeElement;
            return el ? { key: el.getAttribute("data-key"), live: el.closest(".options:not([data-retired])") !== null } : null;
          });
          expect(focus).toEqual({ key: "1", live: true });
        }
      }
      answered.push(questionId!);
    }
    expect(reloaded).toBe(true);
    expect(shotTaken).toBe(true);
    await page.screenshot({ path: join(SCREENSHOTS, "chat-done.png") });
    expect(answered).toEqual(expect.arrayContaining(["safety_overall", "hot_issues", "region", "suggestion", "phone"]));
    expect(await page.getByLabel("输入您的回答").getAttribute("inputmode")).toBeNull();

    // Stored: completed, with the officer and the region of the leaflet.
    const wave = await app.store.currentWave(new Date());
    const responses = await app.store.listResponses(wave!.id, "completed");
    expect(responses).toHaveLength(1);
    const response = responses[0]!;
    expect(response).toMatchObject({ channel: "web", officerId: staff.officer.id, regionId: staff.street.id });
    expect(response.answers.safety_overall).toEqual({ kind: "choice", option: "very_safe" });
    expect(response.answers.suggestion).toEqual({ kind: "text", value: "希望晚上多巡逻，路灯早点修好。" });
    expect(response.answers.region).toMatchObject({ kind: "region", code: staff.street.code });
    // The number is the resident's (for telephone spot checks), not an answer.
    expect(response.answers).not.toHaveProperty("phone");
    expect(await app.store.getResidentPhone(response.residentId!)).toBe("13800138000");
    expect(await app.store.listHouseholds(staff.officer.id)).toContainEqual(expect.objectContaining({ householdId: response.residentId, regionId: staff.street.id }));
    await context.close();
  });

  it("has large tap targets, labels, a live region, and still fits at 200% zoom", async () => {
    // 200% zoom on a 390 px wide phone leaves 195 CSS pixels.
    for (const viewport of [PHONE.viewport, { width: 195, height: 422 }]) {
      const context = await browser.newContext({ ...PHONE, viewport, locale: "zh-CN" });
      const page = await openPage(context, `${app.url}/`);
      const log = page.locator("#log");
      expect(await log.getAttribute("role")).toBe("log");
      expect(await log.getAttribute("aria-live")).toBe("polite");
      await expect.poll(() => page.getByRole("button", { name: "同意", exact: true }).count()).toBe(1);
      await expect.poll(() => page.getByRole("combobox", { name: "语言 Language" }).count()).toBe(1);
      await expect.poll(() => page.getByRole("textbox", { name: "输入您的回答" }).count()).toBe(1);
      const targets = page.locator("button:visible, select:visible, input:visible");
      expect(await targets.count()).toBeGreaterThan(3);
      for (const box of await targets.evaluateAll((nodes) => nodes.map((n) => ({ h: n.getBoundingClientRect().height, w: n.getBoundingClientRect().width, name: n.textContent ?? n.id })))) {
        expect(box.h, `${box.name} at ${viewport.width}px`).toBeGreaterThanOrEqual(44);
        expect(box.w, `${box.name} at ${viewport.width}px`).toBeGreaterThanOrEqual(44);
      }
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow, `horizontal scrolling at ${viewport.width}px`).toBeLessThanOrEqual(0);
      if (viewport.width < 300) await page.screenshot({ path: join(SCREENSHOTS, "chat-zoom-200.png") });
      await context.close();
    }
  });

  it("shows pushed text as text, never as markup, and switches language from the picker", async () => {
    const context = await browser.newContext({ ...PHONE, locale: "zh-CN" });
    const page = await openPage(context, `${app.url}/`);
    const cookie = (await context.cookies()).find((c) => c.name === "anxin_web");
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Strict" });
    const sid = cookie!.value.split(".")[0]!;
    await expect.poll(() => chat.hub.listening(sid)).toBe(1);
    const evil = `<img src=x onerror="window.__pwned=1">提示`;
    expect((await chat.push(sid, "zh-CN", [{ kind: "info", text: evil }])).ok).toBe(true);
    await expect.poll(() => page.locator(".msg.bot").last().textContent()).toContain(evil);
    expect(await page.locator("#log img").count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();

    await andWait(page, async () => {
      await page.getByRole("combobox").selectOption("en");
    });
    await expect.poll(() => page.getByRole("button", { name: "Send" }).count()).toBe(1);
    expect(await page.locator("html").getAttribute("lang")).toBe("en");
    await expect.poll(() => page.locator(".msg.bot").last().textContent()).toContain("Do you agree");
    await context.close();
  });

  it("gives live updates to a resident's three newest tabs; an older tab takes them back when looked at", async () => {
    const context = await browser.newContext({ ...PHONE, locale: "zh-CN" });
    try {
      const tabs: Page[] = [];
      for (let i = 0; i < 4; i++) tabs.push(await openPage(context, `${app.url}/`));
      const sid = (await context.cookies()).find((c) => c.name === "anxin_web")!.value.split(".")[0]!;
      await expect.poll(() => chat.hub.listening(sid)).toBe(3);
      // Past the stream's retry time: the oldest tab stays away instead of pushing the next one out.
      await new Promise((resolve) => setTimeout(resolve, 6500));
      expect(chat.hub.listening(sid)).toBe(3);
      expect((await chat.push(sid, "zh-CN", [{ kind: "info", text: "新标签页收到了" }])).ok).toBe(true);
      await expect.poll(() => tabs[3]!.locator(".msg.bot").last().textContent()).toContain("新标签页收到了");
      expect(await tabs[0]!.getByText("新标签页收到了").count()).toBe(0);

      // The resident switches back to the first tab: it listens again, as the newest.
      await tabs[0]!.evaluate(() => document.dispatchEvent(new Event("visibilitychange")));
      await expect.poll(async () => {
        await chat.push(sid, "zh-CN", [{ kind: "info", text: "第一个标签页也收到了" }]);
        return tabs[0]!.getByText("第一个标签页也收到了").count();
      }).toBeGreaterThan(0);
      expect(chat.hub.listening(sid)).toBe(3);
    } finally {
      await context.close();
    }
  });

  it("tells the resident in their language when a leaflet code was tampered with", async () => {
    const context = await browser.newContext({ ...PHONE, locale: "zh-CN" });
    const page = await context.newPage();
    const response = await page.goto(`${app.url}/q/${staff.officer.id}.MzMwMTAyMDAy.AAAAAAAAAAAAAAAAAAAAAA`);
    expect(response?.status()).toBe(400);
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("这个二维码无效");
    await context.close();
  });

  it("makes the first admin from a one-time link and leads them from the chat to the dashboard", async () => {
    const { invitation } = await createInvitation(app.store, { role: "admin", regionCode: null, createdById: null, days: 1, now: new Date() });
    const context = await browser.newContext({ ...PHONE, locale: "zh-CN" });
    try {
      const page = await context.newPage();
      await page.goto(`${app.url}/j/${formatInvitationCode(invitation.code)}`);
      const entry = page.getByRole("link", { name: "打开管理后台" });
      await expect.poll(() => entry.count(), { timeout: 15_000 }).toBe(1);
      await page.screenshot({ path: join(SCREENSHOTS, "first-admin.png") });
      await entry.click();
      await page.waitForURL(/\/admin\?lang=zh-CN$/);
      await expect.poll(() => page.locator("h1, h2").first().textContent()).toBeTruthy();
      expect(await page.locator("form[action='/admin/login']").count()).toBe(0);
    } finally {
      await context.close();
    }
  });
});
