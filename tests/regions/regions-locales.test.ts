/** The regions namespace (locales/<lang>/regions.json) has the same keys and placeholders in every language. */
import { describe, expect, it } from "vitest";
import { REGIONS_RESOURCES, rt } from "../../core/regions/i18n.js";
import { SUPPORTED_LANGS } from "../../core/engine/types.js";
import { expectSameKeysAndPlaceholders } from "../support/locale-keys.js";

describe("regions locales", () => {
  it.each(SUPPORTED_LANGS)("%s has the same keys and placeholders as zh-CN, none empty", (lang) => {
    expectSameKeysAndPlaceholders(REGIONS_RESOURCES[lang], REGIONS_RESOURCES["zh-CN"]);
  });

  it("fills placeholders", () => {
    expect(rt("en", "report.line", { line: 3, message: "x" })).toBe("Line 3: x");
    expect(rt("zh-TW", "page.title")).toBe("區域");
  });
});
