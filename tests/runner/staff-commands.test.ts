import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { surveyFixture, type SurveyFixture } from "../support/survey-fixture.js";
import type { StaffCommand } from "../../core/survey/staff-commands.js";
import { parseStaffCommand } from "../../core/survey/staff-commands.js";

const ran: string[] = [];
const commands: StaffCommand[] = [
  { name: "coverage", role: "officer", description: { en: "coverage" }, run: async ({ staff, args }) => (ran.push(`coverage:${staff.role}:${args}`), { messages: [{ kind: "info", text: "coverage ok" }] }) },
  { name: "suggestions", role: "admin", description: { en: "suggestions" }, run: async ({ staff }) => (ran.push(`suggestions:${staff.role}`), { messages: [{ kind: "info", text: "suggestions ok" }] }) },
  { name: "boom", role: "officer", description: { en: "fails" }, run: async () => { throw new Error("boom"); } },
];

let fx: SurveyFixture;
beforeAll(async () => {
  fx = await surveyFixture({ runner: { staffCommands: commands } });
  await fx.store.setRole("test", "officer-1", "officer");
  await fx.store.setRole("test", "admin-1", "admin");
});
afterAll(async () => {
  await fx?.close();
});

let n = 0;
const say = (user: string, text: string, lang = "en") => fx.runner.handle({ platform: "test", platformUserId: user, chatId: user, messageId: `s${++n}`, langCode: lang, input: { kind: "text", text } });

describe("staff commands in chat", () => {
  it.each([
    ["resident-1", "/coverage", /only officers and staff can use/],
    ["resident-1", "/suggestions", /only administrators can use/],
    ["officer-1", "/suggestions", /only administrators can use/],
  ])("refuse %s using %s, and run nothing", async (user, text, refusal) => {
    const before = ran.length;
    const reply = await say(user, text);
    expect(reply.messages.map((m) => m.text).join("\n")).toMatch(refusal);
    expect(ran.length).toBe(before);
  });

  it("refuse in the resident's language", async () => {
    const reply = await say("resident-zh", "/coverage", "zh-CN");
    expect(reply.messages[0]?.text).toMatch(/只有民警和工作人员可以使用/);
  });

  it.each([
    ["officer-1", "/coverage 330102", "coverage:officer:330102"],
    ["admin-1", "/coverage", "coverage:admin:"],
    ["admin-1", "/suggestions@AnxinBot", "suggestions:admin"],
  ])("let %s run %s", async (user, text, record) => {
    const reply = await say(user, text);
    expect(reply.messages[0]?.kind).toBe("info");
    expect(ran.at(-1)).toBe(record);
  });

  it("answer a failing command politely", async () => {
    const reply = await say("officer-1", "/boom");
    expect(reply.messages[0]).toMatchObject({ kind: "error" });
    expect(reply.messages[0]?.text).toMatch(/did not work/);
  });

  it("leave other text to the resident dialogue", async () => {
    const reply = await say("resident-2", "/start");
    expect(reply.messages.some((m) => m.options?.some((o) => o.payload === "c:y"))).toBe(true);
  });

  it("parse command names and bot suffixes", () => {
    expect(parseStaffCommand("/Stats@anxinbot  2026", "AnxinBot")).toEqual({ name: "stats", args: "2026" });
    expect(parseStaffCommand("/stats@OtherBot", "AnxinBot")).toBeUndefined();
    expect(parseStaffCommand("stats")).toBeUndefined();
  });
});
