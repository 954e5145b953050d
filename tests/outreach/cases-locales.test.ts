/**
 * locales/<lang>/cases.json: the same keys and {{variables}} in every language, nothing empty,
 * Traditional characters in zh-TW; and every case status has a label.
 */
import { describe, expect, it } from "vitest";
import { CASE_RESOURCES, caseText } from "../../core/outreach/cases-i18n.js";
import { statusLabel } from "../../core/outreach/cases.js";
import { SUPPORTED_LANGS } from "../../core/engine/types.js";
import { CASE_STATUSES } from "../../core/model/index.js";

const vars = (s: string) => [...s.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]).sort();

describe("cases locales", () => {
  const zh = CASE_RESOURCES["zh-CN"];

  it.each(SUPPORTED_LANGS.filter((l) => l !== "zh-CN"))("%s has exactly the keys and {{variables}} of zh-CN", (lang) => {
    const other = CASE_RESOURCES[lang];
    expect(Object.keys(other).sort()).toEqual(Object.keys(zh).sort());
    for (const key of Object.keys(zh)) expect(vars(other[key] ?? ""), `${lang} ${key}`).toEqual(vars(zh[key] ?? ""));
  });

  it("has no empty strings, no markdown, and Traditional characters in zh-TW", () => {
    for (const lang of SUPPORTED_LANGS) {
      for (const [key, value] of Object.entries(CASE_RESOURCES[lang])) {
        expect(value.trim(), `${lang} ${key}`).not.toBe("");
        expect(value, `${lang} ${key}`).not.toMatch(/\*\*|__|`|\[[^\]]*\]\(/);
      }
    }
    for (const [key, value] of Object.entries(CASE_RESOURCES["zh-TW"])) expect(value, key).not.toMatch(/[这们说问选择语设删数据还过时请让为么边认应进报录态记经处]/);
  });

  it("labels every status in every language", () => {
    for (const lang of SUPPORTED_LANGS) for (const status of CASE_STATUSES) expect(statusLabel(lang, status)).not.toMatch(/status_/);
    expect(caseText("en", "status_closed")).toBe("closed");
  });
});
