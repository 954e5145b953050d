/**
 * The engine's entry point: one resident input in, the new state, replies and events out.
 * Pure: no I/O, no clock, no randomness; never throws; never mutates its arguments.
 */
import { askRating, openCases, parseCasesChoice, parseRating, promptCases, promptRating, promptReport, rateCase, startReport, submitReport } from "./cases.js";
import { parseCommand } from "./commands.js";
import { composeBack, composeSkip, handleBroadcastCommand, handleComposeButton, handleComposeText, handleSystemInput, parseBroadcastCommand, pauseCompose, promptCompose, tidyCompose, wantsTypedText } from "./compose.js";
import type { Command } from "./commands.js";
import { consentMessage, parseConsentReply } from "./consent.js";
import { t } from "./i18n.js";
import { languageMessage, parseLanguageChoice } from "./language.js";
import { menuMessage, menuSize, parseMenuChoice } from "./menu.js";
import { decodePayload } from "./payload.js";
import type { MenuItem, Payload } from "./payload.js";
import { confirmDeletionMessage, parseConfirmReply, parsePrivacyReply, privacyMessage } from "./privacy.js";
import { answerRecheckButton, answerRecheckText, handleRecheckInput, pauseRecheck, promptRecheck, recheckBack, recheckSkip, resumeRecheck, stopRecheck } from "./recheck.js";
import { parseSessionState } from "./state.js";
import { activeSurvey, askCurrent, enterSurvey, handleSurveyButton, handleSurveyContact, handleSurveyText, surveyBack, surveySkip, withdrawSharedPhone } from "./survey.js";
import { answerQuiz, handleTipsText, hasTips, openTip, promptTips, readTip, showTipList, tipsBack, tipsOptionCount } from "./tips.js";
import { emit, say, send } from "./turn.js";
import type { Turn } from "./turn.js";
import { initialState, normalizeLang } from "./types.js";
import { parseOrdinal, wellFormed } from "./normalize.js";
import type { EngineContext, Input, Lang, SessionState, StepResult, SystemResult } from "./types.js";

/** Longest text input looked at; the rest of a huge message is ignored. */
const MAX_INPUT_LENGTH = 20_000;

/**
 * Handles one input. The returned state is a new object; `state`, `ctx` and `input` are left
 * untouched. On an unexpected internal error it apologises and keeps the previous state.
 */
export function step(ctx: EngineContext, state: SessionState, input: Input): StepResult {
  let kept: SessionState = initialState();
  try {
    kept = parseSessionState(state);
    const turn: Turn = { ctx, s: structuredClone(kept), messages: [], events: [] };
    dispatch(turn, input);
    tidySideState(turn.s);
    // A JSON round trip drops undefined members and proves the result is storable as is.
    return { state: JSON.parse(JSON.stringify(turn.s)) as SessionState, messages: turn.messages, events: turn.events };
  } catch (err) {
    return {
      state: kept,
      messages: [{ kind: "error", text: t(kept.lang, "error.internal") }],
      events: [],
      internalError: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
    };
  }
}

/**
 * Drops the tip / rating progress once the resident has left those modes (and their language
 * picker, and a re-check asked in between). A paused re-check stays: the menu offers it.
 */
function tidySideState(s: SessionState): void {
  const base = s.mode === "language" ? s.returnMode : s.mode;
  const afterRecheck = base === "recheck" ? s.recheck?.returnMode : undefined;
  const within = (mode: SessionState["mode"]) => s.mode === mode || base === mode || afterRecheck === mode;
  if (!within("tips")) s.tip = undefined;
  if (!within("rateCase")) s.rating = undefined;
}

function dispatch(turn: Turn, input: Input): void {
  const kind = input !== null && typeof input === "object" ? input.kind : undefined;
  // A staff member's broadcast draft past its time (or no longer theirs to send) is forgotten first.
  tidyCompose(turn);
  if (kind === "system") {
    return handleSystemInput(turn, (input as { result?: SystemResult }).result);
  }
  if (kind === "start") {
    const arg = (input as { arg?: unknown }).arg;
    return handleStart(turn, typeof arg === "string" ? wellFormed(arg.slice(0, 200)) : undefined);
  }
  if (kind === "button") {
    return handleButton(turn, decodePayload((input as { payload?: unknown }).payload));
  }
  if (kind === "recheck") {
    return handleRecheckInput(turn, input as Extract<Input, { kind: "recheck" }>);
  }
  if (kind === "contact") {
    const phone = (input as { phone?: unknown }).phone;
    return handleContact(turn, typeof phone === "string" ? phone : "");
  }
  const raw = kind === "text" ? (input as { text?: unknown }).text : undefined;
  // Every typed text (answers, suggestions, case reports, broadcast notices) passes here: no lone
  // surrogate, whether sent or made by the cut, may reach the state, the store or a reply.
  const text = typeof raw === "string" ? wellFormed(raw.slice(0, MAX_INPUT_LENGTH)) : "";
  const broadcast = parseBroadcastCommand(text, turn.ctx.botName);
  if (broadcast !== undefined) return handleBroadcastCommand(turn, broadcast);
  // While the /broadcast dialogue waits for text, only slash commands are commands ("帮助" may be a notice).
  if (wantsTypedText(turn.s) && !text.trim().startsWith("/")) return handleComposeText(turn, text);
  const command = parseCommand(text, turn.ctx.botName);
  if (command) return handleCommand(turn, command);
  handleText(turn, text);
}

// ---------------------------------------------------------------------------------------------
// Start / deep links
// ---------------------------------------------------------------------------------------------

/** Reads a start parameter: "survey", "lang_en", "en", "zh-TW", "survey_lang_en" … */
function parseStartArg(arg: string | undefined): { lang?: Lang; survey: boolean } {
  if (!arg) return { survey: false };
  const lower = arg.toLowerCase();
  const m = /(?:^|[_\s])(?:lang[-_]?)?(zh[-_](?:cn|tw|hk|hans|hant)|zh|en)(?:$|[_\s])/.exec(lower);
  return { ...(m?.[1] ? { lang: normalizeLang(m[1]) } : {}), survey: /survey|wenjuan|^s$/.test(lower) };
}

function handleStart(turn: Turn, arg: string | undefined): void {
  const { s } = turn;
  const { lang, survey } = parseStartArg(arg);
  if (lang) changeLanguage(turn, lang, false);
  if (s.optedOut) {
    s.optedOut = false;
    emit(turn, { type: "OptedIn" });
    say(turn, "info", "broadcast.opted_in");
  }
  if (s.consent !== "given") {
    if (survey) s.wantsSurvey = true;
    s.mode = "consent";
    send(turn, consentMessage(s.lang, turn.ctx));
    return;
  }
  // A reopened chat (a web page reloaded) shows the re-check question the resident was asked.
  if (!survey && s.mode === "recheck" && s.recheck && !promptRecheck(turn)) return;
  if (s.survey || survey) return enterSurvey(turn);
  s.mode = "menu";
  send(turn, menuMessage(s, turn.ctx.wave));
}

// ---------------------------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------------------------

function handleCommand(turn: Turn, command: Command): void {
  const { s } = turn;
  switch (command.name) {
    case "start":
      return handleStart(turn, command.arg);
    case "menu":
      if (s.mode === "survey" && s.survey) say(turn, "info", "survey.paused");
      pauseRecheck(turn);
      pauseCompose(turn);
      return showMenu(turn);
    case "lang": {
      const lang = command.arg ? parseLanguageChoice(command.arg) : undefined;
      if (lang) return chooseLanguage(turn, lang);
      return openLanguagePicker(turn);
    }
    case "back":
      if (s.mode === "survey" && s.survey) return surveyBack(turn);
      if (s.mode === "language") return leaveLanguagePicker(turn);
      if (s.mode === "privacy" || s.mode === "confirmDeletion" || s.mode === "cases") return showMenu(turn);
      if (s.mode === "tips") return tipsBack(turn) ? undefined : showMenu(turn);
      if (s.mode === "reportCase") return openCases(turn);
      if (s.mode === "rateCase") return leaveRating(turn);
      if (s.mode === "recheck") return recheckBack(turn) ? prompt(turn) : undefined;
      if (s.mode === "compose" && s.compose) return composeBack(turn);
      return prompt(turn);
    case "skip":
      if (s.mode === "survey" && s.survey) return surveySkip(turn);
      if (s.mode === "rateCase") return leaveRating(turn);
      if (s.mode === "recheck") return recheckSkip(turn) ? prompt(turn) : undefined;
      if (s.mode === "compose" && composeSkip(turn)) return;
      say(turn, "info", "survey.nothing_to_skip");
      return prompt(turn);
    case "stop":
      if (s.optedOut) say(turn, "info", "broadcast.already_out");
      else {
        s.optedOut = true;
        emit(turn, { type: "OptedOut" });
        say(turn, "info", "broadcast.opted_out");
      }
      stopRecheck(turn);
      return s.mode === "new" ? undefined : prompt(turn);
    case "subscribe":
      if (!s.optedOut) say(turn, "info", "broadcast.already_in");
      else {
        s.optedOut = false;
        emit(turn, { type: "OptedIn" });
        say(turn, "info", "broadcast.opted_in");
      }
      return s.mode === "new" ? undefined : prompt(turn);
    case "help":
      say(turn, "info", "help.text");
      return prompt(turn);
    case "privacy":
      return openMenuItem(turn, "privacy");
    case "survey":
      return enterSurvey(turn);
    case "unknown":
      say(turn, "error", "command.unknown", { command: command.text });
      return prompt(turn);
  }
}

// ---------------------------------------------------------------------------------------------
// Typed text by mode
// ---------------------------------------------------------------------------------------------

function handleText(turn: Turn, text: string): void {
  const { s } = turn;
  switch (s.mode) {
    case "new":
      s.mode = "consent";
      send(turn, consentMessage(s.lang, turn.ctx));
      return;
    case "consent": {
      const reply = parseConsentReply(text);
      if (reply === "accept") return acceptConsent(turn);
      if (reply === "decline") return declineConsent(turn);
      if (reply === "lang") return openLanguagePicker(turn);
      say(turn, "error", "consent.reprompt");
      send(turn, consentMessage(s.lang, turn.ctx));
      return;
    }
    case "menu": {
      const item = parseMenuChoice(text, s);
      if (item) return openMenuItem(turn, item);
      // "0" is the "open the menu" key offered at the end of the survey.
      if (parseOrdinal(text) === 0) return showMenu(turn);
      say(turn, "error", "menu.reprompt", { max: menuSize(s) });
      return showMenu(turn);
    }
    case "survey":
      if (!s.survey) return showMenu(turn);
      return handleSurveyText(turn, text);
    case "language": {
      const lang = parseLanguageChoice(text);
      if (lang) return chooseLanguage(turn, lang);
      say(turn, "error", "language.reprompt", { max: 3 });
      send(turn, languageMessage(s.lang));
      return;
    }
    case "privacy": {
      const reply = parsePrivacyReply(text, s.phoneShared === true);
      if (reply === "delete") return askDeletion(turn);
      if (reply === "back") return showMenu(turn);
      if (reply === "phone") return removePhone(turn);
      say(turn, "error", s.phoneShared ? "privacy.reprompt_with_phone" : "privacy.reprompt");
      send(turn, privacyMessage(s.lang, s.phoneShared === true));
      return;
    }
    case "confirmDeletion": {
      const yes = parseConfirmReply(text);
      if (yes === true) return deleteData(turn);
      if (yes === false) return keepData(turn);
      say(turn, "error", "privacy.reprompt");
      send(turn, confirmDeletionMessage(s.lang));
      return;
    }
    case "tips": {
      if (!hasTips(turn)) return showMenu(turn);
      const outcome = handleTipsText(turn, text);
      if (outcome === "menu") return showMenu(turn);
      if (outcome === "done") return;
      say(turn, "error", "tips.reprompt", { max: tipsOptionCount(turn) });
      return promptTips(turn);
    }
    case "cases": {
      const choice = parseCasesChoice(text);
      if (choice === "report") return startReport(turn);
      if (choice === "menu") return showMenu(turn);
      say(turn, "error", "cases.reprompt");
      return promptCases(turn);
    }
    case "reportCase":
      if (submitReport(turn, text) === "cancel") return openCases(turn);
      // Received (the resident goes to the menu), or refused (the prompt was repeated).
      if (turn.events.some((e) => e.type === "CaseReported")) showMenu(turn);
      return;
    case "rateCase": {
      const rating = parseRating(text);
      if (rating !== undefined && s.rating) {
        rateCase(turn, s.rating.code, rating);
        return prompt(turn);
      }
      say(turn, "error", "cases.rate_reprompt");
      return prompt(turn);
    }
    case "recheck":
      if (answerRecheckText(turn, text)) prompt(turn);
      return;
    case "compose":
      if (!s.compose) return showMenu(turn);
      return handleComposeText(turn, text);
  }
}

// ---------------------------------------------------------------------------------------------
// Buttons
// ---------------------------------------------------------------------------------------------

function handleButton(turn: Turn, payload: Payload): void {
  const { s } = turn;
  switch (payload.op) {
    case "invalid":
      say(turn, "error", "survey.stale_button");
      return prompt(turn);
    case "menu":
      return openMenuItem(turn, payload.item);
    case "consent":
      if (s.consent === "given") {
        // An old consent message: consent stands (withdrawal is "delete my data").
        return payload.accept ? afterConsent(turn) : staleThenPrompt(turn);
      }
      return payload.accept ? acceptConsent(turn) : declineConsent(turn);
    case "lang":
      return chooseLanguage(turn, payload.lang);
    case "privacy":
      if (payload.action === "del") return askDeletion(turn);
      // Removing the number needs no confirmation: it takes nothing else away and can be given again.
      if (payload.action === "tel") return removePhone(turn);
      if (payload.action === "no") return s.mode === "confirmDeletion" ? keepData(turn) : showMenu(turn);
      // A confirmation from an old message must not delete anything: ask again.
      if (s.mode !== "confirmDeletion") return askDeletion(turn);
      return deleteData(turn);
    case "answer":
    case "done":
    case "skip":
    case "region":
    case "up":
      if (!s.survey) return staleThenPrompt(turn);
      return handleSurveyButton(turn, payload);
    case "tip":
      if (!hasTips(turn)) return staleThenPrompt(turn);
      return openTip(turn, payload.id);
    case "tipRead":
      if (!hasTips(turn)) return staleThenPrompt(turn);
      return readTip(turn, payload.id);
    case "quiz":
      if (!hasTips(turn)) return staleThenPrompt(turn);
      return answerQuiz(turn, payload.id, payload.option, payload.tag);
    case "rateAsk":
      return askRating(turn, payload.code);
    case "rate":
      rateCase(turn, payload.code, payload.rating);
      return prompt(turn);
    case "recheckAnswer":
    case "recheckDecline":
      if (answerRecheckButton(turn, payload)) prompt(turn);
      return;
    case "compose":
    case "composeLang":
    case "composeTip":
    case "composeAudience":
      return handleComposeButton(turn, payload);
  }
}

function staleThenPrompt(turn: Turn): void {
  say(turn, "error", turn.s.mode === "survey" ? "survey.stale_button" : "tips.stale");
  prompt(turn);
}

/** Leaves the rating question unanswered, back to where the resident was. */
function leaveRating(turn: Turn): void {
  const { s } = turn;
  s.mode = s.rating?.returnMode ?? "menu";
  s.rating = undefined;
  prompt(turn);
}

// ---------------------------------------------------------------------------------------------
// Actions
// ---------------------------------------------------------------------------------------------

/** Re-shows whatever the resident is in the middle of. */
function prompt(turn: Turn): void {
  const { s } = turn;
  switch (s.mode) {
    case "new":
    case "consent":
      s.mode = "consent";
      send(turn, consentMessage(s.lang, turn.ctx));
      return;
    case "menu":
      return showMenu(turn);
    case "survey": {
      const active = activeSurvey(turn);
      if (active) askCurrent(turn, active);
      else if (turn.messages.every((m) => m.kind !== "menu")) showMenu(turn);
      return;
    }
    case "language":
      send(turn, languageMessage(s.lang));
      return;
    case "privacy":
      send(turn, privacyMessage(s.lang, s.phoneShared === true));
      return;
    case "confirmDeletion":
      send(turn, confirmDeletionMessage(s.lang));
      return;
    case "tips":
      return hasTips(turn) ? promptTips(turn) : showMenu(turn);
    case "cases":
      return promptCases(turn);
    case "reportCase":
      return promptReport(turn);
    case "rateCase":
      return s.rating ? promptRating(turn) : showMenu(turn);
    case "recheck":
      // Mode `recheck` without a re-check (a hand-edited state): nothing to go back to but the menu.
      if (!s.recheck) return showMenu(turn);
      // An ended (expired) re-check has sent the resident back: show where they are now.
      if (promptRecheck(turn)) prompt(turn);
      return;
    case "compose":
      if (!s.compose) return showMenu(turn);
      return promptCompose(turn);
  }
}

function showMenu(turn: Turn): void {
  turn.s.mode = "menu";
  turn.s.returnMode = undefined;
  turn.s.tip = undefined;
  turn.s.rating = undefined;
  send(turn, menuMessage(turn.s, turn.ctx.wave));
}

function openMenuItem(turn: Turn, item: MenuItem): void {
  const { s } = turn;
  switch (item) {
    case "survey":
      return enterSurvey(turn);
    case "tips":
      if (hasTips(turn)) return showTipList(turn);
      emit(turn, { type: "MenuRequested", item });
      // Without a tip library the runner may replace this first message with the real content.
      say(turn, "info", "menu.tips_placeholder");
      return showMenu(turn);
    case "cases":
      return openCases(turn);
    case "report":
      return startReport(turn);
    case "lang":
      return openLanguagePicker(turn);
    case "privacy":
      s.mode = "privacy";
      send(turn, privacyMessage(s.lang, s.phoneShared === true));
      return;
    case "help":
      say(turn, "info", "help.text");
      return prompt(turn);
    case "menu":
      return showMenu(turn);
    case "recheck":
      if (resumeRecheck(turn)) prompt(turn);
      return;
  }
}

function acceptConsent(turn: Turn): void {
  const { s } = turn;
  s.consent = "given";
  emit(turn, { type: "ConsentGiven" });
  say(turn, "info", "consent.thanks");
  afterConsent(turn);
}

/**
 * After consent: straight into the survey (the consent text invited to it); enterSurvey explains
 * and shows the menu when there is none to take.
 */
function afterConsent(turn: Turn): void {
  enterSurvey(turn);
}

function declineConsent(turn: Turn): void {
  const { s } = turn;
  if (s.consent !== "declined") emit(turn, { type: "ConsentDeclined" });
  s.consent = "declined";
  s.wantsSurvey = undefined;
  s.mode = "menu";
  send(turn, menuMessage(s, turn.ctx.wave, t(s.lang, "consent.declined")));
}

function openLanguagePicker(turn: Turn): void {
  const { s } = turn;
  if (s.mode !== "language") {
    s.returnMode = s.mode === "new" ? "consent" : s.mode;
    s.mode = "language";
  }
  send(turn, languageMessage(s.lang));
}

function leaveLanguagePicker(turn: Turn): void {
  const { s } = turn;
  s.mode = s.returnMode ?? "menu";
  s.returnMode = undefined;
  prompt(turn);
}

/** Switches language (recording the choice) without saying anything. */
function changeLanguage(turn: Turn, lang: Lang, announce: boolean): void {
  const { s } = turn;
  const changed = s.lang !== lang || !s.langChosen;
  s.lang = lang;
  s.langChosen = true;
  if (changed) emit(turn, { type: "LanguageChanged", lang });
  if (announce) say(turn, "info", "language.changed");
}

/** A language was picked: switch, confirm, and go back to what the resident was doing. */
function chooseLanguage(turn: Turn, lang: Lang): void {
  changeLanguage(turn, lang, true);
  if (turn.s.mode === "language") return leaveLanguagePicker(turn);
  prompt(turn);
}

/** "Remove my phone number" (privacy menu): the store forgets it; everything else stays. */
function removePhone(turn: Turn): void {
  withdrawSharedPhone(turn);
  turn.s.mode = "menu";
  send(turn, menuMessage(turn.s, turn.ctx.wave, t(turn.s.lang, "privacy.phone_removed")));
}

/**
 * A contact the platform vouches for as the resident's own: the answer at a phone question;
 * anywhere else it is not kept, and the resident is told so and shown where they are.
 */
function handleContact(turn: Turn, phone: string): void {
  if (handleSurveyContact(turn, phone)) return;
  say(turn, "info", "survey.phone_not_asked");
  // A first contact gets the consent request, like any first message.
  prompt(turn);
}

function askDeletion(turn: Turn): void {
  turn.s.mode = "confirmDeletion";
  send(turn, confirmDeletionMessage(turn.s.lang));
}

function keepData(turn: Turn): void {
  turn.s.mode = "menu";
  send(turn, menuMessage(turn.s, turn.ctx.wave, t(turn.s.lang, "privacy.kept")));
}

/** Deletion confirmed: the runner erases the data; the session starts over (language and opt-out kept). */
function deleteData(turn: Turn): void {
  const { s } = turn;
  emit(turn, { type: "DeletionRequested" });
  const fresh = initialState(s.lang);
  fresh.optedOut = s.optedOut;
  turn.s = fresh;
  say(turn, "info", "privacy.deleted");
}
