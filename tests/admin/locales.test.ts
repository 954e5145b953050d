import { describe, expect, it } from "vitest";
import { ADMIN_RESOURCES, at } from "../../core/admin/i18n.js";
import { SUPPORTED_LANGS } from "../../core/engine/types.js";
import { expectSameKeysAndPlaceholders } from "../support/locale-keys.js";

describe("admin locales", () => {
  it.each(SUPPORTED_LANGS)("%s has the same keys and placeholders as zh-CN, none empty", (lang) => {
    expectSameKeysAndPlaceholders(ADMIN_RESOURCES[lang], ADMIN_RESOURCES["zh-CN"]);
  });

  it("fills placeholders", () => {
    expect(at("en", "overview.suppressed_note", { min: 10 })).toBe("Groups with fewer than 10 responses are suppressed and not shown.");
    expect(at("zh-TW", "app.overview")).toBe("總覽");
  });
});
