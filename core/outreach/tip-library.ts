/**
 * The safety-tip library as outreach sees it. The library itself (content, quiz) is another
 * module's (core/outreach/tips.ts exports `getTip(id)` and `listTips()`); this file only reads
 * whatever shape it has into the little outreach needs — an id, a title and a text per language —
 * so a broadcast can carry a tip without depending on the library's internals.
 */
import { isLang, type Lang, type LocalizedText } from "../engine/types.js";

/** A tip, reduced to what a broadcast needs. */
export interface TipSummary {
  id: string;
  title: LocalizedText;
  text: LocalizedText;
}

/** Where tips come from. */
export interface TipLibrary {
  getTip(id: string): Promise<TipSummary | undefined>;
  listTips(): Promise<TipSummary[]>;
}

/** A library with no tips (used until the real one is available). */
export const EMPTY_TIP_LIBRARY: TipLibrary = {
  getTip: async () => undefined,
  listTips: async () => [],
};

/** A tip's title in `lang` (else any). */
export function tipTitle(tip: TipSummary, lang: Lang): string {
  return tip.title[lang] ?? tip.title["zh-CN"] ?? Object.values(tip.title)[0] ?? tip.id;
}

/**
 * Adapts a module exporting `getTip(id)` and `listTips()` (sync or async; tips with `id`, a
 * `title` and a `text`, `body` or `content`, each a string or a text per language).
 */
export function tipLibraryFrom(module: Record<string, unknown>): TipLibrary | undefined {
  const getTip = module.getTip;
  const listTips = module.listTips;
  if (typeof getTip !== "function" || typeof listTips !== "function") return undefined;
  return {
    async getTip(id) {
      return toSummary(await Promise.resolve((getTip as (id: string) => unknown)(id)));
    },
    async listTips() {
      const all = await Promise.resolve((listTips as () => unknown)());
      return Array.isArray(all) ? all.flatMap((tip) => toSummary(tip) ?? []) : [];
    },
  };
}

/** Loads core/outreach/tips.ts when it exists; the empty library otherwise. */
export async function loadTipLibrary(): Promise<TipLibrary> {
  // A literal specifier, so that the compiled command (tools/build.mjs) bundles the library: a
  // computed one would be looked up next to the built chunk and silently miss.
  try {
    const module = (await import("./tips.js")) as Record<string, unknown>;
    return tipLibraryFrom(module) ?? EMPTY_TIP_LIBRARY;
  } catch {
    return EMPTY_TIP_LIBRARY;
  }
}

function localized(value: unknown): LocalizedText | undefined {
  if (typeof value === "string") return value.trim() === "" ? undefined : { "zh-CN": value };
  if (typeof value !== "object" || value === null) return undefined;
  const out: LocalizedText = {};
  for (const [lang, text] of Object.entries(value)) if (isLang(lang) && typeof text === "string" && text.trim() !== "") out[lang as Lang] = text;
  return Object.keys(out).length > 0 ? out : undefined;
}

function toSummary(value: unknown): TipSummary | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const tip = value as Record<string, unknown>;
  if (typeof tip.id !== "string") return undefined;
  const text = localized(tip.text) ?? localized(tip.body) ?? localized(tip.content);
  if (!text) return undefined;
  return { id: tip.id, title: localized(tip.title) ?? { "zh-CN": tip.id }, text };
}
