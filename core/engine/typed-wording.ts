/**
 * Wording for channels without buttons. The engine speaks one wording for every channel, and it
 * asks residents to tap buttons ("Please tap a button or type …", "点“选好了”"), which is right on
 * Telegram and the web chat but not where options are numbered lines that are typed (the terminal
 * chat). The `typed` section of locales/<lang>/bot.json holds, under the same path as the text it
 * replaces, a wording that says to type the number instead; {@link typedWording} swaps every such
 * text found in a rendered message for it, with the same {{values}}.
 *
 * The swap is done on rendered text by the adapter rather than by the engine so that the engine's
 * contract (and every other channel's wording) stays as it is: only an adapter that asks gets it.
 */
import { BOT_RESOURCES } from "./i18n.js";
import type { Lang } from "./types.js";

/** One text to swap: where it is found (its {{values}} captured) and what replaces it. */
interface Swap {
  pattern: RegExp;
  names: string[];
  typed: string;
}

const PLACEHOLDER = /\{\{\s*(\w+)\s*\}\}/g;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The string leaves of a nested locale table, by dotted path. */
function leaves(table: unknown, prefix = ""): Map<string, string> {
  const out = new Map<string, string>();
  if (typeof table !== "object" || table === null) return out;
  for (const [key, value] of Object.entries(table)) {
    if (typeof value === "string") out.set(prefix + key, value);
    else for (const [path, text] of leaves(value, `${prefix}${key}.`)) out.set(path, text);
  }
  return out;
}

/**
 * The swaps of a language: each `typed.<path>` against the text at `<path>`. A placeholder in the
 * original matches the shortest run of text up to what follows it (every original with one has
 * text after it), so "… 1 to {{max}}." captures the 7 in "… 1 to 7.".
 */
function swapsOf(lang: Lang): Swap[] {
  const all = leaves(BOT_RESOURCES[lang]);
  const swaps: Swap[] = [];
  for (const [path, typed] of all) {
    if (!path.startsWith("typed.")) continue;
    const original = all.get(path.slice("typed.".length));
    if (original === undefined || original === typed) continue;
    const names: string[] = [];
    const source = original
      .split(PLACEHOLDER)
      // split() with a capturing group puts the placeholder names at the odd indexes.
      .map((part, i) => (i % 2 === 1 ? (names.push(part), "(.+?)") : escapeRegExp(part)))
      .join("");
    swaps.push({ pattern: new RegExp(source, "g"), names, typed });
  }
  // Longest first, so that a text containing a shorter one is swapped whole.
  return swaps.sort((a, b) => b.pattern.source.length - a.pattern.source.length);
}

const SWAPS: Record<Lang, Swap[]> = { "zh-CN": swapsOf("zh-CN"), "zh-TW": swapsOf("zh-TW"), en: swapsOf("en") };

/**
 * `text` (a message rendered by the engine in `lang`) with every "tap the button" wording swapped
 * for its "type the number" twin from the `typed` section of the locales. Other text is untouched.
 */
export function typedWording(text: string, lang: Lang): string {
  let out = text;
  for (const swap of SWAPS[lang]) {
    out = out.replace(swap.pattern, (...match: unknown[]) => {
      const values = new Map(swap.names.map((name, i) => [name, String(match[i + 1] ?? "")]));
      return swap.typed.replace(PLACEHOLDER, (whole: string, name: string) => values.get(name) ?? whole);
    });
  }
  return out;
}
