/**
 * The tips dialogue end to end through the ConversationRunner and a real database: the tips
 * scenario files (tests/scenarios/tips-*.yaml) with their quiz answers stored, the first answer
 * counting, awareness computed from what the store keeps, and "delete my data".
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awarenessFromQuizzes, listTips } from "../../core/outreach/tips.js";
import type { Input } from "../../core/engine/types.js";
import { listScenarioFiles, loadScenario, playScenario } from "../engine/scenario-driver.js";
import { surveyFixture, type SurveyFixture } from "../support/survey-fixture.js";
import { BACKENDS } from "../support/databases.js";

const TIP_SCENARIOS = listScenarioFiles().filter((file) => /\/tips-[^/]+\.yaml$/.test(file));

describe("tips scenarios through the runner", () => {
  let fx: SurveyFixture;
  beforeAll(async () => {
    fx = await surveyFixture();
  });
  afterAll(async () => {
    await fx?.close();
  });

  it("has tips scenario files", () => {
    expect(TIP_SCENARIOS.length).toBeGreaterThanOrEqual(3);
  });

  for (const file of TIP_SCENARIOS) {
    const scenario = loadScenario(file);
    it(`${file.split("/").at(-1)}: stores the first quiz answers`, async () => {
      const user = `scenario-${file.split("/").at(-1)}`;
      let n = 0;
      await playScenario(scenario, {
        send: async (input) => (await fx.runner.handle({ platform: "test", platformUserId: user, chatId: user, messageId: `${user}:${++n}`, langCode: scenario.lang, input })).messages,
        skipAnswerChecks: true,
      });
      const identity = await fx.store.findIdentity("test", user);
      const stored = (await fx.store.listTipQuizAnswers()).filter((a) => a.residentId === identity?.residentId);
      expect(Object.fromEntries(stored.map((a) => [a.tipId, { option: a.option, correct: a.correct }]))).toEqual(scenario.expectQuizAnswers ?? {});
    });
  }
});

describe.each(BACKENDS)("quiz answers and awareness through the runner on $name", ({ create }) => {
  let fx: SurveyFixture;
  let n = 0;
  const send = (user: string, input: Input) => fx.runner.handle({ platform: "test", platformUserId: user, chatId: user, messageId: `m${++n}`, langCode: "zh-CN", input });
  const text = (user: string, value: string) => send(user, { kind: "text", text: value });

  beforeAll(async () => {
    fx = await surveyFixture({ db: await create() });
  });
  afterAll(async () => {
    await fx?.close();
  });

  /** Menu → tips → tip `index` → read → answer `option` (1-based, typed). */
  async function quiz(user: string, index: number, option: number): Promise<string> {
    await text(user, "菜单");
    await text(user, "2");
    await text(user, String(index));
    await text(user, "1");
    const reply = await text(user, String(option));
    return reply.messages.map((m) => m.text).join("\n");
  }

  it("stores one answer per resident and tip, the first, and gives the awareness rate from them", async () => {
    const tips = listTips();
    const fraud = tips.findIndex((t) => t.id === "fraud-safe-account") + 1;
    // fraud-safe-account: option 2 is right. Three residents right, one wrong then right.
    for (const user of ["a", "b", "c", "d"]) await text(user, "/start");
    expect(await quiz("a", fraud, 2)).toContain("✓ 答对了！");
    expect(await quiz("b", fraud, 2)).toContain("✓ 答对了！");
    expect(await quiz("c", fraud, 2)).toContain("✓ 答对了！");
    expect(await quiz("d", fraud, 1)).toContain("✗ 答得不对。");
    expect(await quiz("d", fraud, 2)).toContain("✓ 答对了！");

    const stored = await fx.store.listTipQuizAnswers({ tipIds: ["fraud-safe-account"] });
    expect(stored).toHaveLength(4);
    const figures = awarenessFromQuizzes(stored, tips);
    expect(figures.find((f) => f.tipId === "fraud-safe-account")).toMatchObject({ n: 4, correct: 3, rate: 0.75 });
    expect(figures.find((f) => f.tipId === "drugs-disguised")).toMatchObject({ n: 0, rate: null });
  });

  it("erases a resident's quiz answers with the rest of their data", async () => {
    await text("e", "/start");
    await quiz("e", 3, 2);
    const identity = await fx.store.findIdentity("test", "e");
    expect((await fx.store.listTipQuizAnswers()).some((a) => a.residentId === identity?.residentId)).toBe(true);
    await text("e", "/privacy");
    await text("e", "1");
    await text("e", "1");
    expect((await fx.store.listTipQuizAnswers()).some((a) => a.residentId === identity?.residentId)).toBe(false);
  });

  it("answers a redelivered quiz message once", async () => {
    await text("f", "/start");
    await text("f", "菜单");
    await text("f", "2");
    await text("f", "4");
    await text("f", "1");
    const first = await fx.runner.handle({ platform: "test", platformUserId: "f", chatId: "f", messageId: "f-quiz", input: { kind: "text", text: "2" } });
    const again = await fx.runner.handle({ platform: "test", platformUserId: "f", chatId: "f", messageId: "f-quiz", input: { kind: "text", text: "1" } });
    expect(first.events).toMatchObject([{ type: "QuizAnswered", tipId: "robbery-snatching", correct: true }]);
    expect(again.duplicate).toBe(true);
    const identity = await fx.store.findIdentity("test", "f");
    expect((await fx.store.listTipQuizAnswers()).filter((a) => a.residentId === identity?.residentId)).toMatchObject([{ tipId: "robbery-snatching", option: "stay-safe" }]);
  });
});
