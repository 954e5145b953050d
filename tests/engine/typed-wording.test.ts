/**
 * The "type the number" wording of channels without buttons (core/engine/typed-wording.ts): every
 * `typed.*` text of the locales replaces the text at the same path, with its {{values}}, in all
 * three languages, while the engine's own wording (Telegram, web) still says to tap.
 */
import { describe, expect, it } from "vitest";
import { BOT_RESOURCES, t, type BotKey } from "../../core/engine/i18n.js";
import { typedWording } from "../../core/engine/typed-wording.js";
import { SUPPORTED_LANGS, type Lang } from "../../core/engine/types.js";

/** The dotted paths of the `typed` section of a language. */
function typedPaths(lang: Lang): string[] {
  const walk = (table: unknown, prefix: string): string[] =>
    Object.entries(table as Record<string, unknown>).flatMap(([key, value]) => (typeof value === "string" ? [prefix + key] : walk(value, `${prefix}${key}.`)));
  return walk((BOT_RESOURCES[lang] as { typed: unknown }).typed, "");
}

const VARS = { max: 7, min: 2 };
/** Words that ask to tap or press a button. */
const TAP: Record<Lang, RegExp> = { en: /\btap\b|button/i, "zh-CN": /点|按钮/, "zh-TW": /點|按鈕/ };

describe("typed wording", () => {
  for (const lang of SUPPORTED_LANGS) {
    it(`${lang}: replaces every text that asks to tap, with its values`, () => {
      const paths = typedPaths(lang);
      expect(paths.length).toBeGreaterThan(15);
      for (const path of paths) {
        const original = t(lang, path as BotKey, VARS);
        const typed = t(lang, `typed.${path}` as BotKey, VARS);
        expect(original, path).toMatch(TAP[lang]);
        expect(typed, path).not.toMatch(TAP[lang]);
        expect(typedWording(original, lang), path).toBe(typed);
        // Inside a longer message too (a hint under a question, an error before it).
        expect(typedWording(`(4/13) Q?\n${original}\n\nmore`, lang), path).toBe(`(4/13) Q?\n${typed}\n\nmore`);
      }
    });
  }

  it("fills the values the engine put in", () => {
    expect(typedWording(t("en", "error.choice", { max: 12 }), "en")).toBe("Please type a number from 1 to 12.");
    expect(typedWording(t("zh-CN", "hint.multiple", { max: 3 }), "zh-CN")).toBe("可以选多项（最多 3 项）：回复编号，选好后回复 0（选好了）。");
    expect(typedWording(t("zh-TW", "error.multiple_too_few", { min: 2 }), "zh-TW")).toBe("請至少選 2 項，再回覆 0（選好了）。");
  });

  it("leaves other text, and the engine's wording for buttons, as they are", () => {
    expect(typedWording("Overall, how safe do you feel?", "en")).toBe("Overall, how safe do you feel?");
    expect(t("en", "error.choice", { max: 5 })).toBe("Please tap one of the buttons or type a number from 1 to 5.");
    expect(t("zh-CN", "hint.multiple_any")).toBe("可以选多项，选好后点“选好了”。");
  });
});
