/**
 * The staff's /broadcast dialogue: write a notice (in one or more languages, or take a tip from
 * the library), optionally add a picture, choose the recipients, preview with the number of
 * recipients, then send now or at a typed time — or discard it.
 *
 * Officers and admins only ({@link EngineContext.staff}); the draft and the step live in the
 * session ({@link SessionState.compose}). What needs the store comes back the goflow way: the
 * engine emits a request event and waits in a step (`counting`, `sending`); the runner performs
 * it and resumes the engine within the same turn with a `system` input carrying the result
 * (`AudienceCounted` / `AudienceRefused`, `BroadcastScheduled` / `BroadcastRefused`). Sending
 * writes nothing before the turn commits: the request carries a fresh id from the context
 * ({@link EngineContext.newBroadcastId}), the runner only checks it may go out, and the
 * `BroadcastConfirmed` event this emits then is what the turn's commit stores.
 *
 * /menu (or any menu item) pauses the dialogue; /broadcast continues it ("continuing the notice
 * you have not sent yet"); a draft started more than {@link COMPOSE_TTL_MS} ago is forgotten.
 */
import { composeText, langName, MAX_BROADCAST_TEXT, MAX_CAPTION_TEXT, noticeBody, notStaffText } from "./compose-i18n.js";
import type { ComposeKey } from "./compose-i18n.js";
import { formatSendTime, parseSendTime, safeZone } from "./compose-time.js";
import { describeAudience, hasText, offeredTips, optionsOf, tipTitle, typedOption } from "./compose-options.js";
import type { ComposePayload } from "./compose-options.js";
import { decodePayload } from "./payload.js";
import type { AudienceChoice } from "./payload.js";
import { emit, send } from "./turn.js";
import type { Turn } from "./turn.js";
import { COMPOSE_TTL_MS, SUPPORTED_LANGS } from "./types.js";
import type { BroadcastAudience, ComposeProgress, Lang, Mode, OutOption, SessionState, SystemResult } from "./types.js";

/** A region code as typed (anything else is refused without asking the store). */
const REGION_CODE = /^[A-Za-z0-9._-]{1,40}$/;

export type { ComposePayload } from "./compose-options.js";
export { describeAudience } from "./compose-options.js";

type Vars = Record<string, string | number>;

// ---------------------------------------------------------------------------------------------
// Entry points (step.ts)
// ---------------------------------------------------------------------------------------------

/** Is the speaker an officer or admin? */
export function isStaff(turn: Turn): boolean {
  const role = turn.ctx.staff?.role;
  return role === "officer" || role === "admin";
}

/**
 * Before every input: a draft started too long ago, or of someone who is no longer staff, is
 * forgotten (the input then goes to where they were before).
 */
export function tidyCompose(turn: Turn): void {
  const c = turn.s.compose;
  if (!c) return;
  const age = Date.parse(turn.ctx.now) - Date.parse(c.startedAt);
  if (!isStaff(turn) || !(age <= COMPOSE_TTL_MS)) leave(turn);
}

/** "/broadcast …" (also "/broadcast@ThisBot …"): its arguments, or undefined for other text. */
export function parseBroadcastCommand(text: string, botName?: string): string | undefined {
  const m = /^\s*\/broadcast(?:@([A-Za-z0-9_]{1,64}))?(?:\s+([\s\S]*))?$/i.exec(text);
  if (!m) return undefined;
  if (m[1] && botName && m[1].toLowerCase() !== botName.replace(/^@/, "").toLowerCase()) return undefined;
  return (m[2] ?? "").trim();
}

/**
 * `/broadcast` starts a notice or continues the one being written; `/broadcast <text>` starts
 * with that text in the writer's language; `/broadcast cancel` discards it. (Listing and
 * cancelling sent broadcasts are the store's: the runner's staff command answers those.)
 */
export function handleBroadcastCommand(turn: Turn, args: string): void {
  if (!isStaff(turn)) return refuse(turn);
  const [sub, rest] = splitFirst(args);
  switch (sub.toLowerCase()) {
    case "cancel":
    case "取消":
      if (rest === "") return discard(turn);
      return info(turn, "broadcast.help");
    case "list":
    case "列表":
    case "help":
    case "帮助":
    case "幫助":
      return info(turn, "broadcast.help");
  }
  start(turn, args);
}

/** Does the dialogue wait for typed text (so that words like "菜单" are the notice, not a command)? */
export function wantsTypedText(s: SessionState): boolean {
  const step = s.mode === "compose" ? s.compose?.step : undefined;
  return step === "text" || step === "image" || step === "region" || step === "schedule";
}

/** Typed text in mode `compose`. */
export function handleComposeText(turn: Turn, raw: string): void {
  const c = turn.s.compose;
  if (!c) return;
  const typed = raw.trim();
  switch (c.step) {
    case "text": {
      // The options under "please send the notice" (tip library, discard) by their keys.
      const option = optionsOf(turn, c).find((o) => o.key === typed);
      if (option) return pressOption(turn, option);
      return takeText(turn, c, typed);
    }
    case "image":
      return takeImage(turn, c, typed);
    case "region":
      if (!REGION_CODE.test(typed)) return info(turn, "compose.bad_region", { code: typed.slice(0, 100) });
      return requestCount(turn, c, { kind: "region", code: typed });
    case "schedule": {
      const at = parseSendTime(typed, turn.ctx.now, zoneOf(turn));
      if (!at) return info(turn, "compose.bad_time");
      return requestBroadcast(turn, c, at);
    }
    case "counting":
    case "sending":
      return promptCompose(turn);
    default: {
      const option = typedOption(optionsOf(turn, c), typed);
      if (option) return pressOption(turn, option);
      send(turn, { kind: "error", text: composeText(turn.s.lang, "compose.reprompt") });
      return promptCompose(turn);
    }
  }
}

/** A `bc:` button, from the latest message or an older one (a paused draft is resumed). */
export function handleComposeButton(turn: Turn, payload: ComposePayload): void {
  if (!isStaff(turn)) return refuse(turn);
  const c = turn.s.compose;
  if (!c) return info(turn, "compose.nothing");
  enter(turn, c);
  switch (payload.op) {
    case "composeLang":
      return askText(turn, c, payload.lang);
    case "composeTip":
      return chooseTip(turn, c, payload.id);
    case "composeAudience":
      return chooseAudience(turn, c, payload.choice);
    case "compose":
      switch (payload.action) {
        case "cancel":
          return discard(turn);
        case "menu":
          return showComposeMenu(turn, c);
        case "image":
          c.step = "image";
          return info(turn, "compose.ask_image");
        case "tips":
          return listTips(turn, c);
        case "audience":
          return audienceMenu(turn, c);
        case "send":
          return requestBroadcast(turn, c, turn.ctx.now);
        case "schedule":
          if (!hasText(c.draft)) return showComposeMenu(turn, c);
          if (!c.audience) return audienceMenu(turn, c);
          c.step = "schedule";
          return info(turn, "compose.ask_schedule");
      }
  }
}

/**
 * The runner's answer to a request event. Taken only while the dialogue waits for it; anything
 * else (a late or forged result) is ignored without a word.
 */
export function handleSystemInput(turn: Turn, result: SystemResult | undefined): void {
  const c = turn.s.compose;
  if (!c || !result || typeof result !== "object" || !isStaff(turn)) return;
  switch (result.type) {
    case "AudienceCounted": {
      if (c.step !== "counting" || !c.audience) return;
      c.reach = { count: count(result.reach), notReached: count(result.notReached) };
      return preview(turn, c);
    }
    case "AudienceRefused": {
      if (c.step !== "counting") return;
      const refused = c.audience;
      c.audience = undefined;
      c.reach = undefined;
      if (refused?.kind === "region") {
        c.step = "region";
        return info(turn, "compose.bad_region", { code: refused.code });
      }
      c.step = "audience";
      return info(turn, "compose.not_allowed_audience");
    }
    case "BroadcastScheduled": {
      if (c.step !== "sending" || typeof result.broadcastId !== "string" || !c.audience) return;
      // Only for the id this step asked under (when the runner gave one).
      const asked = turn.ctx.newBroadcastId;
      if (asked !== undefined && result.broadcastId !== asked) return;
      // The runner stores the broadcast from this event, in the turn's own commit.
      emit(turn, { type: "BroadcastConfirmed", broadcastId: result.broadcastId, content: structuredClone(c.draft), audience: { ...c.audience }, scheduledAt: result.scheduledAt });
      leave(turn);
      const at = Date.parse(result.scheduledAt);
      if (!(at > Date.parse(turn.ctx.now))) return info(turn, "compose.sending", { id: result.broadcastId });
      return info(turn, "compose.scheduled", { id: result.broadcastId, at: formatSendTime(result.scheduledAt, zoneOf(turn)) });
    }
    case "BroadcastRefused":
      if (c.step !== "sending") return;
      c.step = "preview";
      return info(turn, result.reason === "not-allowed" ? "compose.not_allowed_audience" : "compose.failed");
  }
}

/** Re-shows where the dialogue is (after /help, the language picker, an unclear reply …). */
export function promptCompose(turn: Turn): void {
  const c = turn.s.compose;
  if (!c) return;
  switch (c.step) {
    case "text":
      return askText(turn, c, c.lang ?? turn.s.lang);
    case "menu":
      return showComposeMenu(turn, c);
    case "tips":
      return listTips(turn, c);
    case "image":
      return info(turn, "compose.ask_image");
    case "audience":
      return audienceMenu(turn, c);
    case "region":
      return info(turn, "compose.ask_region");
    case "counting":
      // Still waiting for the count (the runner could not give it): ask again.
      return c.audience ? requestCount(turn, c, c.audience) : audienceMenu(turn, c);
    case "preview":
      return preview(turn, c);
    case "schedule":
      return info(turn, "compose.ask_schedule");
    case "sending":
      // Never sent on an old request: the staff member confirms again.
      return preview(turn, c);
  }
}

/** /back: to "what next?" (from there, the same again). */
export function composeBack(turn: Turn): void {
  const c = turn.s.compose;
  if (!c) return;
  if (c.step === "text" && !hasText(c.draft)) return askText(turn, c, c.lang ?? turn.s.lang);
  showComposeMenu(turn, c);
}

/** /skip: no picture (at the picture step); nothing to skip elsewhere. Returns false when nothing was skipped. */
export function composeSkip(turn: Turn): boolean {
  const c = turn.s.compose;
  if (!c || c.step !== "image") return false;
  showComposeMenu(turn, c);
  return true;
}

/** /menu while writing: says how to continue (the caller shows the menu; the draft stays). */
export function pauseCompose(turn: Turn): void {
  if (turn.s.mode === "compose" && turn.s.compose) info(turn, "compose.paused");
}

// ---------------------------------------------------------------------------------------------
// Steps
// ---------------------------------------------------------------------------------------------

function start(turn: Turn, text: string): void {
  const { s, ctx } = turn;
  const c: ComposeProgress = s.compose ?? { step: "text", lang: s.lang, draft: { text: {} }, startedAt: ctx.now, returnMode: "menu" };
  s.compose = c;
  enter(turn, c);
  if (text !== "") {
    // "/broadcast <text>": the notice in the writer's language, whatever step the draft was at.
    c.step = "text";
    c.lang = s.lang;
    return takeText(turn, c, text);
  }
  // A fresh draft has no text: only a draft written before is "continued".
  if (hasText(c.draft)) return showComposeMenu(turn, c, "compose.resumed");
  askText(turn, c, s.lang);
}

function discard(turn: Turn): void {
  if (!turn.s.compose) return info(turn, "compose.nothing");
  leave(turn);
  info(turn, "compose.cancelled");
}

function takeText(turn: Turn, c: ComposeProgress, typed: string): void {
  const textLang = c.lang ?? turn.s.lang;
  if (typed === "") return askText(turn, c, textLang);
  const max = c.draft.image ? MAX_CAPTION_TEXT : MAX_BROADCAST_TEXT;
  if ([...typed].length > max) return info(turn, "compose.too_long", { max });
  c.draft.text[textLang] = typed;
  // A typed text replaces a chosen tip: the notice is no longer the library's.
  delete c.draft.tipId;
  showComposeMenu(turn, c, "compose.saved_text", { lang: langName(turn.s.lang, textLang) });
}

function takeImage(turn: Turn, c: ComposeProgress, typed: string): void {
  if (isSkip(typed)) return showComposeMenu(turn, c);
  if (!/^https?:\/\/[^\s]{3,500}$/i.test(typed)) return info(turn, "compose.bad_image");
  if (Object.values(c.draft.text).some((body) => body !== undefined && [...body].length > MAX_CAPTION_TEXT)) {
    return info(turn, "compose.image_text_too_long", { max: MAX_CAPTION_TEXT });
  }
  c.draft.image = typed;
  showComposeMenu(turn, c, "compose.image_saved");
}

function askText(turn: Turn, c: ComposeProgress, textLang: Lang): void {
  c.step = "text";
  c.lang = textLang;
  const lang = turn.s.lang;
  send(turn, { kind: "menu", text: composeText(lang, "compose.ask_text", { lang: langName(lang, textLang), max: MAX_BROADCAST_TEXT }), options: optionsOf(turn, c) });
}

function showComposeMenu(turn: Turn, c: ComposeProgress, lead?: ComposeKey, vars?: Vars): void {
  c.step = "menu";
  if (lead) info(turn, lead, vars);
  send(turn, { kind: "menu", text: composeText(turn.s.lang, hasText(c.draft) ? "compose.menu" : "compose.empty"), options: optionsOf(turn, c) });
}

function listTips(turn: Turn, c: ComposeProgress): void {
  if (offeredTips(turn).length === 0) return info(turn, "compose.no_tips");
  c.step = "tips";
  send(turn, { kind: "menu", text: composeText(turn.s.lang, "compose.tips_header"), options: optionsOf(turn, c) });
}

function chooseTip(turn: Turn, c: ComposeProgress, id: string): void {
  const tip = offeredTips(turn).find((t) => t.id === id);
  if (!tip) return listTips(turn, c);
  c.draft = { text: { ...tip.text }, tipId: tip.id, ...(c.draft.image ? { image: c.draft.image } : {}) };
  showComposeMenu(turn, c, "compose.tip_chosen", { title: tipTitle(tip, turn.s.lang) });
}

function audienceMenu(turn: Turn, c: ComposeProgress): void {
  if (!hasText(c.draft)) return showComposeMenu(turn, c);
  c.step = "audience";
  send(turn, { kind: "menu", text: composeText(turn.s.lang, "compose.audience"), options: optionsOf(turn, c) });
}

function chooseAudience(turn: Turn, c: ComposeProgress, choice: AudienceChoice): void {
  if (!hasText(c.draft)) return showComposeMenu(turn, c);
  if (choice === "r") {
    c.step = "region";
    return info(turn, "compose.ask_region");
  }
  if (choice === "e" && turn.ctx.staff?.role !== "admin") return info(turn, "compose.not_allowed_audience");
  requestCount(turn, c, choice === "h" ? { kind: "households" } : choice === "u" ? { kind: "unfinished" } : { kind: "everyone" });
}

/** Asks the runner how many the audience reaches; the preview follows with its answer. */
function requestCount(turn: Turn, c: ComposeProgress, audience: BroadcastAudience): void {
  c.audience = audience;
  c.reach = undefined;
  c.step = "counting";
  emit(turn, { type: "AudienceCountRequested", audience: { ...audience } });
}

function preview(turn: Turn, c: ComposeProgress): void {
  const { audience, reach } = c;
  if (!audience || !reach) return audienceMenu(turn, c);
  c.step = "preview";
  const lang = turn.s.lang;
  info(turn, "compose.preview", { count: reach.count, skipped: reach.notReached, audience: describeAudience(audience, lang) });
  const shown = noticeBody(c.draft, lang, { imageAsLink: true });
  if (shown) send(turn, { kind: "info", text: `${shown.text}\n\n[${composeText(shown.lang, "notice.read_button")}]` });
  const others = SUPPORTED_LANGS.filter((l) => c.draft.text[l] && l !== shown?.lang);
  if (others.length > 0) info(turn, "compose.preview_langs", { langs: others.map((l) => langName(lang, l)).join(", ") });
  send(turn, { kind: "menu", text: composeText(lang, "compose.confirm"), options: optionsOf(turn, c) });
}

/**
 * Asks the runner whether the broadcast may go out, under the context's fresh id; the confirmation
 * follows with its answer (and `BroadcastConfirmed`, which stores it with the turn).
 */
function requestBroadcast(turn: Turn, c: ComposeProgress, scheduledAt: string): void {
  if (!hasText(c.draft)) return showComposeMenu(turn, c);
  if (!c.audience) return audienceMenu(turn, c);
  c.step = "sending";
  const id = turn.ctx.newBroadcastId;
  emit(turn, { type: "BroadcastRequested", ...(typeof id === "string" ? { broadcastId: id } : {}), content: structuredClone(c.draft), audience: { ...c.audience }, scheduledAt });
}

function pressOption(turn: Turn, option: OutOption): void {
  const payload = decodePayload(option.payload);
  if (payload.op === "compose" || payload.op === "composeLang" || payload.op === "composeTip" || payload.op === "composeAudience") handleComposeButton(turn, payload);
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/** Into the dialogue (from wherever the staff member is, which is where they go back to afterwards). */
function enter(turn: Turn, c: ComposeProgress): void {
  const { s } = turn;
  if (s.mode === "compose") return;
  c.returnMode = returnModeOf(s);
  if (s.mode === "language") s.returnMode = undefined;
  s.mode = "compose";
}

function returnModeOf(s: SessionState): Mode {
  const mode = s.mode === "language" ? (s.returnMode ?? "menu") : s.mode;
  return mode === "compose" || mode === "language" ? "menu" : mode;
}

/** Ends the dialogue (sent, discarded or forgotten): back to where the staff member was. */
function leave(turn: Turn): void {
  const { s } = turn;
  const back = s.compose?.returnMode ?? "menu";
  if (s.mode === "compose") s.mode = back;
  else if (s.mode === "language" && s.returnMode === "compose") s.returnMode = back;
  if (s.recheck?.returnMode === "compose") s.recheck.returnMode = back;
  if (s.rating?.returnMode === "compose") s.rating.returnMode = back;
  s.compose = undefined;
}

function refuse(turn: Turn): void {
  send(turn, { kind: "error", text: notStaffText(turn.s.lang) });
}

function info(turn: Turn, key: ComposeKey, vars?: Vars): void {
  send(turn, { kind: "info", text: composeText(turn.s.lang, key, vars) });
}

function zoneOf(turn: Turn): string {
  return safeZone(turn.ctx.timeZone);
}

function count(n: unknown): number {
  return typeof n === "number" && Number.isFinite(n) && n > 0 ? Math.floor(n) : 0;
}

function isSkip(text: string): boolean {
  return /^(跳过|跳過|skip|不要|no|none|无|無|0)$/i.test(text.trim());
}

function splitFirst(text: string): [string, string] {
  const trimmed = text.trim();
  const at = trimmed.search(/\s/);
  return at < 0 ? [trimmed, ""] : [trimmed.slice(0, at), trimmed.slice(at + 1).trim()];
}
