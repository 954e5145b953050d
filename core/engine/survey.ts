/**
 * The survey flow: starting or resuming a response, asking the current question, reading replies,
 * /back, /skip, "please specify", and completion. One response per resident per wave.
 */
import { isAnswerable, isRequired, localize } from "./definition.js";
import { isValidAnswer, MAX_OTHER_LENGTH } from "./answer-check.js";
import { consentMessage } from "./consent.js";
import { safeZone } from "./compose-time.js";
import { dropIrrelevant, isDone, isRelevant, nextQuestion, previousQuestion, progressOf, questionIndex, reachableCount } from "./flow.js";
import { t } from "./i18n.js";
import { menuMessage } from "./menu.js";
import { pipeAnswers } from "./piping.js";
import { parseOrdinal, tidyFreeText } from "./normalize.js";
import { maskPhone, normalizePhone } from "./phone.js";
import { checksumTag, encodePayload } from "./payload.js";
import type { Payload } from "./payload.js";
import { noticeText } from "./questions/common.js";
import type { Notice, QuestionScope, Reply, SurveyPayload } from "./questions/common.js";
import { describeAnswer } from "./questions/describe.js";
import { handleReply, renderQuestion } from "./questions/index.js";
import { emit, say, send } from "./turn.js";
import type { Turn } from "./turn.js";
import { formatLocalDate } from "../util/time-zone.js";
import type { AnswerValue, OptionDefinition, QuestionDefinition, Questionnaire, SurveyProgress } from "./types.js";

/** The survey in progress with its questionnaire, once checked against the running wave. */
interface Active {
  survey: SurveyProgress;
  qn: Questionnaire;
}

/** How to show the current question. */
interface AskOptions {
  /** Replace the previous question message (toggles, region levels). */
  edit?: boolean;
  /** Also say what the earlier answer was (after /back). */
  showPrevious?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Entering the survey
// ---------------------------------------------------------------------------------------------

/**
 * The resident wants the survey (menu, deep link, consent just given): asks for consent first if
 * needed, refuses a second response to the same wave, resumes an unfinished one, or starts one.
 */
export function enterSurvey(turn: Turn): void {
  const { s, ctx } = turn;
  if (s.consent !== "given") {
    s.wantsSurvey = true;
    s.mode = "consent";
    say(turn, "info", "survey.needs_consent");
    send(turn, consentMessage(s.lang, turn.ctx));
    return;
  }
  s.wantsSurvey = undefined;
  if (s.survey) {
    const active = activeSurvey(turn);
    if (active) {
      // A pause after /back resumes at the next unanswered question, not the revisited one.
      const current = active.survey.current;
      if (current !== null && isDone(active.survey, current)) {
        active.survey.current = null;
        active.survey.pending = null;
      }
      say(turn, "info", "survey.resume");
      askCurrent(turn, active);
      return;
    }
    // activeSurvey() has dealt with it: told the resident the wave ended, or started the new wave.
    return;
  }
  const wave = ctx.wave;
  if (!wave || !wave.open) return toMenu(turn, "survey.none_open");
  if (s.completedWaves.includes(wave.id)) return toMenu(turn, "survey.already_done");
  const qn = safeQuestionnaire(turn, wave.questionnaireId, wave.version);
  if (!qn) return toMenu(turn, "survey.unavailable");

  const survey: SurveyProgress = {
    waveId: wave.id,
    questionnaireId: qn.id,
    version: qn.version,
    startedAt: ctx.now,
    answers: {},
    skipped: [],
    order: [],
    current: null,
    pending: null,
  };
  s.survey = survey;
  s.mode = "survey";
  emit(turn, { type: "ResponseStarted", waveId: wave.id, questionnaireId: qn.id, version: qn.version });
  // The intro may announce the length as {{questions}}: the questions this response can come to
  // ask, the same count the progress counter ("1/17") starts from and never goes above.
  const intro = localize(qn.intro, s.lang, qn.languages).replace(/\{\{\s*questions\s*\}\}/g, String(reachableCount(qn, survey, ctx.regions, null, todayOf(turn, survey))));
  // The chat's tips (type "menu" to pause …) are no use to an officer reading questions out.
  send(turn, { kind: "info", text: [intro, ctx.interviewer ? "" : t(s.lang, "survey.tips")].filter((x) => x).join("\n\n") });
  advance(turn, { survey, qn });
}

/**
 * The unfinished response if it can go on. When its wave has closed or been replaced, records
 * ResponseAbandoned, tells the resident, and returns undefined (a replaced wave's survey is then
 * offered afresh).
 */
export function activeSurvey(turn: Turn): Active | undefined {
  const { s, ctx } = turn;
  const survey = s.survey;
  if (!survey) return undefined;
  const wave = ctx.wave;
  if (!wave || !wave.open || wave.id !== survey.waveId) {
    const changed = wave !== null && wave.open && wave.id !== survey.waveId;
    emit(turn, { type: "ResponseAbandoned", waveId: survey.waveId, reason: changed ? "wave-changed" : "wave-closed" });
    s.survey = null;
    if (changed) {
      s.mode = "survey";
      enterSurvey(turn);
    } else {
      toMenu(turn, "survey.closed");
    }
    return undefined;
  }
  const qn = safeQuestionnaire(turn, survey.questionnaireId, survey.version);
  if (!qn) {
    toMenu(turn, "survey.unavailable");
    return undefined;
  }
  return { survey, qn };
}

function safeQuestionnaire(turn: Turn, id: string, version: number): Questionnaire | undefined {
  try {
    const qn = turn.ctx.questionnaire(id, version);
    return qn && Array.isArray(qn.questions) ? qn : undefined;
  } catch {
    return undefined;
  }
}

/** Goes to the menu with an explanation first. */
function toMenu(turn: Turn, key: Parameters<typeof say>[2]): void {
  turn.s.mode = "menu";
  say(turn, "info", key);
  send(turn, menuMessage(turn.s, turn.ctx.wave));
}

// ---------------------------------------------------------------------------------------------
// Asking
// ---------------------------------------------------------------------------------------------

/** The question being asked: `current` while it is still askable, else the next one. */
function currentQuestion(turn: Turn, { survey, qn }: Active): QuestionDefinition | undefined {
  const regions = turn.ctx.regions;
  const index = questionIndex(qn, survey.current);
  const q = qn.questions[index];
  const today = todayOf(turn, survey);
  if (q && isAnswerable(q) && isRelevant(qn, q, survey.answers, regions, today)) return q;
  return nextQuestion(qn, survey, regions, today);
}

function scopeFor(turn: Turn, { survey, qn }: Active, q: QuestionDefinition): QuestionScope {
  return {
    lang: turn.s.lang,
    questionnaire: qn,
    question: q,
    index: questionIndex(qn, q.id),
    regions: turn.ctx.regions,
    answers: survey.answers,
    ...(todayOf(turn, survey) !== undefined ? { today: todayOf(turn, survey) as string } : {}),
    previous: Object.hasOwn(survey.answers, q.id) ? survey.answers[q.id] : undefined,
    pending: survey.pending && survey.pending.questionId === q.id ? survey.pending : null,
    phoneOnFile: turn.s.phoneShared === true,
    ...(turn.ctx.interviewer ? { interviewer: true } : {}),
  };
}

/**
 * What today() means in this response's conditions: the office-local date it started (from the
 * context's clock when it started), so that a condition cannot change its mind at midnight.
 */
function todayOf(turn: Turn, survey: SurveyProgress): string | undefined {
  const started = Date.parse(survey.startedAt);
  return Number.isNaN(started) ? undefined : formatLocalDate(started, safeZone(turn.ctx.timeZone));
}

/** Shows the current question (or completes the survey when nothing is left). */
export function askCurrent(turn: Turn, active: Active, options: AskOptions = {}): void {
  const q = currentQuestion(turn, active);
  if (!q) return complete(turn, active);
  const { survey, qn } = active;
  survey.current = q.id;
  turn.s.mode = "survey";
  const scope = scopeFor(turn, active, q);
  const progress = progressOf(qn, survey, q.id, turn.ctx.regions, todayOf(turn, survey));
  const prefix = t(turn.s.lang, "common.progress", progress);
  const pending = scope.pending;
  if (pending?.kind === "other") {
    const option = specifyOption(q, pending.value);
    const optionLabel = option ? localize(option.label, turn.s.lang, qn.languages) : "";
    send(turn, {
      kind: "question",
      text: `${prefix}${t(turn.s.lang, "survey.other_prompt", { option: optionLabel })}`,
      questionId: q.id,
      progress,
    });
    return;
  }
  const rendered = renderQuestion(scope);
  const previousLine =
    options.showPrevious && scope.previous
      ? `\n${t(turn.s.lang, "survey.previous_answer", { answer: describeAnswer(turn.s.lang, qn, q, scope.previous, turn.ctx.regions) })}`
      : "";
  send(turn, {
    kind: "question",
    text: `${prefix}${rendered.text}${previousLine}`,
    ...(rendered.options.length > 0 ? { options: rendered.options } : {}),
    ...(rendered.multi ? { multi: true } : {}),
    ...(rendered.selection ? { selection: rendered.selection } : {}),
    ...(options.edit ? { editsPrevious: true } : {}),
    progress,
    questionId: q.id,
    ...(q.type === "phone" ? { expects: "phone" as const } : {}),
  });
}

/** The option whose "please specify" text is awaited. */
function specifyOption(
  q: QuestionDefinition,
  value: { kind: "choice"; option: string } | { kind: "choices"; options: string[] },
): OptionDefinition | undefined {
  if (!("options" in q)) return undefined;
  const picked = value.kind === "choice" ? [value.option] : value.options;
  return q.options.find((o) => o.specify && picked.includes(o.id));
}

/**
 * Moves on after an answer or skip: drops answers that became irrelevant, shows notes and section
 * titles passed on the way, and asks the next unanswered question (or completes).
 */
function advance(turn: Turn, active: Active): void {
  const { survey, qn } = active;
  const regions = turn.ctx.regions;
  const today = todayOf(turn, survey);
  for (const id of dropIrrelevant(qn, survey, regions, today)) {
    // A number left at a phone question that is no longer asked (its condition changed after
    // /back) is withdrawn with it: the resident left it under that condition.
    if (qn.questions[questionIndex(qn, id)]?.type === "phone") withdrawSharedPhone(turn);
    else emit(turn, { type: "AnswerRetracted", waveId: survey.waveId, questionId: id });
  }
  survey.pending = null;
  const next = nextQuestion(qn, survey, regions, today);
  if (!next) return complete(turn, active);
  const nextIndex = questionIndex(qn, next.id);
  // The last question before `next` that was dealt with: what lies between is new to the resident.
  let from = -1;
  for (let i = nextIndex - 1; i >= 0; i--) {
    const q = qn.questions[i];
    if (q && isAnswerable(q) && (Object.hasOwn(survey.answers, q.id) || survey.skipped.includes(q.id))) {
      from = i;
      break;
    }
  }
  for (let i = from + 1; i < nextIndex; i++) {
    const q = qn.questions[i];
    if (q?.type === "note" && isRelevant(qn, q, survey.answers, regions, today)) {
      send(turn, { kind: "info", text: pipeAnswers(localize(q.label, turn.s.lang, qn.languages), turn.s.lang, qn, survey.answers, regions) });
    }
  }
  const section = next.section ? qn.sections?.find((sec) => sec.id === next.section) : undefined;
  if (section && qn.questions[from]?.section !== section.id) {
    send(turn, { kind: "info", text: localize(section.title, turn.s.lang, qn.languages) });
  }
  survey.current = next.id;
  askCurrent(turn, active);
}

/**
 * Records completion and ends the survey as an end: the thanks with what happens to the answers
 * next (and the call-back, when a number was left), then the menu offered as one button in a
 * message of its own, rather than a menu whose first entry is the survey just finished.
 */
function complete(turn: Turn, { survey, qn }: Active): void {
  const { s } = turn;
  emit(turn, { type: "ResponseCompleted", waveId: survey.waveId });
  if (!s.completedWaves.includes(survey.waveId)) s.completedWaves.push(survey.waveId);
  s.survey = null;
  s.mode = "menu";
  const outro = pipeAnswers(localize(qn.outro, s.lang, qn.languages), s.lang, qn, survey.answers, turn.ctx.regions) || t(s.lang, "survey.thanks");
  const next = [t(s.lang, "survey.next_steps"), ...(s.phoneShared ? [t(s.lang, "survey.next_steps_phone")] : [])];
  send(turn, { kind: "info", text: [outro, ...next].join("\n\n") });
  send(turn, {
    kind: "menu",
    text: t(s.lang, "survey.after_end"),
    // Key "0" like Done and Skip: the menu's own numbers (1 = the survey) keep their meaning.
    options: [{ key: "0", label: t(s.lang, "survey.open_menu"), payload: encodePayload({ op: "menu", item: "menu" }), primary: true }],
  });
}

// ---------------------------------------------------------------------------------------------
// Replies
// ---------------------------------------------------------------------------------------------

/** Is a survey payload for the question being asked, in this questionnaire version? */
function belongsTo(payload: SurveyPayload | Extract<Payload, { op: "skip" }>, qn: Questionnaire, index: number): boolean {
  return payload.version === qn.version && payload.ck === checksumTag(qn.checksum) && payload.q === index;
}

/** Says the button is out of date and asks the current question again. */
export function staleButton(turn: Turn, active: Active): void {
  say(turn, "error", "survey.stale_button");
  askCurrent(turn, active);
}

/**
 * A survey button: for the current question it is handled; from anything else (another
 * question, another version) it is refused politely and the current question re-asked.
 */
export function handleSurveyButton(turn: Turn, payload: Extract<Payload, { op: "answer" | "done" | "region" | "up" | "skip" }>): void {
  // Without an active survey, activeSurvey() has already explained why and shown the menu.
  const active = activeSurvey(turn);
  if (!active) return;
  const q = currentQuestion(turn, active);
  if (!q) return complete(turn, active);
  if (!belongsTo(payload, active.qn, questionIndex(active.qn, q.id))) return staleButton(turn, active);
  if (payload.op === "skip") return skipCurrent(turn, active, q);
  applyReply(turn, active, q, { kind: "button", payload });
}

/** Typed text while in the survey (commands were handled before). */
export function handleSurveyText(turn: Turn, text: string): void {
  const active = activeSurvey(turn);
  if (!active) return;
  const q = currentQuestion(turn, active);
  if (!q) return complete(turn, active);
  const pending = active.survey.pending;
  if (pending?.kind === "other" && pending.questionId === q.id) return applyOtherText(turn, active, q, text);
  applyReply(turn, active, q, { kind: "text", text });
}

function applyReply(turn: Turn, active: Active, q: QuestionDefinition, reply: Reply): void {
  const { survey } = active;
  // A tap on the question while its "please specify" text is awaited goes back to choosing,
  // keeping the ticks of a multiple choice.
  const pending = survey.pending;
  if (pending?.kind === "other" && reply.kind === "button") {
    survey.pending = pending.value.kind === "choices" ? { kind: "multi", questionId: q.id, selected: pending.value.options } : null;
  }
  const outcome = handleReply(scopeFor(turn, active, q), reply);
  switch (outcome.kind) {
    case "answer":
      return recordAndAdvance(turn, active, q, outcome.value);
    case "specify":
      survey.pending = { kind: "other", questionId: q.id, value: outcome.value };
      return askCurrent(turn, active);
    case "pending":
      survey.pending = outcome.pending;
      if (outcome.notice) {
        reprompt(turn, active, outcome.notice);
        return;
      }
      return askCurrent(turn, active, { edit: true });
    case "invalid":
      return reprompt(turn, active, outcome.notice);
    case "stale":
      return staleButton(turn, active);
    case "skip":
      return skipCurrent(turn, active, q);
    case "phone":
      return sharePhone(turn, active, q, outcome.phone);
    case "withdrawPhone":
      return declinePhone(turn, active, q);
  }
}

function reprompt(turn: Turn, active: Active, notice: Notice): void {
  send(turn, { kind: "error", text: noticeText(turn.s.lang, notice) });
  askCurrent(turn, active);
}

function applyOtherText(turn: Turn, active: Active, q: QuestionDefinition, raw: string): void {
  const pending = active.survey.pending;
  if (pending?.kind !== "other") return askCurrent(turn, active);
  if (parseOrdinal(raw) === 0 && raw.trim().length <= 2) {
    // "0" here is almost certainly a stray Skip/Done key, not an explanation.
    return reprompt(turn, active, { key: "error.other_empty" });
  }
  const text = tidyFreeText(raw).replace(/\s+/g, " ");
  if (text === "") return reprompt(turn, active, { key: "error.other_empty" });
  if ([...text].length > MAX_OTHER_LENGTH || raw.length > MAX_OTHER_LENGTH * 4) {
    return reprompt(turn, active, { key: "error.other_too_long", vars: { max: MAX_OTHER_LENGTH } });
  }
  recordAndAdvance(turn, active, q, { ...pending.value, other: text });
}

/** Records an answer (events only when it is new or changed), then moves on. */
function recordAndAdvance(turn: Turn, active: Active, q: QuestionDefinition, value: AnswerValue): void {
  const { survey, qn } = active;
  // Last line of defence: never record something the question would not accept.
  if (!isValidAnswer(qn, q, value, turn.ctx.regions, survey.answers, todayOf(turn, survey))) {
    survey.pending = null;
    return staleButton(turn, active);
  }
  const before = Object.hasOwn(survey.answers, q.id) ? survey.answers[q.id] : undefined;
  const changed = before === undefined || JSON.stringify(before) !== JSON.stringify(value);
  if (changed) {
    if (before !== undefined) emit(turn, { type: "AnswerRetracted", waveId: survey.waveId, questionId: q.id });
    emit(turn, { type: "AnswerRecorded", waveId: survey.waveId, questionId: q.id, value });
    if (q.type === "text" && q.suggestion && value.kind === "text") {
      emit(turn, { type: "SuggestionSubmitted", waveId: survey.waveId, questionId: q.id, text: value.value });
    }
  }
  survey.answers[q.id] = value;
  survey.skipped = survey.skipped.filter((id) => id !== q.id);
  if (!survey.order.includes(q.id)) survey.order.push(q.id);
  survey.pending = null;
  advance(turn, active);
}

// ---------------------------------------------------------------------------------------------
// Phone questions
// ---------------------------------------------------------------------------------------------

/**
 * A telephone number given at a phone question: it goes to the store (`PhoneShared`), never into
 * the response's answers; the session keeps only the masked number, so that /back can say what
 * was given, and a flag that a number is on file.
 */
function sharePhone(turn: Turn, active: Active, q: QuestionDefinition, phone: string): void {
  const { survey } = active;
  emit(turn, { type: "PhoneShared", waveId: survey.waveId, questionId: q.id, phone });
  turn.s.phoneShared = true;
  survey.answers[q.id] = { kind: "text", value: maskPhone(phone) };
  survey.skipped = survey.skipped.filter((id) => id !== q.id);
  if (!survey.order.includes(q.id)) survey.order.push(q.id);
  survey.pending = null;
  say(turn, "info", "survey.phone_saved");
  advance(turn, active);
}

/** "None" at a phone question: no number is kept (an earlier one is removed); the question counts as skipped. */
function declinePhone(turn: Turn, active: Active, q: QuestionDefinition): void {
  const { survey } = active;
  // Also turns a number given at this question earlier in the survey (/back) into a skip.
  withdrawSharedPhone(turn);
  delete survey.answers[q.id];
  if (!survey.skipped.includes(q.id)) {
    survey.skipped.push(q.id);
    emit(turn, { type: "QuestionSkipped", waveId: survey.waveId, questionId: q.id });
  }
  if (!survey.order.includes(q.id)) survey.order.push(q.id);
  survey.pending = null;
  say(turn, "info", "survey.phone_removed");
  advance(turn, active);
}

/**
 * Withdraws the resident's telephone number (`PhoneWithdrawn`, always: the store may hold one the
 * session does not know of) and forgets the masked one of a survey in progress. Used by the
 * privacy menu as well.
 */
export function withdrawSharedPhone(turn: Turn): void {
  const { s } = turn;
  emit(turn, { type: "PhoneWithdrawn" });
  s.phoneShared = undefined;
  const survey = s.survey;
  if (!survey) return;
  const qn = safeQuestionnaire(turn, survey.questionnaireId, survey.version);
  for (const q of qn?.questions ?? []) {
    if (q.type !== "phone" || !Object.hasOwn(survey.answers, q.id)) continue;
    // The question stays dealt with (a resumed survey does not ask it again), now as a skip.
    delete survey.answers[q.id];
    if (!survey.skipped.includes(q.id)) {
      survey.skipped.push(q.id);
      emit(turn, { type: "QuestionSkipped", waveId: survey.waveId, questionId: q.id });
    }
  }
}

/**
 * A telephone number the platform vouches for as the resident's own (Telegram's contact button).
 * At a phone question it is the answer; anywhere else nothing is kept and the resident is told so.
 * Returns false when it was not taken (the caller re-shows what the resident is doing).
 */
export function handleSurveyContact(turn: Turn, raw: string): boolean {
  if (turn.s.mode !== "survey" || !turn.s.survey) return false;
  const active = activeSurvey(turn);
  // No active survey: activeSurvey() has explained why and shown the menu.
  if (!active) return true;
  const q = currentQuestion(turn, active);
  if (q?.type !== "phone" || active.survey.pending) return false;
  const phone = normalizePhone(raw);
  if (phone === undefined) {
    reprompt(turn, active, { key: "error.phone" });
    return true;
  }
  sharePhone(turn, active, q, phone);
  return true;
}

// ---------------------------------------------------------------------------------------------
// /skip and /back
// ---------------------------------------------------------------------------------------------

/** /skip in the survey. */
export function surveySkip(turn: Turn): void {
  const active = activeSurvey(turn);
  if (!active) return;
  const q = currentQuestion(turn, active);
  if (!q) return complete(turn, active);
  const pending = active.survey.pending;
  if (pending?.kind === "other" && pending.questionId === q.id) {
    // Skipping the explanation keeps the choice itself.
    return recordAndAdvance(turn, active, q, pending.value);
  }
  skipCurrent(turn, active, q);
}

function skipCurrent(turn: Turn, active: Active, q: QuestionDefinition): void {
  const { survey } = active;
  if (isRequired(q)) {
    const custom = localize(q.required_message, turn.s.lang, active.qn.languages);
    send(turn, { kind: "error", text: custom || t(turn.s.lang, "survey.required") });
    return askCurrent(turn, active);
  }
  if (Object.hasOwn(survey.answers, q.id)) {
    delete survey.answers[q.id];
    // A phone question's number never became an answer; skipping leaves the stored one alone.
    if (q.type !== "phone") emit(turn, { type: "AnswerRetracted", waveId: survey.waveId, questionId: q.id });
  }
  if (!survey.skipped.includes(q.id)) {
    survey.skipped.push(q.id);
    emit(turn, { type: "QuestionSkipped", waveId: survey.waveId, questionId: q.id });
  }
  if (!survey.order.includes(q.id)) survey.order.push(q.id);
  survey.pending = null;
  advance(turn, active);
}

/**
 * /back in the survey: first undoes a step inside the current question (a "please specify"
 * prompt, a region level), else goes to the previous answered question to change it. The earlier
 * answer stands until a different one is given.
 */
export function surveyBack(turn: Turn): void {
  const active = activeSurvey(turn);
  if (!active) return;
  const { survey, qn } = active;
  const q = currentQuestion(turn, active);
  if (!q) return complete(turn, active);
  const pending = survey.pending;
  if (pending && pending.questionId === q.id) {
    if (pending.kind === "other") {
      survey.pending = null;
      return askCurrent(turn, active);
    }
    if (pending.kind === "region" && pending.path.length > 0) {
      survey.pending = { ...pending, path: pending.path.slice(0, -1) };
      return askCurrent(turn, active, { edit: true });
    }
  }
  const previous = previousQuestion(qn, survey, q.id, turn.ctx.regions, todayOf(turn, survey));
  if (!previous) {
    say(turn, "error", "survey.first_question");
    return askCurrent(turn, active);
  }
  survey.pending = null;
  survey.current = previous.id;
  say(turn, "info", "survey.back");
  askCurrent(turn, active, { showPrevious: true });
}
