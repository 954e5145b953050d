/**
 * The officers' phone page (/field) in Chromium at a phone's size: signed in with the staff cookie,
 * the page goes offline once its service worker controls it, three visits are recorded there (one
 * with an interview answered through the page, including a "Back"), the page is reloaded offline
 * and still shows everything, and when the network returns the outbox is sent once: exactly those
 * visits and one interviewer response land in the database, and further syncs change nothing.
 * Leaving the QR code shows the household's own QR, drawn offline; a synced visit edited within
 * its window is changed on the server (and audited) under the same client id. A field re-check
 * of another officer's interview is recorded and stored with its outcome; a visitor without a
 * staff sign-in is told how to sign in, in their browser's language.
 * Writes field-households.png, field-qr.png, field-interview.png and field-offline.png to
 * tests/artifacts/screenshots/.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../app/config.js";
import { createLogger } from "../../app/log.js";
import { startApp, type RunningApp } from "../../app/start.js";
import { CHROMIUM_ARGS } from "../../app/chart-images.js";
import { issueStaffToken, STAFF_COOKIE } from "../../app/staff-auth.js";
import { beginInterview, continueInterview, type InterviewSetup } from "../../core/field/interview.js";
import { SUPPORTED_LANGS, type Input, type OutMessage } from "../../core/engine/types.js";
import { FIELD_PAGE_TEXT } from "../../bots/web/field-routes.js";
import { describeInBrowser } from "../support/browser.js";
import { expectSameKeysAndPlaceholders } from "../support/locale-keys.js";
import { staffFixture, type StaffFixture } from "./support.js";

const SCREENSHOTS = fileURLToPath(new URL("../artifacts/screenshots/", import.meta.url));
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
const VILLAGE_A = "330102001001";
const VILLAGE_B = "330102001002";

describeInBrowser("the officers' phone page, offline first", (executablePath) => {
  let dir: string;
  let dbFile: string;
  let app: RunningApp;
  let staff: StaffFixture;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let otherOfficerId: string;
  let spotCheckId: string;
  const problems: string[] = [];

  const sql = <T>(query: string, ...params: unknown[]): T[] => {
    const db = new Database(dbFile, { readonly: true });
    try {
      return db.prepare(query).all(...params) as T[];
    } finally {
      db.close();
    }
  };
  const fieldRows = () => ({
    visits: sql<{ clientId: string; survey: string; leaflet: number; tips: string; householdId: string; responseId: string | null }>(`SELECT "clientId", "survey", "leaflet", "tips", "householdId", "responseId" FROM "Visit" WHERE "officerId" = ? ORDER BY "visitedAt"`, staff.officer.id),
    responses: sql<{ id: string; mode: string; status: string; householdId: string }>(`SELECT "id", "mode", "status", "householdId" FROM "Response" WHERE "officerId" = ?`, staff.officer.id),
    answers: sql<{ n: number }>(`SELECT count(*) AS n FROM "Answer"`)[0]?.n,
    households: sql<{ n: number }>(`SELECT count(*) AS n FROM "Household"`)[0]?.n,
  });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "anxin-field-browser-"));
    dbFile = join(dir, "anxin.db");
    const config = loadConfig({ PORT: "0", DATABASE_URL: `file:${dbFile}`, DATA_DIR: dir, LOG_LEVEL: "silent" });
    app = await startApp(config, createLogger("silent"));
    staff = await staffFixture({ store: app.store, secret: app.secret, dbFile });
    // Two villages in the officer's street; three households of theirs, one of a colleague's.
    await app.store.upsertRegion({ code: VILLAGE_A, name: { "zh-CN": "西溪村", "zh-TW": "西溪村", en: "Xixi Village" }, parentCode: staff.street.code });
    await app.store.upsertRegion({ code: VILLAGE_B, name: { "zh-CN": "柳浪村", "zh-TW": "柳浪村", en: "Liulang Village" }, parentCode: staff.street.code });
    await app.store.resolveIdentity({ platform: "telegram", platformUserId: "officer-wang", chatId: "officer-wang", displayName: "王警官" });
    otherOfficerId = (await app.store.setRole("telegram", "officer-wang", "officer")).id;
    const now = new Date();
    await app.store.importHouseholds(
      [
        { regionCode: VILLAGE_A, address: "西溪路12号", headName: "张三", phone: "13812345678", officerId: staff.officer.id },
        { regionCode: VILLAGE_A, address: "西溪路14号", headName: "李四", phone: null, officerId: staff.officer.id },
        { regionCode: VILLAGE_B, address: "柳浪巷3号", headName: "赵六", phone: "13900001111", officerId: staff.officer.id },
        { regionCode: VILLAGE_B, address: "柳浪巷9号", headName: "钱七", phone: "13700002222", officerId: otherOfficerId },
      ],
      { actorId: null, now },
    );
    await seedColleaguesInterview(now);
    mkdirSync(SCREENSHOTS, { recursive: true });
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  }, 120_000);
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await app?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** The colleague's interview of their household, synced from their phone, then drawn for a field re-check. */
  async function seedColleaguesInterview(now: Date): Promise<void> {
    const token = issueStaffToken(app.secret, { id: otherOfficerId, sessionEpoch: 0 }, now);
    const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
    const boot = (await (await fetch(`${app.url}/field/api/bootstrap?lang=zh-CN`, { headers })).json()) as { households: { id: string }[]; timeZone: string; survey: Omit<InterviewSetup, "lang" | "timeZone"> };
    const setup: InterviewSetup = { ...boot.survey, lang: "zh-CN", timeZone: boot.timeZone };
    const inputs = answerEverything(setup, now.toISOString());
    const household = boot.households[0]?.id;
    const body = {
      visits: [{ clientId: "v-colleague-0001", householdId: household, visitedAt: now.toISOString(), handedOver: { leaflet: true, tips: [] }, survey: "interview", notes: null }],
      interviews: [{ clientId: "i-colleague-0001", householdId: household, visitClientId: "v-colleague-0001", waveId: setup.wave.id, questionnaireId: setup.wave.questionnaireId, version: setup.wave.version, lang: "zh-CN", inputs, startedAt: now.toISOString(), completedAt: now.toISOString() }],
    };
    const synced = (await (await fetch(`${app.url}/field/api/sync`, { method: "POST", headers: { ...headers, origin: app.url }, body: JSON.stringify(body) })).json()) as { results: { interviews: { status: string; id: string }[] } };
    expect(synced.results.interviews[0]?.status).toBe("stored");
    const responseId = synced.results.interviews[0]?.id as string;
    await app.store.createSpotChecks({ waveId: setup.wave.id, seed: "field-browser", method: "visit", responseIds: [responseId], now });
    spotCheckId = sql<{ id: string }>(`SELECT "id" FROM "SpotCheck" WHERE "responseId" = ?`, responseId)[0]?.id as string;
    expect(spotCheckId).toBeTruthy();
  }

  /** Inputs that carry an interview to its end: the first choice everywhere, one tick at multiple choice, skips at typed questions. */
  function answerEverything(setup: InterviewSetup, now: string): Input[] {
    let run = beginInterview(setup, now);
    const inputs: Input[] = [];
    for (let guard = 0; guard < 80 && !run.completed; guard++) {
      const question = [...run.messages].reverse().find((m: OutMessage) => m.options && m.options.length > 0) as OutMessage;
      const options = question.options ?? [];
      const ticked = options.some((o) => o.selected);
      const option = question.multi ? (ticked ? options.find((o) => o.key === "0") : options[0]) : (options.find((o) => o.key !== "0") ?? options[0]);
      const input: Input = { kind: "button", payload: option?.payload as string };
      inputs.push(input);
      run = continueInterview(setup, run.state, input, now);
    }
    expect(run.completed).toBe(true);
    return inputs;
  }

  const waiting = () => page.locator("#status").getAttribute("data-waiting");
  const syncs = async () => Number((await page.locator("body").getAttribute("data-syncs")) ?? "0");
  const household = (address: string): Locator => page.locator("a.household", { hasText: address });
  const activeQuestion = (): Locator => page.locator("#log .msg.bot:has(.options button:not([disabled]))").last();

  async function recordVisit(address: string, survey: string, extra: () => Promise<void> = async () => undefined): Promise<void> {
    await page.locator("#nav-households").click();
    await household(address).click();
    await page.locator("#record-visit").click();
    await page.locator(`input[name=survey][value=${survey}]`).check();
    await extra();
    await page.locator("#save-visit").click();
  }

  /** Answers through the page: first choices, one tick then Done, typed text at open questions, a skip at the phone question, and one "Back". */
  async function answerInterview(): Promise<void> {
    let wentBack = false;
    let shot = false;
    for (let guard = 0; guard < 80; guard++) {
      if ((await page.locator("#interview-done").count()) > 0) return;
      const question = activeQuestion();
      const id = await question.getAttribute("data-question-id");
      if (id === "safety_night" && !wentBack) {
        // Back to the trend question, and a different answer there this time.
        wentBack = true;
        await page.locator("#interview-back").click();
        await expect.poll(() => activeQuestion().getAttribute("data-question-id")).toBe("safety_trend");
        await activeQuestion().getByRole("button", { name: "差不多" }).click();
        continue;
      }
      if (id === "hot_issues" && !shot) {
        shot = true;
        // Reloaded half-way (still offline): the same inputs replayed bring the same question back.
        await page.reload();
        await expect.poll(() => activeQuestion().getAttribute("data-question-id"), { timeout: 15_000 }).toBe("hot_issues");
        await expect(page.locator("#log .msg.you").allTextContents()).resolves.toEqual(["录入: 很安全", "录入: 变好了", "录入: 上一题", "录入: 差不多", "录入: 很安全"]);
        await activeQuestion().locator("button[aria-pressed]").first().click();
        await expect.poll(() => activeQuestion().locator("button[aria-pressed=true]").count()).toBe(1);
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
        await page.screenshot({ path: join(SCREENSHOTS, "field-interview.png") });
        await activeQuestion().locator("button:not([aria-pressed])").last().click();
        continue;
      }
      const buttons = question.locator(".options button:not(.secondary)");
      if ((await buttons.count()) > 0) {
        const before = await page.locator("#log .msg").count();
        const box = await buttons.first().boundingBox();
        expect(box?.height ?? 0).toBeGreaterThanOrEqual(48);
        await buttons.first().click();
        await expect.poll(() => page.locator("#log .msg").count()).toBeGreaterThan(before);
      } else if ((await page.locator("#answer").getAttribute("type")) === "tel") {
        await question.locator(".options button.secondary").click();
      } else {
        await page.locator("#answer").fill("晚上多巡逻");
        await page.locator("#composer button[type=submit]").click();
      }
    }
    throw new Error("the interview did not end");
  }

  it("records visits and an interview offline, keeps them over a reload, and sends them once", async () => {
    context = await browser.newContext({ ...PHONE, locale: "zh-CN" });
    page = await context.newPage();
    page.on("pageerror", (error) => problems.push(error.message));
    page.on("console", (message) => {
      if (/Content Security Policy|Uncaught/i.test(message.text())) problems.push(message.text());
    });
    await context.addCookies([{ name: STAFF_COOKIE, value: staff.officerToken, url: app.url, httpOnly: true, sameSite: "Strict" }]);
    await page.goto(`${app.url}/field`);
    await expect.poll(() => page.locator("a.household").count(), { timeout: 15_000 }).toBe(3);
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 20_000 });
    // Filter and search narrow the list.
    await page.locator("#village").selectOption(VILLAGE_B);
    await expect.poll(() => page.locator("a.household").count()).toBe(1);
    await page.locator("#village").selectOption("");
    await page.locator("#search").fill("李四");
    await expect.poll(() => page.locator("a.household").count()).toBe(1);
    await page.locator("#search").fill("");
    await expect.poll(() => page.locator("a.household").count()).toBe(3);
    await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: join(SCREENSHOTS, "field-households.png") });
    await expect(page.locator("#leaflet-link").getAttribute("href")).resolves.toBe("/web/staff/leaflet?lang=zh-CN");

    await context.setOffline(true);
    await expect.poll(() => page.locator("#status").getAttribute("data-online")).toBe("false");
    await recordVisit("西溪路14号", "nobody_home");
    await recordVisit("柳浪巷3号", "qr_left", async () => {
      await page.locator("input[name=tip]").first().check();
      await page.locator("#visit-notes").fill("留了宣传单");
    });
    // The household's own QR code, drawn on the phone with no network, for the resident to scan at the door.
    await expect.poll(() => page.locator("#household-qr svg").count(), { timeout: 10_000 }).toBe(1);
    await expect(page.locator(".qr-scan").textContent()).resolves.toBe(FIELD_PAGE_TEXT["zh-CN"].qr.scan);
    await page.screenshot({ path: join(SCREENSHOTS, "field-qr.png") });
    await recordVisit("西溪路12号", "interview");
    await expect.poll(() => page.locator("body").getAttribute("data-screen")).toBe("interview");
    await answerInterview();
    await expect.poll(waiting).toBe("4");
    await expect(page.locator("#waiting").textContent()).resolves.toBe("4 条待发送");
    await page.locator("#interview-done + a").click();
    await expect(page.locator("#visits .visit").count()).resolves.toBe(1);
    await page.screenshot({ path: join(SCREENSHOTS, "field-offline.png") });

    // Offline reload: the service worker serves the page, IndexedDB the households and the outbox.
    await page.reload();
    await expect.poll(() => page.locator("#visits .visit").count(), { timeout: 15_000 }).toBe(1);
    await page.locator("#nav-households").click();
    await expect.poll(() => page.locator("a.household").count()).toBe(3);
    await expect.poll(waiting).toBe("4");
    await expect(page.locator("#status").getAttribute("data-online")).resolves.toBe("false");
    await expect(household("西溪路12号").textContent()).resolves.toContain("已答问卷（入户）");
    await expect(household("西溪路14号").textContent()).resolves.toContain("上次走访");

    // Whatever Chromium let through while "offline" (its emulation can leak a request around a
    // reload) is on the server once: the page sends it again and the server knows the client ids.
    await context.setOffline(false);
    await expect.poll(waiting, { timeout: 75_000 }).toBe("0");
    await expect.poll(() => page.locator("#status").getAttribute("data-refused")).toBe("0");
    const stored = fieldRows();
    expect(stored.visits.map((v) => v.survey).sort()).toEqual(["interview", "nobody_home", "qr_left"]);
    expect(stored.visits.find((v) => v.survey === "qr_left")?.leaflet).toBe(1);
    expect(JSON.parse(stored.visits.find((v) => v.survey === "qr_left")?.tips ?? "[]")).toHaveLength(1);
    expect(stored.responses).toHaveLength(1);
    expect(stored.responses[0]).toMatchObject({ mode: "interviewer", status: "completed" });
    expect(stored.visits.find((v) => v.survey === "interview")?.responseId).toBe(stored.responses[0]?.id);
    const answers = new Map(sql<{ questionId: string; value: string }>(`SELECT "questionId", "value" FROM "Answer" WHERE "responseId" = ?`, stored.responses[0]?.id).map((a) => [a.questionId, a.value]));
    expect(answers.get("safety_trend")).toContain("same");
    expect(answers.get("hot_issues")).toBeTruthy();
    expect(answers.get("suggestion")).toContain("晚上多巡逻");
    expect(answers.has("phone")).toBe(false);
    // The list now comes from the server: surveyed by interview, visited.
    await expect.poll(() => household("西溪路12号").textContent()).toContain("已答问卷（入户）");

    // Sending again changes nothing.
    for (let round = 0; round < 2; round++) {
      const before = await syncs();
      await page.locator("#sync").click();
      await expect.poll(syncs).toBeGreaterThan(before);
    }
    expect(fieldRows()).toEqual(stored);
    expect(problems).toEqual([]);
  }, 240_000);

  it("edits a synced visit within its window: the same client id, changed on the server and audited", async () => {
    const [before] = fieldRows().visits.filter((v) => v.survey === "nobody_home");
    await page.locator("#nav-households").click();
    await household("西溪路14号").click();
    await page.locator(`[data-visit="${before?.clientId}"] .edit-visit`).click();
    await expect(page.locator("input[name=survey][value=nobody_home]").isChecked()).resolves.toBe(true);
    await page.locator("input[name=survey][value=refused]").check();
    await page.locator("#visit-notes").fill("第二次上门，不愿意答");
    await page.locator("#save-visit").click();
    const row = () => sql<{ id: string; survey: string; notes: string | null }>(`SELECT "id", "survey", "notes" FROM "Visit" WHERE "clientId" = ?`, before?.clientId)[0];
    await expect.poll(() => row()?.survey, { timeout: 30_000 }).toBe("refused");
    expect(row()?.notes).toBe("第二次上门，不愿意答");
    expect(fieldRows().visits).toHaveLength(3);
    const audit = await app.store.listAudit(50);
    expect(audit.some((entry) => entry.action === "visit.edit" && entry.target === row()?.id)).toBe(true);
    await expect.poll(waiting).toBe("0");
    await expect.poll(() => page.locator(`[data-visit="${before?.clientId}"]`).textContent()).toContain("第二次上门");
    expect(problems).toEqual([]);
  }, 60_000);

  it("records a field re-check of a colleague's interview", async () => {
    await page.locator("#nav-rechecks").click();
    const card = page.locator(`[data-spot-check="${spotCheckId}"]`);
    await expect(card.locator("h3").textContent()).resolves.toBe("柳浪巷9号");
    await card.locator("input[type=radio][value=differs]").check();
    await card.locator("input[name=differs]").first().check();
    await card.locator("textarea").fill("户主说第一题答的是“安全”");
    await card.locator("button[type=submit]").click();
    const stored = () => sql<{ outcome: string | null; notes: string; verifier: string; method: string }>(`SELECT "outcome", "notes", "verifier", "method" FROM "SpotCheck" WHERE "id" = ?`, spotCheckId)[0];
    await expect.poll(() => stored()?.outcome, { timeout: 75_000 }).toBe("inconsistent");
    await expect.poll(waiting).toBe("0");
    const check = stored();
    expect(check).toMatchObject({ outcome: "inconsistent", verifier: "李警官", method: "visit" });
    expect(check?.notes).toContain("户主说第一题答的是");
    await expect.poll(() => page.locator(`[data-spot-check="${spotCheckId}"]`).textContent()).toContain("已复核：回答不一致");
    expect(problems).toEqual([]);
  }, 120_000);

  it("adds households offline, sends a visit to one by its client id, and shows why another was refused", async () => {
    await page.locator("#nav-households").click();
    await context.setOffline(true);
    await expect.poll(() => page.locator("#status").getAttribute("data-online")).toBe("false");
    for (const [village, address] of [
      [VILLAGE_A, "西溪路20号"],
      [VILLAGE_B, "柳浪巷9号"], // the colleague's household: not this officer's to add
    ] as const) {
      await page.locator("#nav-households").click();
      await page.locator("#add-household").click();
      await page.locator("#add-village").selectOption(village);
      await page.locator("#add-address").fill(address);
      await page.locator("#add-head").fill("孙八");
      await page.locator("#add-form button[type=submit]").click();
      await expect.poll(() => page.locator(".card h2").first().textContent()).toBe(address);
    }
    await page.locator("#nav-households").click();
    await household("西溪路20号").click();
    await page.locator("#record-visit").click();
    await page.locator("input[name=survey][value=refused]").check();
    await page.locator("#save-visit").click();
    await expect.poll(waiting).toBe("3");
    await page.locator("#nav-households").click();
    await expect(household("西溪路20号").textContent()).resolves.toContain("待发送");
    await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

    await context.setOffline(false);
    await expect.poll(waiting, { timeout: 75_000 }).toBe("0");
    await expect.poll(() => page.locator("#status").getAttribute("data-refused")).toBe("1");
    const [added] = sql<{ id: string; officerId: string }>(`SELECT "id", "officerId" FROM "Household" WHERE "address" = '西溪路20号'`);
    expect(added?.officerId).toBe(staff.officer.id);
    expect(sql<{ survey: string }>(`SELECT "survey" FROM "Visit" WHERE "householdId" = ?`, added?.id)).toEqual([{ survey: "refused" }]);
    expect(sql(`SELECT "id" FROM "Household" WHERE "address" = '柳浪巷9号'`)).toHaveLength(1);
    await expect.poll(() => household("西溪路20号").textContent()).not.toContain("待发送");

    await page.locator("#refused").click();
    const refused = page.locator("#refused-list li");
    await expect(refused.count()).resolves.toBe(1);
    await expect(refused.locator("strong").textContent()).resolves.toContain("柳浪巷9号");
    expect(((await refused.locator(".reason").textContent()) ?? "").length).toBeGreaterThan(3);
    await refused.locator("button").click();
    await expect.poll(() => page.locator("#status").getAttribute("data-refused")).toBe("0");
    await expect(page.locator("#refused").isHidden()).resolves.toBe(true);

    // The language switch relabels the page (the bootstrap brings the strings).
    await page.locator("#lang").selectOption("en");
    await expect.poll(() => page.locator("#nav-households").textContent()).toBe("Households");
    await page.locator("#nav-households").click();
    await expect(page.locator("#leaflet-link").getAttribute("href")).resolves.toBe("/web/staff/leaflet?lang=en");
    await expect(page.locator("#leaflet-link").textContent()).resolves.toBe(FIELD_PAGE_TEXT.en.households.leaflet);
    await expect(page.locator("#waiting").textContent()).resolves.toBe("0 waiting to send");
    expect(page.url()).toContain("lang=en");
    expect(problems).toEqual([]);
  }, 180_000);

  it("can be installed: the manifest loads under the page's CSP", async () => {
    const cdp = await context.newCDPSession(page);
    try {
      const manifest = (await cdp.send("Page.getAppManifest")) as { url: string; data?: string; errors: unknown[] };
      expect(manifest.url).toBe(`${app.url}/field/manifest.webmanifest`);
      expect(JSON.parse(manifest.data ?? "{}")).toMatchObject({ start_url: "/field", scope: "/field", display: "standalone" });
      expect(manifest.errors).toEqual([]);
    } finally {
      await cdp.detach();
    }
  });

  it("tells a visitor without a staff sign-in how to sign in, in the browser's language", async () => {
    // The page says this before it has any strings from the server: its own copy must match the locale files.
    for (const [locale, lang] of [
      ["zh-CN", "zh-CN"],
      ["zh-HK", "zh-TW"],
      ["en-US", "en"],
    ] as const) {
      const visitor = await browser.newContext({ ...PHONE, locale });
      try {
        const signedOut = await visitor.newPage();
        await signedOut.goto(`${app.url}/field`);
        await expect.poll(() => signedOut.locator("body").getAttribute("data-screen")).toBe("signin");
        const text = FIELD_PAGE_TEXT[lang];
        await expect(signedOut.locator(".signin h2").textContent()).resolves.toBe(text.signin.title);
        await expect(signedOut.locator(".signin p").first().textContent()).resolves.toBe(text.signin.body);
        await expect(signedOut.locator(".signin a").textContent()).resolves.toBe(text.signin.chat);
        await expect(signedOut.locator(".signin a").getAttribute("href")).resolves.toBe("/web");
        await expect(signedOut.title()).resolves.toBe(text.page.title);
      } finally {
        await visitor.close();
      }
    }
  }, 60_000);
});

describe("the phone page's strings (locales/<lang>/field-page.json)", () => {
  it.each(SUPPORTED_LANGS)("%s has the same keys and placeholders as zh-CN, none empty", (lang) => {
    expectSameKeysAndPlaceholders(FIELD_PAGE_TEXT[lang], FIELD_PAGE_TEXT["zh-CN"]);
  });
});
