/**
 * What residents' suggestions talk about: the terms that recur across suggestions, counted by the
 * number of suggestions that use them, each with the suggestions it came from.
 *
 * Words come from `Intl.Segmenter` (ICU's dictionary segmentation, shipped with Node: Chinese in
 * both scripts and English) rather than a bundled dictionary. Two things make its words into the
 * terms a reader would pick:
 * - stop words: function words, and the words every suggestion is framed with ("希望", "建议",
 *   "加强", "please", "more") — they say how residents ask, not what they ask for;
 * - merging: ICU cuts compounds the office cares about (电信|诈骗, 防|诈骗, street|light); two
 *   neighbours in one clause become one term when most suggestions that use either of the two use
 *   the pair — so 巡逻, said alone in many suggestions, is not swallowed by a frequent 夜间巡逻.
 *   One-character Chinese words are never terms alone; they merge only in front of a word (防 +
 *   诈骗), since one after a word is mostly a verb or particle (路灯 + 坏). Aspect particles
 *   (了 着 过) are taken off a word's end first, so 坏了 is 坏.
 * - words ICU does not know (电动车, 监控 — it cuts them into characters): within a run of
 *   single characters, the longest stretch of 2–4 that recurs in enough suggestions becomes a word
 *   before the merging above.
 * Pure: no I/O, no clock; the same suggestions always give the same terms in the same order.
 */
import { STOP_WORDS } from "./stop-words.js";

/** One suggestion, as keyword extraction needs it. */
export interface KeywordSource {
  id: string;
  text: string;
  /** The resident's language (zh-CN, zh-TW, en); picks the segmenter and the stop words. */
  lang: string;
}

/** A term and the suggestions that use it. */
export interface Keyword {
  term: string;
  /** How many suggestions use the term (each suggestion counts once). */
  suggestions: number;
  /** That count as a share of the suggestions looked at (0–1). */
  share: number;
  /** The suggestions' ids, in the order they were given. */
  ids: string[];
}

/** Options of {@link extractKeywords}. */
export interface KeywordOptions {
  /** The longest list returned (default 30). */
  top?: number;
  /** A term must be used by at least this many suggestions (default 2). */
  minSuggestions?: number;
}

/** A word of a clause; `weak` for a one-character Chinese word, which is no term on its own. */
interface Token {
  text: string;
  weak: boolean;
}

const CJK = /\p{Script=Han}/u;
/** Aspect particles at a word's end (坏了, 来过): the word is the same with or without them. */
const PARTICLE_END = /(?<=\p{Script=Han})[了着過过著]$/u;
const DIGITS_ONLY = /^[\p{Nd}.,]+$/u;
/** The most words one suggestion contributes: a pasted essay does not outweigh residents. */
const MAX_TOKENS = 400;
/** A pair merges when at least this share of the suggestions using its more frequent word use the pair. */
const MERGE_SHARE = 0.6;

const segmenters = new Map<string, Intl.Segmenter>();

function segmenterFor(lang: string): Intl.Segmenter {
  const locale = lang.startsWith("zh") ? (lang === "zh-TW" ? "zh-Hant" : "zh-Hans") : "en";
  let segmenter = segmenters.get(locale);
  if (!segmenter) {
    segmenter = new Intl.Segmenter(locale, { granularity: "word" });
    segmenters.set(locale, segmenter);
  }
  return segmenter;
}

/** An English word reduced to the form counted: lower case, a plain plural "s" taken off. */
function englishForm(word: string): string {
  const lower = word.toLowerCase();
  if (lower.length > 4 && lower.endsWith("ies")) return `${lower.slice(0, -3)}y`;
  if (lower.length > 3 && lower.endsWith("s") && !/(ss|us|is)$/.test(lower)) return lower.slice(0, -1);
  return lower;
}

/**
 * The suggestion's clauses, each a list of content words in order: punctuation and stop words end
 * a clause, so that no term is merged across them.
 */
export function clausesOf(text: string, lang: string): Token[][] {
  const stop = STOP_WORDS;
  const clauses: Token[][] = [];
  let clause: Token[] = [];
  let count = 0;
  const close = () => {
    if (clause.length > 0) clauses.push(clause);
    clause = [];
  };
  // Lone surrogates (a broken paste) become spaces rather than reaching ICU.
  for (const part of segmenterFor(lang).segment(text.replace(/\p{Cs}/gu, " ").normalize("NFKC"))) {
    if (count >= MAX_TOKENS) break;
    if (!part.isWordLike) {
      // Spaces join English words of one clause; anything else (punctuation, emoji) ends it.
      if (!/^\s+$/u.test(part.segment) || CJK.test(text)) close();
      continue;
    }
    const cjk = CJK.test(part.segment);
    const word = cjk ? part.segment.replace(PARTICLE_END, "") : englishForm(part.segment);
    if (DIGITS_ONLY.test(word) || stop.has(word) || stop.has(part.segment.toLowerCase())) {
      close();
      continue;
    }
    if (!cjk && word.length < 3) {
      close();
      continue;
    }
    count += 1;
    clause.push({ text: word, weak: cjk && [...word].length < 2 });
  }
  close();
  return clauses;
}

/** The join of two words into one term: nothing between Chinese, a space between English. */
function joined(a: string, b: string): string {
  return CJK.test(a) || CJK.test(b) ? `${a}${b}` : `${a} ${b}`;
}

/** In how many suggestions each word, and each neighbouring pair, occurs. */
function documentCounts(docs: Token[][][]): { words: Map<string, number>; pairs: Map<string, [string, string, number]>; weak: Set<string> } {
  const words = new Map<string, number>();
  const weak = new Set<string>();
  const pairs = new Map<string, [string, string, number]>();
  for (const clauses of docs) {
    const seenWords = new Set<string>();
    const seenPairs = new Set<string>();
    for (const clause of clauses) {
      clause.forEach((token, i) => {
        seenWords.add(token.text);
        if (token.weak) weak.add(token.text);
        const next = clause[i + 1];
        if (next) seenPairs.add(`${token.text}\u0000${next.text}`);
      });
    }
    for (const w of seenWords) words.set(w, (words.get(w) ?? 0) + 1);
    for (const p of seenPairs) {
      const [a, b] = p.split("\u0000") as [string, string];
      const entry = pairs.get(p) ?? [a, b, 0];
      entry[2] += 1;
      pairs.set(p, entry);
    }
  }
  return { words, pairs, weak };
}

/** The longest stretch of single characters a run is searched for (a four-character idiom at most). */
const LONGEST_RUN = 4;

/** Every run of one-character words in a clause, as [start, end) indexes. */
function weakRuns(clause: readonly Token[]): [number, number][] {
  const runs: [number, number][] = [];
  let start = -1;
  clause.forEach((token, i) => {
    if (token.weak && start < 0) start = i;
    if (!token.weak && start >= 0) {
      if (i - start >= 2) runs.push([start, i]);
      start = -1;
    }
  });
  if (start >= 0 && clause.length - start >= 2) runs.push([start, clause.length]);
  return runs;
}

/**
 * Joins single characters into the words ICU does not know: in each run, greedily from the left,
 * the longest stretch (2–4 characters) used by at least `minSuggestions` suggestions becomes one word.
 */
function joinCharacterWords(docs: Token[][][], minSuggestions: number): void {
  const counts = new Map<string, number>();
  for (const clauses of docs) {
    const seen = new Set<string>();
    for (const clause of clauses) {
      for (const [from, to] of weakRuns(clause)) {
        for (let i = from; i < to; i++) {
          for (let n = 2; n <= LONGEST_RUN && i + n <= to; n++) seen.add(clause.slice(i, i + n).map((t) => t.text).join(""));
        }
      }
    }
    for (const stretch of seen) counts.set(stretch, (counts.get(stretch) ?? 0) + 1);
  }
  for (const clauses of docs) {
    for (let c = 0; c < clauses.length; c++) {
      const clause = clauses[c]!;
      const runs = weakRuns(clause);
      if (runs.length === 0) continue;
      const joined: Token[] = [];
      let at = 0;
      for (const [from, to] of runs) {
        joined.push(...clause.slice(at, from));
        let i = from;
        while (i < to) {
          let taken = 1;
          for (let n = Math.min(LONGEST_RUN, to - i); n >= 2; n--) {
            if ((counts.get(clause.slice(i, i + n).map((t) => t.text).join("")) ?? 0) >= minSuggestions) {
              taken = n;
              break;
            }
          }
          joined.push(taken === 1 ? clause[i]! : { text: clause.slice(i, i + taken).map((t) => t.text).join(""), weak: false });
          i += taken;
        }
        at = to;
      }
      joined.push(...clause.slice(at));
      clauses[c] = joined;
    }
  }
}

/**
 * One round of merging: the pairs that pass the rule become single tokens wherever they occur
 * (left to right, so "a b c" with both pairs merging takes "a b" first). Returns whether any did.
 */
function mergeRound(docs: Token[][][], minSuggestions: number): boolean {
  const { words, pairs, weak: weakWords } = documentCounts(docs);
  const merging = new Set<string>();
  for (const [key, [a, b, n]] of pairs) {
    const commoner = Math.max(words.get(a) ?? 0, words.get(b) ?? 0);
    if (n >= minSuggestions && n >= MERGE_SHARE * commoner && !weakWords.has(b)) merging.add(key);
  }
  if (merging.size === 0) return false;
  for (const clauses of docs) {
    for (let c = 0; c < clauses.length; c++) {
      const clause = clauses[c]!;
      const merged: Token[] = [];
      for (let i = 0; i < clause.length; i++) {
        const token = clause[i]!;
        const next = clause[i + 1];
        if (next && merging.has(`${token.text}\u0000${next.text}`)) {
          merged.push({ text: joined(token.text, next.text), weak: false });
          i += 1;
        } else {
          merged.push(token);
        }
      }
      clauses[c] = merged;
    }
  }
  return true;
}

/**
 * The terms of `suggestions`, most used first (ties: the term in code-point order), each with the
 * suggestions that use it. Terms used by fewer than `minSuggestions` suggestions are left out.
 */
export function extractKeywords(suggestions: readonly KeywordSource[], options: KeywordOptions = {}): Keyword[] {
  const top = options.top ?? 30;
  const minSuggestions = Math.max(1, options.minSuggestions ?? 2);
  const docs = suggestions.map((s) => clausesOf(s.text, s.lang));
  joinCharacterWords(docs, minSuggestions);
  // Two rounds make three-word terms possible (电信 诈骗 案件) without chaining whole sentences.
  for (let round = 0; round < 2 && mergeRound(docs, minSuggestions); round++);
  const ids = new Map<string, string[]>();
  docs.forEach((clauses, i) => {
    const seen = new Set<string>();
    for (const clause of clauses) for (const token of clause) if (!token.weak) seen.add(token.text);
    for (const term of seen) {
      const list = ids.get(term) ?? [];
      list.push(suggestions[i]!.id);
      ids.set(term, list);
    }
  });
  const total = suggestions.length;
  return [...ids.entries()]
    .filter(([, list]) => list.length >= minSuggestions)
    .sort(([a, x], [b, y]) => y.length - x.length || (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, top)
    .map(([term, list]) => ({ term, suggestions: list.length, share: total === 0 ? 0 : list.length / total, ids: list }));
}
