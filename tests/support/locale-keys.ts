/** The check every locale namespace gets: same keys and placeholders as zh-CN in every language, none empty. */
import { expect } from "vitest";

/** The string leaves of a nested locale table, by dotted key. */
export function localeLeaves(node: unknown, prefix = ""): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
    if (typeof value === "string") out.set(`${prefix}${key}`, value);
    else for (const [k, v] of localeLeaves(value, `${prefix}${key}.`)) out.set(k, v);
  }
  return out;
}

/** Expects `table` to have the keys and {{placeholders}} of `reference`, and no empty text. */
export function expectSameKeysAndPlaceholders(table: unknown, reference: unknown): void {
  const mine = localeLeaves(table);
  const theirs = localeLeaves(reference);
  expect([...mine.keys()].sort()).toEqual([...theirs.keys()].sort());
  const vars = (s: string) => [...s.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();
  for (const [key, text] of mine) {
    expect(text.trim(), key).not.toBe("");
    expect(vars(text), key).toEqual(vars(theirs.get(key) as string));
  }
}
