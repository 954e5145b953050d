import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AutoResident, type AnswerStyle } from "../support/auto-resident.js";
import { surveyFixture, type SurveyFixture } from "../support/survey-fixture.js";
import type { Input, Lang } from "../../core/engine/types.js";
import type { InboundMessage, RunnerReply } from "../../core/survey/runner.js";

let fx: SurveyFixture;
beforeAll(async () => {
  fx = await surveyFixture();
});
afterAll(async () => {
  await fx?.close();
});

let counter = 0;
function message(user: string, input: Input, extra: Partial<InboundMessage> = {}): InboundMessage {
  return { platform: "test", platformUserId: user, chatId: user, messageId: `m${++counter}`, input, ...extra };
}

/** Plays an AutoResident to the end through the runner; returns it. */
async function complete(user: string, lang: Lang, seed: number, style: AnswerStyle): Promise<AutoResident> {
  const resident = new AutoResident(fx.questionnaire, fx.regions, seed, style, user);
  let reply = await fx.runner.handle(message(user, { kind: "start" }, { langCode: lang }));
  for (let turns = 0; turns < 100; turns++) {
    const planned = resident.plan(reply.messages);
    if (!planned) break;
    reply = await fx.runner.handle(message(user, planned.input));
    expect(reply.messages.filter((m) => m.kind === "error"), JSON.stringify(reply.messages)).toEqual([]);
    resident.acknowledge(planned, reply.events.some((e) => e.type === "ResponseCompleted"));
  }
  expect(resident.done).toBe(true);
  return resident;
}

describe("the conversation runner", () => {
  it.each([
    ["zh-CN", "tap"],
    ["zh-TW", "type"],
    ["en", "mixed"],
  ] as const)("lets a scripted resident complete the default survey in %s (%s)", async (lang, style) => {
    const user = `complete-${lang}`;
    const resident = await complete(user, lang, 7 + lang.length, style);
    const residentId = (await fx.store.findIdentity("test", user))!.residentId;
    const response = await fx.store.getResponse(residentId, fx.wave.id);
    expect(response?.status).toBe("completed");
    expect(response?.answers).toEqual(resident.acknowledged);
    expect(Object.keys(resident.acknowledged)).toContain("region");
    expect((await fx.store.getResident(residentId))?.lang).toBe(lang);
    const suggestions = (await fx.store.listSuggestions({ waveId: fx.wave.id })).filter((s) => s.residentId === residentId);
    expect(suggestions.map((s) => s.text)).toEqual(resident.suggestion ? [resident.suggestion] : []);
    // A number left at the phone question is the resident's, never an answer of the response.
    expect(await fx.store.getResidentPhone(residentId)).toBe(resident.phone ?? null);
    expect(Object.keys(response?.answers ?? {})).not.toContain("phone");
  });

  it("shows a resident who finished the thanks and the menu, not the survey again", async () => {
    await complete("twice", "en", 99, "tap");
    const reply = await fx.runner.handle(message("twice", { kind: "button", payload: "m:survey" }));
    expect(reply.messages.some((m) => m.kind === "question")).toBe(false);
    expect(reply.messages.map((m) => m.text).join("\n")).toMatch(/already/i);
  });

  it("handles a redelivered message once", async () => {
    const first = await fx.runner.handle({ platform: "test", platformUserId: "dup", chatId: "dup", messageId: "same-1", input: { kind: "start" } });
    const consent = first.messages.flatMap((m) => m.options ?? []).find((o) => o.payload === "c:y")!;
    const accept = { platform: "test", platformUserId: "dup", chatId: "dup", messageId: "same-2", input: { kind: "button", payload: consent.payload } } as const;
    const a = await fx.runner.handle(accept);
    const b = await fx.runner.handle(accept);
    expect(a.duplicate).toBe(false);
    expect(b).toMatchObject({ duplicate: true, messages: [] });
    const question = a.messages.find((m) => m.kind === "question")!;
    const answer = { platform: "test", platformUserId: "dup", chatId: "dup", messageId: "same-3", input: { kind: "button", payload: question.options![0]!.payload } } as const;
    const [x, y] = await Promise.all([fx.runner.handle(answer), fx.runner.handle(answer)]);
    expect([x.duplicate, y.duplicate].sort()).toEqual([false, true]);
    const residentId = (await fx.store.findIdentity("test", "dup"))!.residentId;
    const response = await fx.store.getResponse(residentId, fx.wave.id);
    expect(Object.keys(response!.answers)).toEqual([question.questionId]);
  });

  it("turns 20 messages sent at once by one resident into one consistent sequence", async () => {
    const user = "burst";
    const start = await fx.runner.handle(message(user, { kind: "start" }, { langCode: "zh-CN" }));
    const consent = start.messages.flatMap((m) => m.options ?? []).find((o) => o.payload === "c:y")!;
    await fx.runner.handle(message(user, { kind: "button", payload: consent.payload }));
    // Twenty "1"s at once: each must land on the question the previous one left.
    const replies: RunnerReply[] = await Promise.all(Array.from({ length: 20 }, () => fx.runner.handle(message(user, { kind: "text", text: "1" }))));
    const progress = replies.map((r) => r.messages.find((m) => m.kind === "question")?.progress?.index ?? 0);
    const answered = replies.flatMap((r) => r.events.filter((e) => e.type === "AnswerRecorded").map((e) => (e as { questionId: string }).questionId));
    expect(new Set(answered).size).toBe(answered.length);
    for (let i = 1; i < progress.length; i++) {
      if (progress[i] !== 0 && progress[i - 1] !== 0) expect(progress[i]).toBeGreaterThanOrEqual(progress[i - 1]!);
    }
    const residentId = (await fx.store.findIdentity("test", user))!.residentId;
    const response = await fx.store.getResponse(residentId, fx.wave.id);
    expect(Object.keys(response!.answers).sort()).toEqual([...answered].sort());
    const state = (await fx.store.loadConversation(residentId))!.state as { survey: { answers: Record<string, unknown> } | null };
    expect(state.survey?.answers ?? {}).toEqual(response!.answers);
  });

  it("keeps two runners on one database consistent for one resident", async () => {
    const other = new (fx.runner.constructor as typeof import("../../core/survey/runner.js").ConversationRunner)({ store: fx.store });
    const user = "two-runners";
    const start = await fx.runner.handle(message(user, { kind: "start" }, { langCode: "en" }));
    const consent = start.messages.flatMap((m) => m.options ?? []).find((o) => o.payload === "c:y")!;
    await fx.runner.handle(message(user, { kind: "button", payload: consent.payload }));
    const replies = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? fx.runner : other).handle(message(user, { kind: "text", text: "1" }))),
    );
    const answered = replies.flatMap((r) => r.events.filter((e) => e.type === "AnswerRecorded").map((e) => (e as { questionId: string }).questionId));
    expect(new Set(answered).size).toBe(answered.length);
    const residentId = (await fx.store.findIdentity("test", user))!.residentId;
    const response = await fx.store.getResponse(residentId, fx.wave.id);
    expect(Object.keys(response!.answers).sort()).toEqual([...answered].sort());
  });
});
