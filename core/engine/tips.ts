/**
 * The safety-tips dialogue: the list of tips → a tip → "I've read it ✓" → its quiz (if any) →
 * right/wrong and why → more tips or the main menu.
 *
 * The tips come from {@link EngineContext.tips}; the engine never reads the library itself. Tip
 * and quiz buttons carry the tip id (and a hash of the quiz), so they keep working from any
 * message — including a tip an officer broadcast — and a button of an edited quiz is refused.
 */
import { localize } from "./definition.js";
import { t } from "./i18n.js";
import { encodePayload, parentTag } from "./payload.js";
import { allLabels, pickIndex } from "./questions/common.js";
import { canonicalJson } from "./sha256.js";
import { emit, send } from "./turn.js";
import type { Turn } from "./turn.js";
import { SUPPORTED_LANGS } from "./types.js";
import type { Lang, LocalizedText, OutMessage, OutOption, TipContent, TipQuiz } from "./types.js";

const text = (value: LocalizedText, lang: Lang): string => localize(value, lang, SUPPORTED_LANGS);
const everyLang = (key: Parameters<typeof t>[1]): string[] => SUPPORTED_LANGS.map((l) => t(l, key));

/** The tips the context offers (none when the runner gave no library). */
export function tipLibrary(turn: Turn): readonly TipContent[] {
  const tips = turn.ctx.tips;
  return Array.isArray(tips) ? tips : [];
}

/** Is there a tip library to show? Without one the menu keeps its placeholder. */
export function hasTips(turn: Turn): boolean {
  return tipLibrary(turn).length > 0;
}

function findTip(turn: Turn, id: string): TipContent | undefined {
  return tipLibrary(turn).find((tip) => tip.id === id);
}

/** 4-hex hash of a quiz, carried by its answer buttons so that an edited quiz's old buttons are refused. */
export function quizTag(quiz: TipQuiz): string {
  return parentTag(canonicalJson(quiz));
}

// ---------------------------------------------------------------------------------------------
// Messages (pure builders; also used to broadcast a tip outside the dialogue)
// ---------------------------------------------------------------------------------------------

/** The list of tips, then "Back to the menu". */
export function tipListMessage(tips: readonly TipContent[], lang: Lang, intro?: string): OutMessage {
  const options: OutOption[] = tips.map((tip, i) => ({ key: String(i + 1), label: text(tip.title, lang), payload: encodePayload({ op: "tip", id: tip.id }) }));
  options.push({ key: String(tips.length + 1), label: t(lang, "tips.menu"), payload: encodePayload({ op: "menu", item: "menu" }) });
  return { kind: "menu", text: [intro, t(lang, "tips.list_title")].filter((x) => x).join("\n\n"), options };
}

/**
 * A tip with "I've read it ✓" and "Back to the list of tips". Exported for broadcasts: the
 * buttons work from any message, whatever the resident was doing.
 */
export function tipMessage(tip: TipContent, lang: Lang): OutMessage {
  return {
    kind: "menu",
    text: `${text(tip.title, lang)}\n\n${text(tip.text, lang)}`,
    options: [
      { key: "1", label: t(lang, "tips.read"), payload: encodePayload({ op: "tipRead", id: tip.id }) },
      { key: "2", label: t(lang, "tips.back_to_list"), payload: encodePayload({ op: "menu", item: "tips" }) },
    ],
  };
}

/** The quiz question of a tip with its options. */
export function quizMessage(tip: TipContent & { quiz: TipQuiz }, lang: Lang): OutMessage {
  const tag = quizTag(tip.quiz);
  return {
    kind: "menu",
    text: t(lang, "tips.quiz_intro", { question: text(tip.quiz.question, lang) }),
    options: tip.quiz.options.map((option, i) => ({
      key: String(i + 1),
      label: text(option.label, lang),
      payload: encodePayload({ op: "quiz", id: tip.id, tag, option: i }),
    })),
  };
}

/** What comes after a tip: more tips, or the main menu. */
function afterTipMessage(lang: Lang, body: string): OutMessage {
  return {
    kind: "menu",
    text: body,
    options: [
      { key: "1", label: t(lang, "tips.more"), payload: encodePayload({ op: "menu", item: "tips" }) },
      { key: "2", label: t(lang, "tips.menu"), payload: encodePayload({ op: "menu", item: "menu" }) },
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// Actions
// ---------------------------------------------------------------------------------------------

/** Shows the list of tips (`intro` first, e.g. "that tip is gone"). */
export function showTipList(turn: Turn, intro?: string): void {
  const { s } = turn;
  s.mode = "tips";
  s.tip = undefined;
  send(turn, tipListMessage(tipLibrary(turn), s.lang, intro));
}

/** Opens a tip; an unknown id (a removed tip) gets the list instead. */
export function openTip(turn: Turn, id: string): void {
  const { s } = turn;
  const tip = findTip(turn, id);
  if (!tip) return showTipList(turn, t(s.lang, "tips.gone"));
  s.mode = "tips";
  s.tip = { id, stage: "reading" };
  send(turn, tipMessage(tip, s.lang));
}

/** "I've read it ✓": on to the quiz, or thanks when the tip has none. */
export function readTip(turn: Turn, id: string): void {
  const { s } = turn;
  const tip = findTip(turn, id);
  if (!tip) return showTipList(turn, t(s.lang, "tips.gone"));
  emit(turn, { type: "TipRead", tipId: id });
  s.mode = "tips";
  if (tip.quiz) {
    s.tip = { id, stage: "quiz" };
    send(turn, quizMessage({ ...tip, quiz: tip.quiz }, s.lang));
    return;
  }
  s.tip = { id, stage: "explained" };
  send(turn, afterTipMessage(s.lang, t(s.lang, "tips.read_thanks")));
}

/**
 * A quiz answer, from a button (checked against the quiz's tag) or typed. Every answer is
 * recorded; which one counts (the first) is the store's business.
 */
export function answerQuiz(turn: Turn, id: string, option: number, tag?: string): void {
  const { s } = turn;
  const tip = findTip(turn, id);
  if (!tip) return showTipList(turn, t(s.lang, "tips.gone"));
  const quiz = tip.quiz;
  const picked = quiz?.options[option];
  if (!quiz || !picked || (tag !== undefined && tag !== quizTag(quiz))) {
    // The quiz changed since the button was sent: show the current one.
    s.mode = "tips";
    send(turn, { kind: "error", text: t(s.lang, "tips.stale") });
    if (quiz) {
      s.tip = { id, stage: "quiz" };
      send(turn, quizMessage({ ...tip, quiz }, s.lang));
    } else {
      openTip(turn, id);
    }
    return;
  }
  emit(turn, { type: "QuizAnswered", tipId: id, option: picked.id, correct: picked.correct });
  const right = quiz.options.find((o) => o.correct);
  const verdict = picked.correct ? t(s.lang, "tips.right") : t(s.lang, "tips.wrong", { answer: right ? text(right.label, s.lang) : "" });
  s.mode = "tips";
  s.tip = { id, stage: "explained" };
  send(turn, afterTipMessage(s.lang, `${verdict}\n${text(quiz.explanation, s.lang)}`));
}

/** Re-shows where the resident is in the tips (after the language picker, help, a stale button …). */
export function promptTips(turn: Turn): void {
  const { s } = turn;
  const progress = s.tip;
  const tip = progress ? findTip(turn, progress.id) : undefined;
  if (!progress || !tip) return showTipList(turn);
  switch (progress.stage) {
    case "reading":
      send(turn, tipMessage(tip, s.lang));
      return;
    case "quiz":
      if (tip.quiz) send(turn, quizMessage({ ...tip, quiz: tip.quiz }, s.lang));
      else send(turn, tipMessage(tip, s.lang));
      return;
    case "explained":
      send(turn, afterTipMessage(s.lang, t(s.lang, "tips.read_thanks")));
      return;
  }
}

/** "Back": quiz → the tip, a tip → the list; from the list the caller goes to the menu. */
export function tipsBack(turn: Turn): boolean {
  const { s } = turn;
  const progress = s.tip;
  if (!progress) return false;
  if (progress.stage === "quiz") {
    openTip(turn, progress.id);
    return true;
  }
  showTipList(turn);
  return true;
}

/**
 * Typed text in the tips: a number or a label of what is on screen. `menu`: the resident chose
 * the main menu (the caller shows it); `unclear`: nothing matched.
 */
export function handleTipsText(turn: Turn, typed: string): "done" | "menu" | "unclear" {
  const { s } = turn;
  const progress = s.tip;
  const tips = tipLibrary(turn);
  const tip = progress ? tips.find((x) => x.id === progress.id) : undefined;
  if (!progress || !tip) {
    const index = pickIndex(typed, [...tips.map((x) => allLabels(x.title)), everyLang("tips.menu")]);
    if (index < 0) return "unclear";
    const picked = tips[index];
    if (!picked) return "menu";
    openTip(turn, picked.id);
    return "done";
  }
  switch (progress.stage) {
    case "reading": {
      const index = pickIndex(typed, [everyLang("tips.read"), everyLang("tips.back_to_list")]);
      if (index === 0) readTip(turn, tip.id);
      else if (index === 1) showTipList(turn);
      return index >= 0 ? "done" : "unclear";
    }
    case "quiz": {
      const index = tip.quiz ? pickIndex(typed, tip.quiz.options.map((o) => allLabels(o.label))) : -1;
      if (index < 0) return "unclear";
      answerQuiz(turn, tip.id, index);
      return "done";
    }
    case "explained": {
      const index = pickIndex(typed, [everyLang("tips.more"), everyLang("tips.menu")]);
      if (index === 0) showTipList(turn);
      return index === 1 ? "menu" : index === 0 ? "done" : "unclear";
    }
  }
}

/** How many options the current tips screen offers (for "type a number from 1 to N"). */
export function tipsOptionCount(turn: Turn): number {
  const progress = turn.s.tip;
  const tip = progress ? findTip(turn, progress.id) : undefined;
  if (!progress || !tip) return tipLibrary(turn).length + 1;
  if (progress.stage === "quiz") return tip.quiz?.options.length ?? 2;
  return 2;
}
