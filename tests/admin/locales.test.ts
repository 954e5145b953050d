import { describe, expect, it } from "vitest";
import { ADMIN_RESOURCES, at } from "../../core/admin/i18n.js";
import { SUPPORTED_LANGS } from "../../core/engine/types.js";

function leaves(node: unknown, prefix = ""): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
    if (typeof value === "string") out.set(`${prefix}${key}`, value);
    else for (const [k, v] of leaves(value, `${prefix}${key}.`)) out.set(k, v);
  }
  return out;
}

describe("admin locales", () => {
  const reference = leaves(ADMIN_RESOURCES["zh-CN"]);

  it.each(SUPPORTED_LANGS)("%s has the same keys and placeholders as zh-CN, none empty", (lang) => {
    const mine = leaves(ADMIN_RESOURCES[lang]);
    expect([...mine.keys()].sort()).toEqual([...reference.keys()].sort());
    for (const [key, text] of mine) {
      expect(text.trim(), key).not.toBe("");
      const vars = (s: string) => [...s.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();
      expect(vars(text), key).toEqual(vars(reference.get(key) as string));
    }
  });

  it("fills placeholders", () => {
    expect(at("en", "overview.suppressed_note", { min: 10 })).toBe("Groups with fewer than 10 responses are suppressed and not shown.");
    expect(at("zh-TW", "app.overview")).toBe("總覽");
  });
});
