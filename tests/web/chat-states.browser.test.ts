/**
 * The web chat's states in a real browser, in each language, on a phone (390×844) and at 200 %
 * zoom: consent, a single-choice question, a multiple choice with two ticked, free text and the
 * end. Each state passes axe-core with no violation of any impact; the way on (I agree, Done) and
 * the answer box are on the first screen; the English header keeps to one line; the end is an end.
 * Writes the screenshots of docs/screenshots/.
 */
import { mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type BrowserContextOptions, type Locator, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../app/config.js";
import { startApp, type RunningApp } from "../../app/start.js";
import { createLogger } from "../../app/log.js";
import { CHROMIUM_ARGS } from "../../app/chart-images.js";
import { describeInBrowser } from "../support/browser.js";
import { axeViolations, describeViolations } from "../support/axe.js";
import type { Lang } from "../../core/engine/types.js";

const SCREENSHOTS = fileURLToPath(new URL("../../docs/screenshots/", import.meta.url));
/** The documentation's screenshots stay small enough to keep in the repository. */
const MAX_SCREENSHOT_BYTES = 300 * 1024;

const PHONE: BrowserContextOptions = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
/**
 * Browser zoom at 200 % on that phone: the page lays out in half the CSS pixels (195×422), each
 * drawn twice as large — what a zoomed browser gives the page.
 */
const ZOOM_200: BrowserContextOptions = { ...PHONE, viewport: { width: 195, height: 422 }, deviceScaleFactor: 4 };

/** What the page says in each language, as a resident reads it. */
const WORDS: Record<Lang, { agree: string; done: string; skip: string; send: string; input: string; ticked: string; thanks: string; openMenu: string; takeSurvey: string }> = {
  "zh-CN": { agree: "同意", done: "选好了", skip: "跳过", send: "发送", input: "输入您的回答", ticked: "已选 2/3", thanks: "问卷答完了", openMenu: "打开菜单", takeSurvey: "参加问卷调查" },
  "zh-TW": { agree: "同意", done: "選好了", skip: "跳過", send: "送出", input: "輸入您的回答", ticked: "已選 2/3", thanks: "問卷填完了", openMenu: "打開選單", takeSurvey: "參加問卷調查" },
  en: { agree: "I agree", done: "Done", skip: "Skip", send: "Send", input: "Type your answer", ticked: "2 of 3 chosen", thanks: "That's all", openMenu: "Open the menu", takeSurvey: "Take the survey" },
};

type State = "consent" | "single" | "multiple" | "text" | "end";

describeInBrowser("web chat states: accessible, first screen, in every language and at 200% zoom", (executablePath) => {
  let dir: string;
  let app: RunningApp;
  let browser: Browser;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "anxin-chat-states-"));
    const config = loadConfig({ PORT: "0", DATABASE_URL: `file:${join(dir, "anxin.db")}`, DATA_DIR: dir, LOG_LEVEL: "silent" });
    app = await startApp(config, createLogger("silent"));
    // As an office has them: the consent then names the village or community, and the survey asks it.
    await app.store.upsertRegion({ code: "330102", name: { "zh-CN": "上城区", "zh-TW": "上城區", en: "Shangcheng District" } });
    await app.store.upsertRegion({ code: "330102001", name: { "zh-CN": "清波街道", "zh-TW": "清波街道", en: "Qingbo Street" }, parentCode: "330102" });
    mkdirSync(SCREENSHOTS, { recursive: true });
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const settledCount = async (page: Page) => Number((await page.locator("body").getAttribute("data-settled")) ?? "0");
  /** Does `action`, then waits until the page has finished one more request. */
  async function andWait(page: Page, action: () => Promise<void>): Promise<void> {
    const before = await settledCount(page);
    await action();
    await page.waitForFunction((n) => Number(document.body.getAttribute("data-settled") ?? "0") > n, before);
  }
  const activeMessage = (page: Page): Locator => page.locator(".msg.bot:has(.options:not([data-retired]))").last();

  async function expectNoViolations(page: Page, where: string): Promise<void> {
    const violations = await axeViolations(page);
    expect(violations, `${where}:\n${describeViolations(violations)}`).toEqual([]);
  }

  /** Is the element wholly on screen: inside the window and inside the conversation's visible part? */
  async function onFirstScreen(locator: Locator): Promise<boolean> {
    return locator.evaluate((node) => {
      const box = node.getBoundingClientRect();
      const log = document.getElementById("log")!.getBoundingClientRect();
      const inWindow = box.top >= 0 && box.left >= 0 && box.bottom <= window.innerHeight && box.right <= window.innerWidth;
      const inLog = !node.closest("#log") || (box.top >= log.top - 1 && box.bottom <= log.bottom + 1);
      return inWindow && inLog && box.height > 0;
    });
  }

  async function screenshot(page: Page, name: string): Promise<void> {
    const path = join(SCREENSHOTS, name);
    await page.screenshot({ path });
    expect(statSync(path).size, `${name} is too large for the docs`).toBeLessThan(MAX_SCREENSHOT_BYTES);
  }

  /**
   * Walks a resident through the survey on `page`, calling `at` in each state once: "1" at single
   * choices, two ticks then Done at the multiple choice, a sentence at the suggestion, Skip at the
   * phone question.
   */
  async function walk(page: Page, lang: Lang, at: (state: State) => Promise<void>): Promise<void> {
    const words = WORDS[lang];
    await expect.poll(() => page.getByRole("button", { name: words.agree, exact: true }).count()).toBe(1);
    await at("consent");
    await andWait(page, () => page.getByRole("button", { name: words.agree, exact: true }).click());
    const seen = new Set<State>();
    for (let guard = 0; guard < 40; guard++) {
      if ((await page.locator(".msg.bot", { hasText: words.thanks }).count()) > 0) break;
      const active = activeMessage(page);
      const questionId = await active.getAttribute("data-question-id");
      expect(questionId, "a question on screen").toBeTruthy();
      const buttons = active.locator(".options button.option");
      if (questionId === "suggestion") {
        if (!seen.has("text")) await at("text");
        seen.add("text");
        await andWait(page, async () => {
          await page.getByLabel(words.input).fill(lang === "en" ? "More patrols at night, please." : "希望晚上多巡逻。");
          await page.getByRole("button", { name: words.send }).click();
        });
      } else if (questionId === "phone") {
        await andWait(page, () => active.getByRole("button", { name: words.skip }).click());
      } else if ((await buttons.first().getAttribute("aria-pressed")) !== null) {
        await andWait(page, () => buttons.nth(0).click());
        await andWait(page, () => activeMessage(page).locator(".options button.option").nth(2).click());
        await expect.poll(() => activeMessage(page).locator("[aria-pressed=true]").count()).toBe(2);
        if (!seen.has("multiple")) await at("multiple");
        seen.add("multiple");
        await andWait(page, () => activeMessage(page).getByRole("button", { name: words.done }).click());
      } else {
        if (!seen.has("single")) await at("single");
        seen.add("single");
        await andWait(page, () => buttons.first().click());
      }
    }
    expect([...seen].sort()).toEqual(["multiple", "single", "text"]);
    await at("end");
  }

  for (const lang of ["zh-CN", "zh-TW", "en"] as const) {
    for (const [zoom, options] of [
      ["phone", PHONE],
      ["200% zoom", ZOOM_200],
    ] as const) {
      it(`${lang}, ${zoom}: every state passes axe; the way on and the answer box are on the first screen`, async () => {
        const words = WORDS[lang];
        const context = await browser.newContext({ ...options, locale: lang, bypassCSP: true });
        try {
          const page = await context.newPage();
          await page.goto(`${app.url}/`);
          await page.waitForFunction(() => Number(document.body.getAttribute("data-settled") ?? "0") >= 1);
          expect(await page.locator("html").getAttribute("lang")).toBe(lang);
          const answerBox = page.getByRole("textbox", { name: words.input });

          await walk(page, lang, async (state) => {
            await expectNoViolations(page, `${lang} ${zoom} ${state}`);
            expect(await onFirstScreen(answerBox), `the answer box at ${state}`).toBe(true);
            expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth), `sideways scrolling at ${state}`).toBeLessThanOrEqual(0);
            if (state === "consent") {
              // The answer box's hint is read whole, not cut off.
              const hint = await page.evaluate(() => {
                const input = document.getElementById("text") as HTMLInputElement;
                const style = getComputedStyle(input, "::placeholder");
                const box = getComputedStyle(input);
                const context = document.createElement("canvas").getContext("2d")!;
                context.font = `${style.fontSize} ${style.fontFamily}`;
                const room = input.clientWidth - parseFloat(box.paddingLeft) - parseFloat(box.paddingRight);
                return { text: input.placeholder, width: Math.ceil(context.measureText(input.placeholder).width), room };
              });
              expect(hint.width, `the hint "${hint.text}" measured`).toBeGreaterThan(20);
              expect(hint.width, `the hint "${hint.text}"`).toBeLessThanOrEqual(hint.room);
              const agree = page.getByRole("button", { name: words.agree, exact: true });
              expect(await onFirstScreen(agree), "I agree on the first screen").toBe(true);
              if (zoom === "phone") {
                // The whole consent request fits: its text and all three buttons, nothing to scroll.
                const consent = page.locator(".msg.bot").last();
                await screenshot(page, `chat-consent-${lang}.png`);
                expect(await onFirstScreen(consent), "the consent request on the first screen").toBe(true);
              } else if (lang === "zh-CN") {
                await screenshot(page, "chat-consent-zoom-200.png");
              }
            }
            if (state === "multiple") {
              const done = activeMessage(page).getByRole("button", { name: words.done });
              expect(await done.textContent()).toContain(words.ticked);
              expect(await done.getAttribute("class")).toContain("primary");
              expect(await onFirstScreen(done), "Done on the first screen").toBe(true);
              if (lang === "zh-CN" && zoom === "phone") await screenshot(page, "chat-multiple-done.png");
              if (lang === "zh-CN" && zoom !== "phone") await screenshot(page, "chat-multiple-done-zoom-200.png");
            }
            if (state === "end") {
              const end = activeMessage(page);
              const endButtons = end.locator("button.option");
              expect(await endButtons.count()).toBe(1);
              expect(await endButtons.first().textContent()).toContain(words.openMenu);
              if (zoom === "phone") expect(await onFirstScreen(endButtons.first()), "the menu button on the first screen").toBe(true);
              else {
                // Zoomed in, the thanks and what happens next fill the screen: they are read from their start.
                const thanks = page.locator(".msg.bot", { hasText: words.thanks });
                expect(await thanks.evaluate((node) => node.getBoundingClientRect().top >= document.getElementById("log")!.getBoundingClientRect().top - 1)).toBe(true);
                expect(await thanks.evaluate((node) => node.getBoundingClientRect().top < window.innerHeight / 2)).toBe(true);
              }
              expect(await page.getByRole("button", { name: words.takeSurvey }).count()).toBe(0);
              if (lang === "zh-CN" && zoom === "phone") await screenshot(page, "chat-end.png");
              if (lang === "en" && zoom === "phone") await screenshot(page, "chat-end-en.png");
              // The menu comes when asked for, after the end.
              await andWait(page, () => endButtons.first().click());
              await expect.poll(() => page.getByRole("button", { name: words.takeSurvey }).count()).toBe(1);
              await expectNoViolations(page, `${lang} ${zoom} menu after the end`);
            }
          });
        } finally {
          await context.close();
        }
      });
    }
  }

  it("keeps the English header to one line, the same height as the Chinese one", async () => {
    const heights: Record<string, number> = {};
    for (const lang of ["zh-CN", "en"] as const) {
      const context = await browser.newContext({ ...PHONE, locale: lang });
      try {
        const page = await context.newPage();
        await page.goto(`${app.url}/`);
        await page.waitForFunction(() => Number(document.body.getAttribute("data-settled") ?? "0") >= 1);
        const header = await page.evaluate(() => {
          const bar = document.querySelector(".bar")!;
          const subtitle = document.querySelector(".subtitle")!;
          const lineHeight = parseFloat(getComputedStyle(subtitle).lineHeight);
          const tops = [...bar.children].filter((c) => c.getClientRects().length > 0 && !c.classList.contains("progress")).map((c) => c.getBoundingClientRect());
          return {
            height: bar.getBoundingClientRect().height,
            subtitleLines: Math.round(subtitle.getBoundingClientRect().height / lineHeight),
            cut: subtitle.scrollWidth > subtitle.clientWidth,
            // Logo, titles and language picker side by side: one row.
            rows: new Set(tops.map((r) => Math.round(r.top + r.height / 2) > tops[0]!.bottom ? "below" : "row")).size,
          };
        });
        expect(header, lang).toMatchObject({ subtitleLines: 1, cut: false, rows: 1 });
        heights[lang] = header.height;
      } finally {
        await context.close();
      }
    }
    expect(heights.en).toBe(heights["zh-CN"]);
  });

  describe("landmarks and languages", () => {
    it("puts the conversation and the answer box in the main landmark, and marks each language's name with its language", async () => {
      const context = await browser.newContext({ ...PHONE, locale: "zh-CN", bypassCSP: true });
      try {
        const page = await context.newPage();
        await page.goto(`${app.url}/`);
        await page.waitForFunction(() => Number(document.body.getAttribute("data-settled") ?? "0") >= 1);
        const structure = await page.evaluate(() => ({
          mains: document.querySelectorAll("main, [role=main]").length,
          logInMain: document.querySelector("main #log[role=log]") !== null,
          composerInMain: document.querySelector("main #composer") !== null,
          mainIsLog: document.querySelector("main")?.getAttribute("role") ?? null,
        }));
        expect(structure).toEqual({ mains: 1, logInMain: true, composerInMain: true, mainIsLog: null });

        await andWait(page, () => page.getByRole("button", { name: "语言 Language" }).click());
        const picker = activeMessage(page).locator(".options button.option");
        await expect.poll(() => picker.count()).toBe(3);
        const langs = await picker.evaluateAll((buttons) => buttons.map((b) => [b.textContent?.replace(/^\d/, ""), b.getAttribute("lang")]));
        expect(langs).toEqual([
          ["简体中文", "zh-CN"],
          ["繁體中文", "zh-TW"],
          ["English", "en"],
        ]);
        await expectNoViolations(page, "the language picker");
      } finally {
        await context.close();
      }
    });
  });
});
