/**
 * The re-check of a completed questionnaire, in chat (survey quality control: a sample of
 * completed questionnaires is verified by asking some of their answers again).
 *
 * The office's re-check service (core/admin/spot-check-chat.ts) hands the engine a
 * `{ kind: "recheck", action: "start" }` input on the resident's behalf; the engine then owns the
 * dialogue: a short introduction, the questions one by one — rendered and parsed exactly like in
 * the survey (buttons, numbers, words in any language) — "decline" at any time, /menu pauses it
 * (the menu offers to continue), /stop cancels it. Nothing here touches the survey's answers:
 * the new answers only travel in the `RecheckCompleted` event, with the stored ones beside them.
 *
 * Re-check buttons carry their own payloads (`v:<tag>:<i>:<o>`, payload.ts), never the survey's,
 * so a re-check answer can never be taken for a survey answer or the other way round.
 */
import { isValidAnswer } from "./answer-check.js";
import { questionIndex } from "./flow.js";
import { matchKey, parseOrdinal } from "./normalize.js";
import { checksumTag, decodePayload, encodePayload, parentTag } from "./payload.js";
import type { Payload } from "./payload.js";
import { noticeText } from "./questions/common.js";
import type { Outcome, QuestionScope } from "./questions/common.js";
import { describeAnswer } from "./questions/describe.js";
import { handleReply, renderQuestion } from "./questions/index.js";
import { recheckText } from "./recheck-i18n.js";
import type { RecheckKey } from "./recheck-i18n.js";
import { canonicalJson } from "./sha256.js";
import { isAnswerValue } from "./state.js";
import { emit, send } from "./turn.js";
import type { Turn } from "./turn.js";
import { SUPPORTED_LANGS } from "./types.js";
import type {
  AnswerValue,
  EngineEvent,
  Input,
  Lang,
  Mode,
  OutOption,
  QuestionDefinition,
  Questionnaire,
  RecheckItem,
  RecheckProgress,
  RecheckRefusal,
  RecheckRequest,
  RegionNode,
  Scale5Question,
  SessionState,
  SingleQuestion,
  YesNoQuestion,
} from "./types.js";

/** Most questions one re-check may ask (the method asks two; more would no longer be "30 seconds"). */
export const MAX_RECHECK_QUESTIONS = 3;

/** A spot-check id as it may appear in a request (cuid-like). */
const SPOT_CHECK_ID = /^[A-Za-z0-9_-]{1,100}$/;

/** Closed questions: their answers can be compared, unlike free text or numbers typed from memory. */
export type RecheckableQuestion = SingleQuestion | Scale5Question | YesNoQuestion;

/** Can this question be re-asked (single choice, five-level scale or yes/no)? */
export function isRecheckable(question: QuestionDefinition): question is RecheckableQuestion {
  return question.type === "single" || question.type === "scale5" || question.type === "yesno";
}

/**
 * Do two answers say the same thing? Choices compare by option only: the "please specify" text is
 * not asked again, and the same option in other words is still the same answer.
 */
export function sameAnswer(a: AnswerValue, b: AnswerValue): boolean {
  if (a.kind === "choice" && b.kind === "choice") return a.option === b.option;
  if (a.kind === "choices" && b.kind === "choices") return canonicalJson([...a.options].sort()) === canonicalJson([...b.options].sort());
  if (a.kind === "bool" && b.kind === "bool") return a.value === b.value;
  if (a.kind === "number" && b.kind === "number") return a.value === b.value;
  if (a.kind === "text" && b.kind === "text") return a.value.trim() === b.value.trim();
  if (a.kind === "region" && b.kind === "region") return a.code === b.code;
  return false;
}

/** The 4-hex tag of a spot check in re-check buttons (tells one re-check's buttons from another's). */
export function recheckTag(spotCheckId: string): string {
  return parentTag(spotCheckId);
}

/**
 * The notes a spot check gets when its re-check is answered (in `lang`, the office's language):
 * each question with the survey's answer and the new one, labels as the resident saw them.
 */
export function recheckNotes(lang: Lang, questionnaire: Questionnaire | undefined, items: readonly RecheckItem[], regions: readonly RegionNode[] = []): string {
  const describe = (questionId: string, value: AnswerValue): string => {
    const question = questionnaire?.questions.find((q) => q.id === questionId);
    return question && questionnaire ? describeAnswer(lang, questionnaire, question, value, regions) : canonicalJson(value);
  };
  const lines = items.map((item) =>
    recheckText(lang, "notes.item", { question: item.questionId, original: describe(item.questionId, item.original), answer: describe(item.questionId, item.answer) }),
  );
  const consistent = items.every((item) => item.same);
  return recheckText(lang, consistent ? "notes.consistent" : "notes.inconsistent", { items: lines.join(recheckText(lang, "notes.separator")) });
}

/** Why a re-check was not asked, as the notes say it. */
const REFUSAL_NOTES: Record<Exclude<RecheckRefusal, "busy">, RecheckKey> = {
  "opted-out": "notes.reason.opted_out",
  "no-consent": "notes.reason.no_consent",
  expired: "notes.reason.expired",
  invalid: "notes.reason.invalid",
};

/**
 * The spot-check notes a re-check event leaves for staff (in `lang`, the office's language), or
 * undefined for other events and for a start refused only for now (`busy`).
 */
export function recheckEventNote(
  lang: Lang,
  event: EngineEvent,
  context: { platform: string; questionnaire?: Questionnaire | undefined; regions?: readonly RegionNode[] },
): string | undefined {
  switch (event.type) {
    case "RecheckStarted":
      return recheckText(lang, "notes.asked", { platform: context.platform, questions: event.questions.map((q) => q.id).join(", ") });
    case "RecheckCompleted":
      return recheckNotes(lang, context.questionnaire, event.items, context.regions);
    case "RecheckDeclined":
      return recheckText(lang, event.reason === "opted-out" ? "notes.opted_out" : "notes.declined");
    case "RecheckRefused":
      return event.reason === "busy" ? undefined : recheckText(lang, "notes.skipped", { reason: recheckText(lang, REFUSAL_NOTES[event.reason]) });
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Input from the re-check service
// ---------------------------------------------------------------------------------------------

/**
 * A `recheck` input: start, resend or withdraw. Sends nothing when refused or when there is
 * nothing to resend; `RecheckRefused` says why a start was refused.
 */
export function handleRecheckInput(turn: Turn, input: Extract<Input, { kind: "recheck" }>): void {
  const action: unknown = input.action;
  const raw: unknown = input.request;
  const id = typeof raw === "object" && raw !== null ? (raw as { spotCheckId?: unknown }).spotCheckId : undefined;
  if (typeof id !== "string" || !SPOT_CHECK_ID.test(id)) return;
  if (action === "start") return startRecheck(turn, id, readRequest(raw));
  if (action === "resend") return resendRecheck(turn, id);
  if (action === "withdraw") return withdrawRecheck(turn, id);
}

/** The request if it is well formed (it comes from our own service, but the engine never trusts input). */
function readRequest(value: unknown): RecheckRequest | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const r = value as Record<string, unknown>;
  const questions = r.questions;
  if (typeof r.spotCheckId !== "string" || !SPOT_CHECK_ID.test(r.spotCheckId)) return undefined;
  if (typeof r.questionnaireId !== "string" || r.questionnaireId.length > 200) return undefined;
  if (typeof r.version !== "number" || !Number.isInteger(r.version)) return undefined;
  if (typeof r.expiresAt !== "string" || r.expiresAt.length > 100 || Number.isNaN(Date.parse(r.expiresAt))) return undefined;
  if (!Array.isArray(questions) || questions.length === 0 || questions.length > MAX_RECHECK_QUESTIONS) return undefined;
  const read: RecheckRequest["questions"] = [];
  for (const q of questions as unknown[]) {
    if (typeof q !== "object" || q === null) return undefined;
    const { id, original } = q as { id?: unknown; original?: unknown };
    if (typeof id !== "string" || id.length > 200 || !isAnswerValue(original)) return undefined;
    if (read.some((x) => x.id === id)) return undefined;
    read.push({ id, original });
  }
  return { spotCheckId: r.spotCheckId, questionnaireId: r.questionnaireId, version: r.version, questions: read, expiresAt: r.expiresAt };
}

function startRecheck(turn: Turn, id: string, request: RecheckRequest | undefined): void {
  const { s } = turn;
  if (!request || !resolve(turn, request)) return refuse(turn, id, "invalid");
  if (s.consent !== "given") return refuse(turn, id, "no-consent");
  if (s.optedOut) return refuse(turn, id, "opted-out");
  if (isExpired(turn, request.expiresAt)) return refuse(turn, id, "expired");
  if (s.recheck && isExpired(turn, s.recheck.expiresAt)) leave(turn);
  if (s.recheck) {
    // A second start of the same re-check: its first messages never arrived.
    if (s.recheck.spotCheckId === id) return resendRecheck(turn, id);
    // One re-check at a time: the other one is answered, declined or expires first.
    return refuse(turn, id, "busy");
  }
  const recheck: RecheckProgress = {
    spotCheckId: request.spotCheckId,
    questionnaireId: request.questionnaireId,
    version: request.version,
    questions: request.questions,
    answers: [],
    expiresAt: request.expiresAt,
    returnMode: returnModeOf(s),
  };
  s.recheck = recheck;
  if (s.mode === "language") s.returnMode = undefined;
  s.mode = "recheck";
  emit(turn, { type: "RecheckStarted", spotCheckId: recheck.spotCheckId, questions: recheck.questions, expiresAt: recheck.expiresAt });
  sayText(turn, "info", "dialogue.intro", { count: recheck.questions.length });
  const open = resolve(turn, recheck);
  if (open) ask(turn, open);
}

function refuse(turn: Turn, spotCheckId: string, reason: RecheckRefusal): void {
  emit(turn, { type: "RecheckRefused", spotCheckId, reason });
}

/** The open re-check `id` again, from the introduction (its first messages never arrived). */
function resendRecheck(turn: Turn, id: string): void {
  const r = turn.s.recheck;
  if (!r || r.spotCheckId !== id || isExpired(turn, r.expiresAt)) return;
  const open = resolve(turn, r);
  if (!open) return;
  enter(turn, r);
  sayText(turn, "info", "dialogue.intro", { count: r.questions.length });
  ask(turn, open);
}

/** The question could not be delivered: back to where the resident was, the re-check paused. */
function withdrawRecheck(turn: Turn, id: string): void {
  const { s } = turn;
  const r = s.recheck;
  if (!r || r.spotCheckId !== id) return;
  if (s.mode === "recheck") s.mode = r.returnMode;
  else if (s.mode === "language" && s.returnMode === "recheck") s.returnMode = r.returnMode;
}

// ---------------------------------------------------------------------------------------------
// The resident's side
// ---------------------------------------------------------------------------------------------

/**
 * Typed text while a re-check is asked. Returns true when the re-check ended (answered, declined,
 * expired): the caller then shows whatever the resident goes back to.
 */
export function answerRecheckText(turn: Turn, text: string): boolean {
  const r = turn.s.recheck;
  if (!r) return true;
  if (isExpired(turn, r.expiresAt)) return expire(turn);
  const open = resolve(turn, r);
  if (!open) return expire(turn);
  if (isDeclineWord(text)) return decline(turn, "declined");
  return take(turn, open, handleReply(scopeOf(turn, open), { kind: "text", text }));
}

/**
 * A re-check button, from the question being asked or from an older message (also while the
 * re-check is paused, which resumes it). Returns true when the caller should show whatever the
 * resident is (back) at: the re-check ended, or the button belongs to none that is open.
 */
export function answerRecheckButton(turn: Turn, payload: Extract<Payload, { op: "recheckAnswer" | "recheckDecline" }>): boolean {
  const found = turn.s.recheck;
  const reopened = reopen(turn, found && payload.tag === recheckTag(found.spotCheckId) ? found : undefined);
  if (reopened === true) return true;
  const { r, open } = reopened;
  if (payload.op === "recheckDecline") return decline(turn, "declined");
  if (payload.index !== r.answers.length) {
    // A button of a question already answered (or not asked yet): ask the current one.
    sayText(turn, "error", "dialogue.stale");
    ask(turn, open);
    return false;
  }
  const { qn, question } = current(open);
  const button = { op: "answer" as const, version: qn.version, ck: checksumTag(qn.checksum), q: questionIndex(qn, question.id), option: payload.option };
  return take(turn, open, handleReply(scopeOf(turn, open), { kind: "button", payload: button }));
}

/** "Continue the quality check" in the menu. Returns true when there is none to continue. */
export function resumeRecheck(turn: Turn): boolean {
  const reopened = reopen(turn, turn.s.recheck);
  if (reopened === true) return true;
  sayText(turn, "info", "dialogue.resume");
  ask(turn, reopened.open);
  return false;
}

/**
 * The open re-check `r`, entered (the resident is back in it), ready to go on; or `true` once the
 * resident has been told there is none (gone, or expired meanwhile).
 */
function reopen(turn: Turn, r: RecheckProgress | undefined): { r: RecheckProgress; open: Open } | true {
  if (!r) {
    sayText(turn, "error", "dialogue.gone");
    return true;
  }
  if (isExpired(turn, r.expiresAt)) return expire(turn);
  const open = resolve(turn, r);
  if (!open) return expire(turn);
  enter(turn, r);
  return { r, open };
}

/** Asks the current question again. Returns true when the re-check is over instead (expired). */
export function promptRecheck(turn: Turn): boolean {
  const r = turn.s.recheck;
  if (!r) return true;
  if (isExpired(turn, r.expiresAt)) return expire(turn);
  const open = resolve(turn, r);
  if (!open) return expire(turn);
  ask(turn, open);
  return false;
}

/** /back: the previous question of the re-check (its answer stands until another is given). */
export function recheckBack(turn: Turn): boolean {
  const r = turn.s.recheck;
  if (!r || isExpired(turn, r.expiresAt)) return r ? expire(turn) : true;
  const open = resolve(turn, r);
  if (!open) return expire(turn);
  if (r.answers.length === 0) sayText(turn, "error", "dialogue.first");
  else {
    r.answers.pop();
    sayText(turn, "info", "dialogue.back");
  }
  ask(turn, open);
  return false;
}

/** /skip: re-check questions cannot be skipped (declining is the way out). */
export function recheckSkip(turn: Turn): boolean {
  if (!turn.s.recheck) return true;
  sayText(turn, "error", "dialogue.no_skip");
  return promptRecheck(turn);
}

/** /menu while asked: says how to continue later (the caller shows the menu; the re-check stays). */
export function pauseRecheck(turn: Turn): void {
  if (turn.s.mode === "recheck" && turn.s.recheck) sayText(turn, "info", "dialogue.paused");
}

/** /stop: whoever asks for no more messages is not asked any more questions either. */
export function stopRecheck(turn: Turn): void {
  if (!turn.s.recheck) return;
  emit(turn, { type: "RecheckDeclined", spotCheckId: turn.s.recheck.spotCheckId, reason: "opted-out" });
  sayText(turn, "info", "dialogue.opted_out");
  leave(turn);
}

/** Typed words that decline (the "0" key, the button's label, and the usual ways of saying it). */
export function isDeclineWord(text: string): boolean {
  if (parseOrdinal(text) === 0) return true;
  const key = matchKey(text);
  if (key === "") return false;
  return DECLINE_WORDS.some((word) => matchKey(word) === key);
}

/** Not "no" / "不" / "否": those answer yes/no questions. */
const DECLINE_WORDS: readonly string[] = [
  ...SUPPORTED_LANGS.map((lang) => recheckText(lang, "dialogue.decline")),
  "decline",
  "i decline",
  "refuse",
  "不参加",
  "不參加",
  "拒绝",
  "拒絕",
  "不愿意",
  "不願意",
  "不想参加",
  "不想參加",
];

// ---------------------------------------------------------------------------------------------
// Inside
// ---------------------------------------------------------------------------------------------

/** A re-check with its questionnaire and question definitions (aligned with `questions`). */
interface Open {
  r: Pick<RecheckProgress, "spotCheckId" | "questions"> & { answers?: AnswerValue[] };
  qn: Questionnaire;
  defs: RecheckableQuestion[];
}

/** The questionnaire and questions of a re-check, if they (still) exist and can be re-asked. */
function resolve(turn: Turn, r: Pick<RecheckProgress, "spotCheckId" | "questionnaireId" | "version" | "questions"> & { answers?: AnswerValue[] }): Open | undefined {
  let qn: Questionnaire | undefined;
  try {
    qn = turn.ctx.questionnaire(r.questionnaireId, r.version);
  } catch {
    return undefined;
  }
  if (!qn || !Array.isArray(qn.questions)) return undefined;
  const defs: RecheckableQuestion[] = [];
  for (const { id, original } of r.questions) {
    const question = qn.questions.find((q) => q.id === id);
    if (!question || !isRecheckable(question) || !isValidAnswer(qn, question, original, turn.ctx.regions)) return undefined;
    defs.push(question);
  }
  if (r.answers && r.answers.length >= defs.length) return undefined;
  return { r, qn, defs };
}

function current(open: Open): { qn: Questionnaire; question: RecheckableQuestion; index: number } {
  const index = open.r.answers?.length ?? 0;
  const question = open.defs[index] ?? open.defs[0];
  if (!question) throw new Error("a re-check without questions");
  return { qn: open.qn, question, index };
}

/** The scope the survey's question modules render and read in; required, so no Skip is offered. */
function scopeOf(turn: Turn, open: Open): QuestionScope {
  const { qn, question } = current(open);
  return {
    lang: turn.s.lang,
    questionnaire: qn,
    question: { ...question, required: true },
    index: questionIndex(qn, question.id),
    regions: turn.ctx.regions,
    answers: {},
    // Never shown the earlier answer: the point is to hear it again without a prompt.
    previous: undefined,
    pending: null,
    // The answers a choice filter reads are not at hand here: every option is offered.
    allChoices: true,
  };
}

/** Sends the current question: the survey's own rendering, with re-check buttons and "Decline". */
function ask(turn: Turn, open: Open): void {
  const { index } = current(open);
  const lang = turn.s.lang;
  const total = open.defs.length;
  const rendered = renderQuestion(scopeOf(turn, open));
  const tag = recheckTag(open.r.spotCheckId);
  const options: OutOption[] = rendered.options.flatMap((option) => {
    const payload = decodePayload(option.payload);
    return payload.op === "answer" ? [{ key: option.key, label: option.label, payload: encodePayload({ op: "recheckAnswer", tag, index, option: payload.option }) }] : [];
  });
  options.push({ key: "0", label: recheckText(lang, "dialogue.decline"), payload: encodePayload({ op: "recheckDecline", tag }) });
  send(turn, {
    kind: "question",
    text: `${recheckText(lang, "dialogue.progress", { index: index + 1, total })}${rendered.text}`,
    options,
    progress: { index: index + 1, total },
    questionId: open.defs[index]?.id ?? "",
  });
}

/** What a reply to the current question came to. */
function take(turn: Turn, open: Open, outcome: Outcome): boolean {
  switch (outcome.kind) {
    case "answer":
    case "specify":
      // "Please specify" is not asked again: the option is what is compared.
      return record(turn, open, outcome.value);
    case "invalid":
      send(turn, { kind: "error", text: noticeText(turn.s.lang, outcome.notice) });
      ask(turn, open);
      return false;
    case "pending":
    case "stale":
    case "skip":
    // A re-check never asks a phone question (only closed ones): nothing of the kind can arrive.
    case "phone":
    case "withdrawPhone":
      sayText(turn, "error", "dialogue.stale");
      ask(turn, open);
      return false;
  }
}

function record(turn: Turn, open: Open, raw: AnswerValue): boolean {
  const r = turn.s.recheck;
  if (!r) return true;
  const { qn, question } = current(open);
  const value: AnswerValue = raw.kind === "choice" ? { kind: "choice", option: raw.option } : raw.kind === "choices" ? { kind: "choices", options: raw.options } : raw;
  if (!isValidAnswer(qn, question, value, turn.ctx.regions)) {
    sayText(turn, "error", "dialogue.stale");
    ask(turn, open);
    return false;
  }
  r.answers.push(value);
  if (r.answers.length < r.questions.length) {
    ask(turn, open);
    return false;
  }
  const items: RecheckItem[] = r.questions.map((q, i) => {
    const answer = r.answers[i] ?? value;
    return { questionId: q.id, original: q.original, answer, same: sameAnswer(q.original, answer) };
  });
  emit(turn, { type: "RecheckCompleted", spotCheckId: r.spotCheckId, questionnaireId: r.questionnaireId, version: r.version, items, consistent: items.every((item) => item.same) });
  sayText(turn, "info", "dialogue.thanks");
  leave(turn);
  return true;
}

function decline(turn: Turn, reason: "declined"): boolean {
  const r = turn.s.recheck;
  if (!r) return true;
  emit(turn, { type: "RecheckDeclined", spotCheckId: r.spotCheckId, reason });
  sayText(turn, "info", "dialogue.declined");
  leave(turn);
  return true;
}

/** Past its time: the office records it as unreachable; the resident is told and goes back. */
function expire(turn: Turn): true {
  sayText(turn, "info", "dialogue.expired");
  leave(turn);
  return true;
}

/** Ends the re-check: back to where the resident was. */
function leave(turn: Turn): void {
  const { s } = turn;
  const back = s.recheck?.returnMode ?? "menu";
  if (s.mode === "recheck") s.mode = back;
  else if (s.mode === "language" && s.returnMode === "recheck") s.returnMode = back;
  s.recheck = undefined;
}

/** Into the re-check (from wherever the resident is, which is where they go back to afterwards). */
function enter(turn: Turn, r: RecheckProgress): void {
  const { s } = turn;
  if (s.mode === "recheck") return;
  r.returnMode = returnModeOf(s);
  if (s.mode === "language") s.returnMode = undefined;
  s.mode = "recheck";
}

/** Where a resident in `s` returns after a re-check: never the re-check itself or a picker. */
function returnModeOf(s: SessionState): Mode {
  const mode = s.mode === "language" ? (s.returnMode ?? "menu") : s.mode;
  if (mode === "recheck") return s.recheck?.returnMode ?? "menu";
  if (mode === "language" || mode === "new" || mode === "consent") return "menu";
  return mode;
}

/** Is `expiresAt` past (an unreadable time counts as past)? */
function isExpired(turn: Turn, expiresAt: string): boolean {
  return !(Date.parse(turn.ctx.now) <= Date.parse(expiresAt));
}

function sayText(turn: Turn, kind: "info" | "error", key: RecheckKey, vars?: Record<string, string | number>): void {
  turn.messages.push({ kind, text: recheckText(turn.s.lang, key, vars) });
}
