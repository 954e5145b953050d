/** The field namespace (locales/<lang>/field.json): the same keys and placeholders in every language, a text for every refusal. */
import { describe, expect, it } from "vitest";
import { FIELD_RESOURCES, ft, refusalText } from "../../core/field/i18n.js";
import { SUPPORTED_LANGS } from "../../core/engine/types.js";
import type { FieldRefusal } from "../../core/model/index.js";
import { expectSameKeysAndPlaceholders, localeLeaves } from "../support/locale-keys.js";

/** Every FieldRefusal; `satisfies` makes the compiler complain when core/model/field.ts adds one. */
const REFUSALS = {
  "not-found": 1,
  "not-yours": 1,
  "too-late": 1,
  "bad-input": 1,
  "unknown-region": 1,
  "not-a-village": 1,
  "outside-area": 1,
  "duplicate-address": 1,
  "unknown-household": 1,
  "unknown-wave": 1,
  "wave-closed": 1,
  "interview-incomplete": 1,
  "already-surveyed": 1,
  "unknown-tip": 1,
  "not-staff": 1,
} satisfies Record<FieldRefusal, 1>;

describe("field locales", () => {
  it.each(SUPPORTED_LANGS)("%s has the same keys and placeholders as zh-CN, none empty", (lang) => {
    expectSameKeysAndPlaceholders(FIELD_RESOURCES[lang], FIELD_RESOURCES["zh-CN"]);
  });

  it.each(SUPPORTED_LANGS)("%s explains every refusal", (lang) => {
    const keys = [...localeLeaves(FIELD_RESOURCES[lang]).keys()].filter((k) => k.startsWith("refused."));
    expect(keys.sort()).toEqual(Object.keys(REFUSALS).map((r) => `refused.${r}`).sort());
    for (const reason of Object.keys(REFUSALS) as FieldRefusal[]) expect(refusalText(lang, reason, { code: "V1", mode: "m", tip: "t", detail: "d" })).not.toMatch(/refused\.|\{\{/);
  });

  it("fills placeholders", () => {
    expect(refusalText("zh-TW", "outside-area", { code: "V3" })).toBe("村（里）V3 不在您的轄區內。");
    expect(ft("en", "cli.done", { added: 1, updated: 2, unchanged: 3 })).toBe("Imported: 1 added, 2 updated, 3 unchanged.");
  });
});
