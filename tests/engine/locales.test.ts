import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { t } from "../../core/engine/i18n.js";
import { SUPPORTED_LANGS } from "../../core/engine/types.js";

/** Flattens nested locale JSON to dotted keys → strings. */
function flatten(obj: unknown, prefix = ""): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
    if (typeof v === "string") out[prefix + k] = v;
    else Object.assign(out, flatten(v, `${prefix}${k}.`));
  }
  return out;
}

const load = (lang: string) => flatten(JSON.parse(readFileSync(new URL(`../../locales/${lang}/bot.json`, import.meta.url), "utf8")));
const vars = (s: string) => [...s.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]).sort();

describe("locales", () => {
  const zh = load("zh-CN");

  for (const lang of SUPPORTED_LANGS.filter((l) => l !== "zh-CN")) {
    it(`${lang} has exactly the keys and {{variables}} of zh-CN`, () => {
      const other = load(lang);
      expect(Object.keys(other).sort()).toEqual(Object.keys(zh).sort());
      for (const key of Object.keys(zh)) {
        expect(vars(other[key] ?? ""), `${lang} ${key}`).toEqual(vars(zh[key] ?? ""));
      }
    });
  }

  it("has no empty strings and no markdown", () => {
    for (const lang of SUPPORTED_LANGS) {
      for (const [key, value] of Object.entries(load(lang))) {
        expect(value.trim(), `${lang} ${key}`).not.toBe("");
        expect(value, `${lang} ${key}`).not.toMatch(/\*\*|__|`|\[[^\]]*\]\(/);
      }
    }
  });

  it("zh-TW is written in Traditional characters", () => {
    const simplifiedOnly = /[这们说问选择语设删数据们还过时请让为么边认应]/;
    for (const [key, value] of Object.entries(load("zh-TW"))) {
      expect(value, key).not.toMatch(simplifiedOnly);
    }
  });

  it("t() interpolates and falls back to zh-CN", () => {
    expect(t("en", "error.choice", { max: 5 })).toBe("Please tap one of the buttons or type a number from 1 to 5.");
    expect(t("zh-CN", "error.choice", { max: 5 })).toBe("请点一个按钮，或者回复 1 到 5 的数字。");
    expect(t("zh-TW", "common.done")).toBe("選好了");
    // @ts-expect-error unknown keys are a type error; at run time they fall back to the key
    expect(t("en", "no.such.key")).toBe("no.such.key");
  });
});
