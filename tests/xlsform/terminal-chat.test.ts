/**
 * The pyxform-style form (tests/xlsform/convention-forms.ts) imported and answered end to end in
 * the terminal chat (bots/terminal/chat.ts) over the real runner and SQLite store, in each of
 * its three languages: the form's own constraint messages for a number and a regex(), answers
 * piped into later labels and the outro, a missing translation shown in the default language,
 * choices from the CSV file, and a value that would make a backtracking matcher hang.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Lang } from "../../core/engine/types.js";
import type { Store, WaveRecord } from "../../core/model/index.js";
import { openFormWorld, type FormWorld } from "./form-world.js";
import { CSV_BYTES, pyxformStyleForm } from "./convention-forms.js";
import { buildXlsx } from "./workbook.js";

let world: FormWorld;
let store: Store;
let wave: WaveRecord;

beforeAll(async () => {
  world = await openFormWorld(await buildXlsx(pyxformStyleForm()), { sourceName: "pyxform.xlsx", attachments: { "streets.csv": CSV_BYTES }, waveName: "pyxform wave" });
  ({ store, wave } = world);
});

afterAll(async () => {
  await world?.close();
});

/** Runs the terminal chat as `user` on the scripted lines; the transcript it printed. */
const chat = (user: string, lang: Lang, lines: string[]): Promise<string> => world.chat(user, lang, lines);

/** The transcript's blocks: what the bot printed after each scripted line (block 0: before any). */
const blocks = (transcript: string): string[] => transcript.split("\n---\n");

// A long run of a's: `(a+)+$` takes exponential time on it in a backtracking matcher.
const EVIL = `${"a".repeat(300)}`;

const EXPECTED: Record<Lang, { ageError: string; postcodeError: string; safe: string; echo: string; why: string; whyError: string; street: string; outro: string; no: string }> = {
  en: {
    ageError: "Between 16 and 120, please",
    postcodeError: "A postcode has six digits",
    safe: "At 30, do you feel safe at night?",
    echo: "You answered: No",
    why: "Why not, in 654321?",
    whyError: "Please write in words",
    street: "Which street?\n  1. North Road\n  2. South Road, old town",
    outro: "Thank you, postcode 654321!",
    no: "No",
  },
  "zh-CN": {
    ageError: "请输入16到120之间的数字",
    postcodeError: "邮政编码是6位数字",
    safe: "30岁的您，晚上觉得安全吗？",
    echo: "您的回答：否",
    why: "在654321，为什么不安全？",
    whyError: "请用文字描述",
    street: "哪条街？\n  1. 北路\n  2. 南路",
    outro: "谢谢！邮编654321",
    no: "否",
  },
  // The form has no Traditional label for "no": the default language's (English) is shown.
  "zh-TW": {
    ageError: "請輸入16到120之間的數字",
    postcodeError: "郵遞區號是6位數字",
    safe: "30歲的您，晚上覺得安全嗎？",
    echo: "您的回答：No",
    why: "在654321，為什麼不安全？",
    whyError: "請用文字描述",
    street: "哪條街？\n  1. 北路\n  2. 南路",
    outro: "謝謝！郵遞區號654321",
    no: "No",
  },
};

describe("a pyxform-style XLSForm in the terminal chat", () => {
  it.each(["en", "zh-CN", "zh-TW"] as const)(
    "in %s: the form's messages re-prompt, answers are piped, a hang-prone value is checked in bounded time",
    async (lang) => {
      const want = EXPECTED[lang];
      const script = ["1", "12", "30", "12345", "654321", "2", EVIL, "too dark", "2"];
      const out = blocks(await chat(`terminal-${lang}`, lang, script));
      // After consent: the first question; 12 breaks the constraint → the form's message, asked again.
      expect(out[2]).toContain(want.ageError);
      expect(out[2]).toMatch(/\(1\/\d\)|（1\/\d）/);
      // 12345 fails regex(., '^[0-9]{6}$') → the form's message in the resident's language.
      expect(out[4]).toContain(want.postcodeError);
      // ${age} piped into the next label.
      expect(out[5]).toContain(want.safe);
      expect(out[5]).toContain(`  2. ${want.no}`);
      // The note pipes the choice's label; the next label pipes the postcode.
      expect(out[6]).toContain(want.echo);
      expect(out[6]).toContain(want.why);
      // not(regex(., '(a+)+$')): refused with the form's message, without hanging.
      expect(out[7]).toContain(want.whyError);
      expect(out[8]).toContain(want.street);
      expect(out[9]).toContain(want.outro);
      expect(out.join("\n")).not.toContain("${");

      const identity = await store.findIdentity("cli", `terminal-${lang}`);
      const response = await store.getResponse(identity?.residentId ?? "", wave.id);
      expect(response?.status).toBe("completed");
      expect(response?.answers).toEqual({
        age: { kind: "number", value: 30 },
        postcode: { kind: "text", value: "654321" },
        safe: { kind: "choice", option: "no" },
        why: { kind: "text", value: "too dark" },
        street: { kind: "choice", option: "south" },
      });
    },
    60_000,
  );

  it("skips 'why' when if() says so (under 18), and asks nothing the chat cannot ask", async () => {
    const out = blocks(await chat("terminal-young", "en", ["1", "17", "123456", "2", "1"]));
    expect(out[3]).toContain("At 17, do you feel safe at night?");
    expect(out[4]).toContain("You answered: No");
    expect(out[4]).toContain("Which street?");
    expect(out.join("\n")).not.toMatch(/Where are you\?|Mark it on the map/);
    const identity = await store.findIdentity("cli", "terminal-young");
    const response = await store.getResponse(identity?.residentId ?? "", wave.id);
    expect(response?.answers).toEqual({
      age: { kind: "number", value: 17 },
      postcode: { kind: "text", value: "123456" },
      safe: { kind: "choice", option: "no" },
      street: { kind: "choice", option: "north" },
    });
  }, 60_000);
});
