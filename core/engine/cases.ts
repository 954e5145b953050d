/**
 * The resident's side of case feedback: "My cases" (whose list the runner fills in, since it
 * lives in the database), reporting a concern in a few words, and rating a closed case 1–5.
 *
 * The engine has no randomness, so a reported concern's code comes from the context
 * ({@link EngineContext.newCaseCode}); the store creates the case in the same transaction as the
 * turn that told the resident its code.
 */
import { t } from "./i18n.js";
import type { BotKey } from "./i18n.js";
import { cleanText, parseOrdinal, tidyFreeText } from "./normalize.js";
import { encodePayload } from "./payload.js";
import { pickIndex } from "./questions/common.js";
import { emit, say, send } from "./turn.js";
import type { Turn } from "./turn.js";
import { SUPPORTED_LANGS } from "./types.js";
import type { Lang, Mode, OutMessage } from "./types.js";

/** Longest concern accepted, in characters (it becomes the case title). */
export const MAX_REPORT_LENGTH = 500;
/** Shortest concern accepted: fewer characters cannot say what happened. */
export const MIN_REPORT_LENGTH = 4;

const everyLang = (key: BotKey): string[] => SUPPORTED_LANGS.map((l) => t(l, key));

/** Ratings in the order offered: best first, each keyed by its own number. */
const RATINGS = [5, 4, 3, 2, 1] as const;
const RATING_KEYS: Record<(typeof RATINGS)[number], BotKey> = {
  5: "cases.rate_5",
  4: "cases.rate_4",
  3: "cases.rate_3",
  2: "cases.rate_2",
  1: "cases.rate_1",
};

/**
 * The "My cases" screen: `text` (the runner's list of the resident's cases, or a placeholder)
 * with "Report a concern" and "Back to the menu". Exported so that the runner's cases handler
 * shows exactly the options the engine then reads.
 */
export function casesMenuMessage(lang: Lang, text: string): OutMessage {
  return {
    kind: "menu",
    text,
    options: [
      { key: "1", label: t(lang, "cases.report"), payload: encodePayload({ op: "menu", item: "report" }) },
      { key: "2", label: t(lang, "cases.back"), payload: encodePayload({ op: "menu", item: "menu" }) },
    ],
  };
}

/** The rating question for a closed case; options 5 … 1, each typed as its own number. */
export function ratingMessage(lang: Lang, code: string): OutMessage {
  return {
    kind: "menu",
    text: t(lang, "cases.rate_question", { code }),
    options: RATINGS.map((rating) => ({ key: String(rating), label: t(lang, RATING_KEYS[rating]), payload: encodePayload({ op: "rate", code, rating }) })),
  };
}

function reportPromptMessage(lang: Lang): OutMessage {
  return {
    kind: "menu",
    text: t(lang, "cases.report_prompt"),
    options: [{ key: "0", label: t(lang, "cases.report_cancel"), payload: encodePayload({ op: "menu", item: "cases" }) }],
  };
}

/** "My cases": the runner replaces the placeholder text with the resident's cases. */
export function openCases(turn: Turn): void {
  const { s } = turn;
  s.mode = "cases";
  emit(turn, { type: "MenuRequested", item: "cases" });
  send(turn, casesMenuMessage(s.lang, t(s.lang, "menu.cases_placeholder")));
}

/** Re-shows the "My cases" options (without the list, which only the runner knows). */
export function promptCases(turn: Turn): void {
  send(turn, casesMenuMessage(turn.s.lang, t(turn.s.lang, "menu.title")));
}

/** Typed text on "My cases": report, menu, or unclear. */
export function parseCasesChoice(text: string): "report" | "menu" | undefined {
  const index = pickIndex(text, [everyLang("cases.report"), everyLang("cases.back")]);
  return index === 0 ? "report" : index === 1 ? "menu" : undefined;
}

/**
 * "Report a concern": asks for a few words. (The case code arrives with the step that receives
 * them: the runner only draws one while a resident is describing a concern.)
 */
export function startReport(turn: Turn): void {
  const { s } = turn;
  s.mode = "reportCase";
  send(turn, reportPromptMessage(s.lang));
}

/** Re-asks for the concern. */
export function promptReport(turn: Turn): void {
  send(turn, reportPromptMessage(turn.s.lang));
}

/**
 * The resident's words about their concern. Returns "cancel" when they typed the cancel option
 * (the caller goes back to "My cases"), else handles it.
 */
export function submitReport(turn: Turn, raw: string): "cancel" | "done" {
  const { s, ctx } = turn;
  if (parseOrdinal(raw) === 0 || pickIndex(raw, [everyLang("cases.report_cancel")]) === 0) return "cancel";
  const text = tidyFreeText(raw);
  const length = [...text].length;
  if (length < MIN_REPORT_LENGTH) {
    say(turn, "error", "cases.report_too_short");
    promptReport(turn);
    return "done";
  }
  if (length > MAX_REPORT_LENGTH) {
    say(turn, "error", "cases.report_too_long", { max: MAX_REPORT_LENGTH, length });
    promptReport(turn);
    return "done";
  }
  const code = ctx.newCaseCode;
  if (!code) {
    s.mode = "cases";
    say(turn, "info", "cases.report_unavailable");
    promptCases(turn);
    return "done";
  }
  emit(turn, { type: "CaseReported", code, text });
  say(turn, "info", "cases.report_received", { code });
  return "done";
}

/**
 * Asks to rate closed case `code` (sent on the resident's behalf when it closes). Remembers
 * where the resident was, to return there after the rating.
 */
export function askRating(turn: Turn, code: string): void {
  const { s } = turn;
  const returnMode: Mode = s.mode === "rateCase" ? (s.rating?.returnMode ?? "menu") : s.mode === "language" ? (s.returnMode ?? "menu") : s.mode;
  s.rating = { code, returnMode };
  s.mode = "rateCase";
  send(turn, ratingMessage(s.lang, code));
}

/** Re-asks the rating. */
export function promptRating(turn: Turn): void {
  const { s } = turn;
  if (s.rating) send(turn, ratingMessage(s.lang, s.rating.code));
}

/**
 * A rating (the caller then re-prompts wherever the resident is). A rating for another case than
 * the one asked (an older button) is taken too: it is what the resident meant.
 */
export function rateCase(turn: Turn, code: string, rating: number): void {
  const { s } = turn;
  emit(turn, { type: "CaseRated", code, rating });
  say(turn, "info", "cases.rate_thanks");
  if (s.mode === "rateCase") {
    s.mode = s.rating?.returnMode ?? "menu";
    s.rating = undefined;
  } else if (s.mode === "language" && s.returnMode === "rateCase") {
    // Rated from the button while the language picker was open: the picker returns past it.
    s.returnMode = s.rating?.returnMode ?? "menu";
    s.rating = undefined;
  }
}

/** Typed text while a rating is asked: 1–5 (also "五", "５"), or a label. */
export function parseRating(text: string): number | undefined {
  // "5分", "4 stars": people say scores with a unit.
  const n = parseOrdinal(cleanText(text).replace(/\s*(分|颗星|顆星|星|points?|stars?)$/i, ""));
  if (n !== undefined) return n >= 1 && n <= 5 ? n : undefined;
  const index = pickIndex(cleanText(text), RATINGS.map((r) => everyLang(RATING_KEYS[r])));
  return index >= 0 ? RATINGS[index] : undefined;
}
