/**
 * The chat page in Chromium shows an admin's /stats charts (drawn by Chromium too): after the
 * figures' text, one <img> per chart whose alt text is its caption, loaded from its data: URL
 * under the page's CSP and no wider than the screen.
 * Writes a screenshot to tests/artifacts/screenshots/chat-stats.png.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance } from "fastify";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../app/config.js";
import { createLogger } from "../../app/log.js";
import { buildServer } from "../../app/server.js";
import { CHROMIUM_ARGS, svgsToPng } from "../../app/chart-images.js";
import { createWebChat, type WebChat } from "../../bots/web/channel.js";
import { EN_CHART_TITLES, statsWorld, type StatsWorld } from "../support/stats-admin.js";
import { describeInBrowser } from "../support/browser.js";

const SCREENSHOTS = fileURLToPath(new URL("../artifacts/screenshots/", import.meta.url));

describeInBrowser("the admin's /stats charts in the web chat, drawn by Chromium", (executablePath) => {
  let world: StatsWorld;
  let server: FastifyInstance;
  let chat: WebChat;
  let browser: Browser;
  let url: string;
  let dir: string;

  beforeAll(async () => {
    // The real charts, drawn by Chromium: the screenshot shows what an admin sees.
    world = await statsWorld({ rasterize: svgsToPng });
    dir = mkdtempSync(join(tmpdir(), "anxin-web-stats-browser-"));
    const config = loadConfig({ PORT: "0", DATABASE_URL: world.db.target.url, DATA_DIR: dir, LOG_LEVEL: "silent" });
    const logger = createLogger("silent");
    server = await buildServer({ store: world.store, logger });
    chat = await createWebChat({ config, runner: world.runner, logger, server, secret: "web-stats-browser-secret-".padEnd(48, "x") });
    await server.listen({ port: 0, host: "127.0.0.1" });
    const address = server.server.address();
    url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
    mkdirSync(SCREENSHOTS, { recursive: true });
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  });
  afterAll(async () => {
    await browser?.close();
    await chat?.stop();
    await server?.close();
    await world?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  describe("/stats charts on the chat page", () => {
    it("shows each chart as an image with its caption as alt text, after the figures", async () => {
      const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, locale: "en" });
      try {
        const page = await context.newPage();
        const violations: string[] = [];
        page.on("console", (message) => {
          if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
        });
        await page.goto(`${url}/`);
        await page.waitForFunction(() => Number(document.body.getAttribute("data-settled") ?? "0") >= 1);
        // The session cookie's value is "<session id>.<signature>": make that web identity an admin.
        const cookie = (await context.cookies()).find((c) => c.name === "anxin_web");
        const sessionId = decodeURIComponent(cookie?.value ?? "").split(".")[0] ?? "";
        await world.store.setRole("web", sessionId, "admin");

        const settled = Number(await page.locator("body").getAttribute("data-settled"));
        await page.locator("#text").fill("/stats");
        await page.locator("#send").click();
        await page.waitForFunction((n) => Number(document.body.getAttribute("data-settled") ?? "0") > n, settled);

        const charts = page.locator(".msg.bot.chart img");
        await expect.poll(() => charts.count()).toBe(EN_CHART_TITLES.length);
        const seen = await charts.evaluateAll((images) =>
          (images as HTMLImageElement[]).map((img) => ({
            alt: img.alt,
            loaded: img.complete && img.naturalWidth > 100,
            data: img.src.startsWith("data:image/png;base64,"),
            fits: img.getBoundingClientRect().right <= document.documentElement.clientWidth,
          })),
        );
        expect(seen).toEqual(EN_CHART_TITLES.map((alt) => ({ alt, loaded: true, data: true, fits: true })));
        // The visible caption is the same text, hidden from screen readers (the alt says it).
        expect(await page.locator(".msg.bot.chart figcaption").allTextContents()).toEqual(EN_CHART_TITLES);
        expect(await page.locator(".msg.bot.chart figcaption").first().getAttribute("aria-hidden")).toBe("true");
        // After the figures' text in the log.
        const order = await page.locator("#log > .msg.bot").evaluateAll((items) => items.map((item) => (item.classList.contains("chart") ? "chart" : (item.textContent ?? "").includes("Survey figures") ? "figures" : "other")));
        const figures = order.lastIndexOf("figures");
        expect(figures).toBeGreaterThanOrEqual(0);
        expect(order.slice(figures + 1)).toEqual(EN_CHART_TITLES.map(() => "chart"));
        expect(violations).toEqual([]);
        await charts.first().scrollIntoViewIfNeeded();
        await page.screenshot({ path: join(SCREENSHOTS, "chat-stats.png") });
      } finally {
        await context.close();
      }
    });
  });
});
