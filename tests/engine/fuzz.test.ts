/**
 * 5,000 random inputs through step(): it never throws, never hits its internal-error fallback,
 * produces well-formed messages and states, and never records an answer that is not valid for the
 * question being asked.
 */
import { describe, expect, it } from "vitest";
import { isValidAnswer } from "../../core/engine/answer-check.js";
import { t } from "../../core/engine/i18n.js";
import { parseSessionState } from "../../core/engine/state.js";
import { canonicalJson } from "../../core/engine/sha256.js";
import { step } from "../../core/engine/step.js";
import { SUPPORTED_LANGS, initialState } from "../../core/engine/types.js";
import type { EngineContext, Input, OutMessage, SessionState } from "../../core/engine/types.js";
import { listTips } from "../../core/outreach/tips.js";
import { REGIONS, defaultQuestionnaire, makeCtx } from "./helpers.js";

/** Deterministic PRNG (mulberry32) so a failure can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = [
  "1", "2", "3", "6", "0", "12", "99", "-1", "２", "二", "第三个", "六十五", "1 3 5", "1,3,5", "1、3、5", "1 2 3 4", "是", "否",
  "对", "不是", "yes", "no", "y", "n", "很安全", "Very safe", "不安全", "说不清", "偷盗、入室盗窃", "其他（请说明）", "都不担心",
  "城关镇", "东街社区", "Hekou Township", "新区", "/back", "返回", "/skip", "跳过", "/menu", "菜单", "/lang", "/lang en",
  "/lang zh-TW", "/lang xx", "/help", "帮助", "/stop", "退订", "订阅", "/start", "/start survey", "/privacy", "/foo", "同意",
  "不同意", "删除我的数据", "确定删除", "不删了", "done", "选好了", "好了", "晚上多巡逻", "  ", "", "\n\n", "/menu@OtherBot",
  "13812345678", "+86 138-1234-5678", "010-12345678", "12345", "不留", "none", "删除我留的电话",
];

function randomUnicode(rand: () => number, length: number): string {
  let s = "";
  for (let i = 0; i < length; i++) {
    const r = rand();
    if (r < 0.3) s += String.fromCharCode(0x20 + Math.floor(rand() * 95));
    else if (r < 0.55) s += String.fromCharCode(0x4e00 + Math.floor(rand() * 0x5000));
    else if (r < 0.65) s += String.fromCharCode(Math.floor(rand() * 0x20));
    else if (r < 0.75) s += String.fromCodePoint(0x1f300 + Math.floor(rand() * 0x300));
    else if (r < 0.8) s += String.fromCharCode(0xd800 + Math.floor(rand() * 0x800)); // lone surrogates
    else if (r < 0.9) s += String.fromCharCode(0xff10 + Math.floor(rand() * 0x40)); // full-width
    else s += String.fromCharCode(Math.floor(rand() * 0xffff));
  }
  return s;
}

function mutate(rand: () => number, payload: string): string {
  const parts = payload.split(":");
  const i = Math.floor(rand() * parts.length);
  const choices = ["", "0", "1", "99", "-1", "abcd", "ffff", "x", "999999", "1.5", "__proto__", "constructor"];
  parts[i] = choices[Math.floor(rand() * choices.length)] ?? "";
  return rand() < 0.2 ? parts.join(":") + ":" : parts.join(":");
}

function randomInput(rand: () => number, last: OutMessage[], seen: string[]): Input {
  const r = rand();
  const options = last.flatMap((m) => m.options ?? []);
  if (r < 0.3 && options.length > 0) return { kind: "button", payload: options[Math.floor(rand() * options.length)]!.payload };
  if (r < 0.62) return { kind: "text", text: WORDS[Math.floor(rand() * WORDS.length)] ?? "" };
  if (r < 0.7 && seen.length > 0) return { kind: "button", payload: seen[Math.floor(rand() * seen.length)] ?? "" };
  if (r < 0.76 && seen.length > 0) return { kind: "button", payload: mutate(rand, seen[Math.floor(rand() * seen.length)] ?? "") };
  if (r < 0.84) return { kind: "text", text: randomUnicode(rand, Math.floor(rand() * 40)) };
  if (r < 0.86) return { kind: "text", text: randomUnicode(rand, 500).repeat(100 + Math.floor(rand() * 200)) };
  if (r < 0.9) return { kind: "button", payload: randomUnicode(rand, Math.floor(rand() * 80)) };
  if (r < 0.93) return { kind: "start", ...(rand() < 0.5 ? { arg: ["survey", "lang_en", "zh-TW", randomUnicode(rand, 10)][Math.floor(rand() * 4)] } : {}) };
  if (r < 0.95) return { kind: "contact", phone: ["+8613812345678", "8613812345678", "+1", randomUnicode(rand, 20)][Math.floor(rand() * 4)] ?? "" };
  // Malformed inputs a buggy adapter might send.
  const broken: unknown[] = [
    { kind: "text" },
    { kind: "text", text: 42 },
    { kind: "button" },
    { kind: "button", payload: { a: 1 } },
    { kind: "start", arg: 7 },
    { kind: "contact" },
    { kind: "contact", phone: 13812345678 },
    { kind: "nope" },
    null,
    undefined,
    "text",
  ];
  return broken[Math.floor(rand() * broken.length)] as Input;
}

const INTERNAL = new Set(SUPPORTED_LANGS.map((l) => t(l, "error.internal")));

/** Problems with the replies (plain checks: hundreds of thousands of expect() calls are slow). */
function messageProblems(messages: OutMessage[]): string[] {
  const problems: string[] = [];
  for (const m of messages) {
    if (!["question", "info", "error", "menu"].includes(m.kind)) problems.push(`bad kind ${m.kind}`);
    if (typeof m.text !== "string" || m.text.trim() === "") problems.push(`empty text in ${JSON.stringify(m)}`);
    if (INTERNAL.has(m.text)) problems.push("engine fell back to its internal-error reply");
    const keys = new Set<string>();
    for (const o of m.options ?? []) {
      if (Buffer.byteLength(o.payload) > 40 || !/^[\x21-\x7e]+$/.test(o.payload)) problems.push(`bad payload ${o.payload}`);
      if (o.label.trim() === "") problems.push(`empty label in ${JSON.stringify(m.options)}`);
      if (keys.has(o.key)) problems.push(`duplicate key ${o.key}`);
      keys.add(o.key);
    }
  }
  return problems;
}

function run(seed: number, steps: number, varyContext: boolean, extra: Partial<EngineContext> = {}, startPayloads: string[] = []): { answers: number; completed: number; quizzes: number; reports: number; ratings: number } {
  const rand = prng(seed);
  const qn = defaultQuestionnaire();
  const plain: EngineContext[] = [
    makeCtx(qn),
    makeCtx(qn, { wave: { id: "wave-2", questionnaireId: qn.id, version: qn.version, open: true } }),
    makeCtx(qn, { wave: { id: "wave-2", questionnaireId: qn.id, version: qn.version, open: false } }),
    makeCtx(qn, { wave: null }),
    makeCtx(qn, { wave: { id: "wave-3", questionnaireId: "missing", version: 9, open: true } }),
    makeCtx(qn, { regions: [] }),
  ];
  const contexts = plain.map((c) => ({ ...c, ...extra }));
  let ctx = contexts[0]!;
  let state: SessionState = initialState(SUPPORTED_LANGS[seed % 3]);
  let last: OutMessage[] = [];
  const seen: string[] = [];
  let answers = 0;
  let completed = 0;
  let quizzes = 0;
  let reports = 0;
  let ratings = 0;
  for (let i = 0; i < steps; i++) {
    if (varyContext && rand() < 0.02) ctx = contexts[Math.floor(rand() * contexts.length)]!;
    // Entry payloads (sent on the resident's behalf, or from broadcasts) come now and then.
    const entry = startPayloads.length > 0 && rand() < 0.05 ? startPayloads[Math.floor(rand() * startPayloads.length)] : undefined;
    const input: Input = entry !== undefined ? { kind: "button", payload: entry } : randomInput(rand, last, seen);
    const before = state;
    const beforeJson = JSON.stringify(before);
    let result: ReturnType<typeof step>;
    try {
      result = step(ctx, before, input);
    } catch (err) {
      throw new Error(`step threw at seed ${seed}, step ${i}, input ${JSON.stringify(input)?.slice(0, 200)}: ${String(err)}`);
    }
    const where = `seed ${seed} step ${i} input ${JSON.stringify(input)?.slice(0, 80)}`;
    if (JSON.stringify(before) !== beforeJson) expect.fail(`state mutated at ${where}`);
    if (result.internalError) expect.fail(`internal error at ${where}: ${result.internalError}`);
    const problems = messageProblems(result.messages);
    if (problems.length > 0) expect(problems, where).toEqual([]);
    // The state is plain JSON and reads back as itself.
    const stored = canonicalJson(result.state);
    if (canonicalJson(parseSessionState(JSON.parse(stored))) !== stored) expect.fail(`state does not round-trip at ${where}`);

    const answersSoFar = { ...(before.survey?.answers ?? {}) };
    for (const e of result.events) {
      if (JSON.stringify(JSON.parse(JSON.stringify(e))) !== JSON.stringify(e)) expect.fail(`event not JSON at ${where}`);
      if (e.type === "ResponseCompleted") completed++;
      if (e.type === "QuizAnswered") {
        quizzes++;
        // Only an option the tip's quiz has, with its own verdict.
        const option = ctx.tips?.find((tip) => tip.id === e.tipId)?.quiz?.options.find((o) => o.id === e.option);
        expect(option?.correct, where).toBe(e.correct);
      }
      if (e.type === "CaseReported") {
        reports++;
        expect(e.code, where).toBe(ctx.newCaseCode);
        expect(e.text.trim().length, where).toBeGreaterThan(0);
      }
      if (e.type === "CaseRated") {
        ratings++;
        expect([1, 2, 3, 4, 5], where).toContain(e.rating);
      }
      if (e.type !== "AnswerRecorded") continue;
      answers++;
      // Only the question being asked can be answered, and only with a value it accepts.
      expect(e.questionId, where).toBe(before.survey?.current);
      expect(e.waveId).toBe(before.survey?.waveId);
      const question = qn.questions.find((q) => q.id === e.questionId);
      expect(question).toBeDefined();
      expect(isValidAnswer(qn, question!, e.value, ctx.regions, answersSoFar), `${e.questionId}: ${JSON.stringify(e.value)}`).toBe(true);
    }
    for (const m of result.messages) for (const o of m.options ?? []) if (seen.length < 500) seen.push(o.payload);
    state = result.state;
    last = result.messages;
  }
  return { answers, completed, quizzes, reports, ratings };
}

describe("fuzz", () => {
  it("5,000 random inputs on the default questionnaire", () => {
    let answers = 0;
    let completed = 0;
    for (let seed = 1; seed <= 5; seed++) {
      const r = run(seed, 1000, false);
      answers += r.answers;
      completed += r.completed;
    }
    // The fuzzer must actually get into the survey for this to mean anything.
    expect(answers).toBeGreaterThan(200);
    expect(completed).toBeGreaterThan(0);
  });

  it("2,000 more with waves opening, closing and changing underneath", () => {
    for (let seed = 101; seed <= 102; seed++) run(seed, 1000, true);
  });

  it("3,000 more with the tip library and case feedback in the context", () => {
    const totals = { quizzes: 0, reports: 0, ratings: 0 };
    for (let seed = 201; seed <= 203; seed++) {
      const r = run(seed, 1000, true, { tips: listTips(), newCaseCode: "K7M3PQ" }, ["m:tips", "m:cases", "m:report", "k:K7M3PQ", "k:K7M3PQ:3", "t:fraud-safe-account:r", "t:no-such-tip"]);
      totals.quizzes += r.quizzes;
      totals.reports += r.reports;
      totals.ratings += r.ratings;
    }
    // The fuzzer must reach the quizzes, reports and ratings for this to mean anything.
    expect(totals.quizzes).toBeGreaterThan(5);
    expect(totals.reports).toBeGreaterThan(0);
    expect(totals.ratings).toBeGreaterThan(0);
  });

  it("survives a region tree with odd shapes", () => {
    const ctx = makeCtx(defaultQuestionnaire(), {
      regions: [{ code: "x", name: {}, children: [] }, ...REGIONS, { code: "", name: "" }],
    });
    let state = initialState("en");
    for (const text of ["/start", "1", ...Array(40).fill("1")]) state = step(ctx, state, { kind: "text", text }).state;
    expect(state.v).toBe(1);
  });
});
