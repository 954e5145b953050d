/**
 * The safety-tip library: the bundled files are complete and fit the chat (all three languages,
 * every topic, short labels, payloads within 40 bytes, Traditional characters in zh-TW), invalid
 * files are refused with precise paths, and the awareness statistic.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { MAX_PAYLOAD_BYTES, quizMessage, tipListMessage, tipMessage } from "../../core/engine/index.js";
import { SUPPORTED_LANGS } from "../../core/engine/types.js";
import { wilsonInterval } from "../../core/stats/distributions.js";
import {
  TIP_TOPICS,
  TipLibraryError,
  awarenessFromQuizzes,
  checkTipFile,
  getTip,
  listTips,
  loadTipLibrary,
  parseTipFile,
  type Tip,
} from "../../core/outreach/tips.js";

const tips = listTips();

/** Characters that exist only in Simplified Chinese (their Traditional forms differ). */
const SIMPLIFIED_ONLY = /[这们说问选择语设删数据还过时请让为么边认应诈骗钱转账钥锁盗门进线药话骑电头饮见报网络银]/;

function allTexts(tip: Tip): { path: string; lang: string; text: string }[] {
  const out: { path: string; lang: string; text: string }[] = [];
  const add = (path: string, value: Partial<Record<string, string>>) => {
    for (const lang of SUPPORTED_LANGS) out.push({ path, lang, text: value[lang] ?? "" });
  };
  add("title", tip.title);
  add("text", tip.text);
  if (tip.quiz) {
    add("quiz.question", tip.quiz.question);
    add("quiz.explanation", tip.quiz.explanation);
    tip.quiz.options.forEach((o, i) => add(`quiz.options[${i}].label`, o.label));
  }
  return out;
}

describe("the bundled tip library", () => {
  it("covers every topic, with unique ids, in list order", () => {
    expect(tips.length).toBeGreaterThanOrEqual(TIP_TOPICS.length);
    expect(new Set(tips.map((t) => t.topic))).toEqual(new Set(TIP_TOPICS));
    expect(new Set(tips.map((t) => t.id)).size).toBe(tips.length);
    const order = tips.map((t) => TIP_TOPICS.indexOf(t.topic));
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });

  it("has every text in zh-CN, zh-TW and en, zh-TW in Traditional characters, no markdown", () => {
    for (const tip of tips) {
      for (const { path, lang, text } of allTexts(tip)) {
        expect(text.trim(), `${tip.id} ${path}.${lang}`).not.toBe("");
        expect(text, `${tip.id} ${path}.${lang}`).not.toMatch(/\*\*|__|`|\[[^\]]*\]\(/);
        if (lang === "zh-TW") expect(text, `${tip.id} ${path}`).not.toMatch(SIMPLIFIED_ONLY);
      }
    }
  });

  it("gives every tip a quiz of 2-4 options with exactly one correct, and practical numbers", () => {
    for (const tip of tips) {
      expect(tip.quiz, tip.id).toBeDefined();
      const options = tip.quiz?.options ?? [];
      expect(options.length).toBeGreaterThanOrEqual(2);
      expect(options.length).toBeLessThanOrEqual(4);
      expect(options.filter((o) => o.correct)).toHaveLength(1);
    }
    const fraud = getTip("fraud-safe-account");
    expect(fraud?.text["zh-CN"]).toContain("96110");
    expect(fraud?.text["zh-CN"]).toContain("安全账户");
    expect(fraud?.text.en).toMatch(/safe account/);
    expect(getTip("no-such-tip")).toBeUndefined();
  });

  it("fits in buttons: payloads within 40 bytes, each message's options numbered from 1", () => {
    for (const lang of SUPPORTED_LANGS) {
      const messages = [tipListMessage(tips, lang), ...tips.map((t) => tipMessage(t, lang)), ...tips.flatMap((t) => (t.quiz ? [quizMessage({ ...t, quiz: t.quiz }, lang)] : []))];
      for (const message of messages) {
        expect(message.options?.map((o) => o.key)).toEqual(message.options?.map((_, i) => String(i + 1)));
        for (const option of message.options ?? []) {
          expect(Buffer.byteLength(option.payload), option.payload).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
          expect(option.payload).toMatch(/^[\x21-\x7e]+$/);
        }
      }
    }
  });

  it("is read once and shared", () => {
    expect(listTips()).toBe(tips);
    expect(Object.isFrozen(tips)).toBe(true);
  });
});

describe("tip files", () => {
  const base = () => ({
    topic: "burglary",
    tips: [
      {
        id: "lock-up",
        title: { "zh-CN": "锁门", "zh-TW": "鎖門", en: "Lock up" },
        text: { "zh-CN": "出门锁门。", "zh-TW": "出門鎖門。", en: "Lock the door." },
        quiz: {
          question: { "zh-CN": "要锁门吗？", "zh-TW": "要鎖門嗎？", en: "Lock the door?" },
          options: [
            { id: "yes", correct: true, label: { "zh-CN": "要", "zh-TW": "要", en: "Yes" } },
            { id: "no", label: { "zh-CN": "不要", "zh-TW": "不要", en: "No" } },
          ],
          explanation: { "zh-CN": "锁门防盗。", "zh-TW": "鎖門防竊。", en: "Locks keep burglars out." },
        },
      },
    ],
  });

  it("accepts a valid file, a quiz being optional", () => {
    const file = base();
    const result = checkTipFile(file);
    expect(result.ok && result.tips[0]).toMatchObject({ id: "lock-up", topic: "burglary", quiz: { options: [{ id: "yes", correct: true }, { id: "no", correct: false }] } });
    delete (file.tips[0] as { quiz?: unknown }).quiz;
    expect(checkTipFile(file).ok).toBe(true);
  });

  it.each([
    ["a missing language", (f: ReturnType<typeof base>) => void delete (f.tips[0]!.title as Record<string, string>).en, "tips[0].title.en: required"],
    ["an empty text", (f: ReturnType<typeof base>) => void (f.tips[0]!.text["zh-TW"] = "  "), "tips[0].text.zh-TW: must not be empty"],
    ["a long button label", (f: ReturnType<typeof base>) => void (f.tips[0]!.quiz.options[1]!.label.en = "x".repeat(41)), "tips[0].quiz.options[1].label.en: at most 40 characters"],
    ["two correct options", (f: ReturnType<typeof base>) => void (f.tips[0]!.quiz.options[1]!.correct = true), "tips[0].quiz.options: exactly one option must have 'correct: true' (found 2)"],
    ["no correct option", (f: ReturnType<typeof base>) => void delete (f.tips[0]!.quiz.options[0] as { correct?: boolean }).correct, "tips[0].quiz.options: exactly one option must have 'correct: true' (found 0)"],
    ["one option", (f: ReturnType<typeof base>) => void f.tips[0]!.quiz.options.splice(1), "tips[0].quiz.options: needs 2 to 4 options"],
    ["five options", (f: ReturnType<typeof base>) => void f.tips[0]!.quiz.options.push(...[1, 2, 3].map((i) => ({ id: `o${i}`, label: { "zh-CN": "x", "zh-TW": "x", en: "x" } }))), "tips[0].quiz.options: needs 2 to 4 options"],
    ["a duplicate option id", (f: ReturnType<typeof base>) => void (f.tips[0]!.quiz.options[1]!.id = "yes"), "tips[0].quiz.options[1].id: duplicate option id 'yes'"],
    ["a bad tip id", (f: ReturnType<typeof base>) => void (f.tips[0]!.id = "Lock Up"), "tips[0].id: must be 1-28 chars: a-z or 0-9, then a-z, 0-9 or -"],
    ["an unknown topic", (f: ReturnType<typeof base>) => void (f.topic = "weather"), "topic: must be one of telecom_fraud, burglary, robbery, elderly_scams, school_safety, traffic, drugs"],
    ["an unknown field", (f: ReturnType<typeof base>) => void ((f.tips[0] as Record<string, unknown>).picture = "x.png"), "tips[0]: unknown field 'picture'"],
    ["a duplicate tip id", (f: ReturnType<typeof base>) => void f.tips.push(structuredClone(f.tips[0]!)), "tips[1].id: duplicate tip id 'lock-up'"],
  ])("refuses %s with its path", (_what, spoil, message) => {
    const file = base();
    spoil(file);
    const result = checkTipFile(file);
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.issues.map((i) => `${i.path}: ${i.message}`)).toContain(message);
  });

  it("names the file and the line of a YAML error", () => {
    expect(() => parseTipFile("topic: drugs\ntips:\n  - id: x\n    id: y\n", "bad.yaml")).toThrow(/bad\.yaml: invalid tip file\n  line 4, column 5: /);
    try {
      parseTipFile(stringify({ ...base(), topic: "weather" }), "core/tips/weather.yaml");
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(TipLibraryError);
      expect((error as TipLibraryError).source).toBe("core/tips/weather.yaml");
      expect((error as Error).message).toContain("core/tips/weather.yaml: invalid tip file\n  topic: must be one of");
    }
  });

  describe("a library folder", () => {
    let dir: string | undefined;
    afterEach(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
      dir = undefined;
    });

    it("orders files by topic and refuses a tip id used in two files", () => {
      dir = mkdtempSync(join(tmpdir(), "anxin-tips-"));
      const drugs = { ...base(), topic: "drugs" };
      drugs.tips[0]!.id = "no-drugs";
      writeFileSync(join(dir, "a-drugs.yaml"), stringify(drugs));
      writeFileSync(join(dir, "z-burglary.yaml"), stringify(base()));
      writeFileSync(join(dir, "README.txt"), "not a tip file");
      expect(loadTipLibrary(dir).map((t) => t.id)).toEqual(["lock-up", "no-drugs"]);
      const clash = base();
      clash.topic = "traffic";
      writeFileSync(join(dir, "traffic.yaml"), stringify(clash));
      expect(() => loadTipLibrary(dir)).toThrow(/traffic\.yaml: invalid tip file\n  tips\[0\]\.id: tip id 'lock-up' is already used in z-burglary\.yaml/);
    });
  });
});

describe("awarenessFromQuizzes", () => {
  it("is the share of correct first answers per tip, with n and a Wilson interval", () => {
    const answers = [
      ...Array.from({ length: 7 }, () => ({ tipId: "a", correct: true })),
      ...Array.from({ length: 3 }, () => ({ tipId: "a", correct: false })),
      { tipId: "b", correct: false },
    ];
    const figures = awarenessFromQuizzes(answers);
    expect(figures).toEqual([
      { tipId: "a", n: 10, correct: 7, rate: 0.7, ci: wilsonInterval(7, 10) },
      { tipId: "b", n: 1, correct: 0, rate: 0, ci: wilsonInterval(0, 1) },
    ]);
    // The Wilson interval of 7/10, checked by hand: (0.3968, 0.8922).
    expect(figures[0]?.ci?.lower).toBeCloseTo(0.39677, 4);
    expect(figures[0]?.ci?.upper).toBeCloseTo(0.89222, 4);
  });

  it("counts only each resident's first answer, and lists every tip asked for in order", () => {
    const t = (m: number) => new Date(Date.UTC(2026, 0, 1, 0, m));
    const answers = [
      { tipId: "a", correct: true, residentId: "r1", answeredAt: t(5) },
      { tipId: "a", correct: false, residentId: "r1", answeredAt: t(1) },
      { tipId: "a", correct: true, residentId: "r2", answeredAt: t(2) },
      { tipId: "a", correct: true, residentId: "r2", answeredAt: t(3) },
      { tipId: "z", correct: true, residentId: "r1" },
    ];
    expect(awarenessFromQuizzes(answers, [{ id: "b" }, { id: "a" }])).toEqual([
      { tipId: "b", n: 0, correct: 0, rate: null, ci: null },
      { tipId: "a", n: 2, correct: 1, rate: 0.5, ci: wilsonInterval(1, 2) },
      { tipId: "z", n: 1, correct: 1, rate: 1, ci: wilsonInterval(1, 1) },
    ]);
  });
});
