/**
 * Public types of the Anxin dialogue engine.
 *
 * Everything here is plain JSON data (no classes, no Dates, no functions inside values) so that
 * the runner can store it, log it and ship it between processes unchanged. The engine itself is a
 * pure function: {@link StepFunction}.
 *
 * This file is the contract other modules code against: change it only additively.
 */

// ---------------------------------------------------------------------------------------------
// Languages
// ---------------------------------------------------------------------------------------------

/** A language the bot speaks. zh-CN = Simplified Chinese, zh-TW = Traditional Chinese. */
export type Lang = "zh-CN" | "zh-TW" | "en";

/** All languages the bot speaks, in the order the language picker lists them. */
export const SUPPORTED_LANGS: readonly Lang[] = ["zh-CN", "zh-TW", "en"];

/** Type guard: is `value` one of {@link SUPPORTED_LANGS}? */
export function isLang(value: unknown): value is Lang {
  return value === "zh-CN" || value === "zh-TW" || value === "en";
}

/**
 * Maps a platform language code (Telegram `language_code`, browser `navigator.language`,
 * WeChat `language`) to a supported language.
 *
 * zh-Hant / zh-TW / zh-HK / zh-MO → zh-TW; any other zh* → zh-CN; en* → en; anything else
 * (including nothing) → zh-CN, the language of most residents.
 */
export function normalizeLang(platformCode?: string): Lang {
  if (typeof platformCode !== "string") return "zh-CN";
  const code = platformCode.trim().toLowerCase().replace(/_/g, "-");
  if (code.startsWith("zh")) {
    // Script beats region: zh-Hant-CN is still Traditional, zh-Hans-HK still Simplified.
    if (/(^|-)hant(-|$)/.test(code)) return "zh-TW";
    if (/(^|-)hans(-|$)/.test(code)) return "zh-CN";
    if (/(^|-)(tw|hk|mo)(-|$)/.test(code)) return "zh-TW";
    return "zh-CN";
  }
  if (code.startsWith("en")) return "en";
  return "zh-CN";
}

/**
 * A text in several languages, keyed by language code. A questionnaire declares which languages
 * it must carry ({@link QuestionnaireDefinition.languages}); a missing entry for a declared
 * language is a load-time error.
 */
export type LocalizedText = Partial<Record<Lang, string>>;

// ---------------------------------------------------------------------------------------------
// Questionnaire definitions (the YAML file format; XLSForm-friendly, snake_case keys)
// ---------------------------------------------------------------------------------------------

/** One answer option of a `single`, `multiple` or `scale5` question. */
export interface OptionDefinition {
  /** Stable id stored in answers and used in expressions: 1–32 chars of `A-Za-z0-9_.-`. */
  id: string;
  /** What the resident sees. */
  label: LocalizedText;
  /** "Other, please specify": after picking it the engine asks for a short text. */
  specify?: boolean;
  /** `multiple` only: picking it clears every other option ("none of these"), and vice versa. */
  exclusive?: boolean;
  /** `scale5` only: `false` = an extra option, not a level ("don't know"): no score, not in rates. */
  valid?: boolean;
  /** `single`/`multiple`: offered only while this expression over earlier answers is true (choice_filter). */
  relevant?: string;
}

/** A titled group of questions (XLSForm `begin_group`). */
export interface SectionDefinition {
  /** Id referenced by {@link QuestionBase.section}. */
  id: string;
  /** Shown as a short info line when the first question of the section is asked. */
  title: LocalizedText;
}

/** Fields every question type has. */
export interface QuestionBase {
  /** Stable id: `^[a-z][a-z0-9_]{0,31}$`. Used in answers, events and expressions. */
  id: string;
  /** Id of a {@link SectionDefinition}. */
  section?: string;
  /** The question text. */
  label: LocalizedText;
  /** Extra explanation shown under the question. */
  hint?: LocalizedText;
  /**
   * The question as an officer reads it out at a household visit ({@link EngineContext.interviewer}):
   * second person, spoken wording. Default: the label.
   */
  read_aloud?: LocalizedText;
  /** Default true (a `note` is never required). */
  required?: boolean;
  /** Re-prompt shown when the resident tries to skip a required question. */
  required_message?: LocalizedText;
  /** Expression over earlier answers; the question is asked only while it is true. */
  relevant?: string;
}

/** Pick exactly one option. Answer: `{ kind: "choice" }`. */
export interface SingleQuestion extends QuestionBase {
  type: "single";
  options: OptionDefinition[];
}

/** Pick several options (toggles + Done). Answer: `{ kind: "choices" }`. */
export interface MultipleQuestion extends QuestionBase {
  type: "multiple";
  options: OptionDefinition[];
  /** Fewest selections accepted; default 1 when required, 0 when optional. */
  min?: number;
  /** Most selections accepted; default: the number of options. */
  max?: number;
}

/**
 * Five ordered levels, best first (e.g. very safe … unsafe), plus optional extra options marked
 * `valid: false` ("don't know"). Answer: `{ kind: "choice" }`.
 */
export interface Scale5Question extends QuestionBase {
  type: "scale5";
  /** Exactly five options without `valid: false`, top → bottom, then any invalid extras. */
  options: OptionDefinition[];
  /** Index score of each of the five valid levels; default [100, 80, 60, 40, 20]. */
  scores?: number[];
  /** How many top levels count as "positive" in a rate; default 3. */
  rate_top?: number;
}

/** Yes / no. Answer: `{ kind: "bool" }`; in expressions the value reads as 'yes' or 'no'. */
export interface YesNoQuestion extends QuestionBase {
  type: "yesno";
  /** Override of the default "Yes" label. */
  yes_label?: LocalizedText;
  /** Override of the default "No" label. */
  no_label?: LocalizedText;
}

/** A number typed by the resident. Answer: `{ kind: "number" }`. */
export interface NumberQuestion extends QuestionBase {
  type: "number";
  min?: number;
  max?: number;
  /** Default true: decimals are refused. */
  integer?: boolean;
  /** Expression with `.` = the typed number; the answer is refused while it is false. */
  constraint?: string;
  /** Shown when `constraint` refuses an answer. */
  constraint_message?: LocalizedText;
}

/** Free text. Answer: `{ kind: "text" }`. */
export interface TextQuestion extends QuestionBase {
  type: "text";
  /** Longest text accepted, in characters; default 500. */
  max_length?: number;
  /** Expression with `.` = the typed text. */
  constraint?: string;
  /** Shown when `constraint` refuses an answer. */
  constraint_message?: LocalizedText;
  /** The engine also emits `SuggestionSubmitted` for this answer (read by the office). */
  suggestion?: boolean;
}

/** Cascading pick through {@link EngineContext.regions}. Answer: `{ kind: "region" }`. */
export interface RegionQuestion extends QuestionBase {
  type: "region";
  /** How many levels down to go (1 = a top-level region suffices); default 1. */
  depth?: number;
}

/** Text shown before the next question; takes no answer. */
export interface NoteQuestion extends QuestionBase {
  type: "note";
}

/**
 * A telephone number the resident may leave for the survey's telephone spot checks (a verifier
 * calls back to check a few answers). Always optional: the resident may skip it. The number is
 * never an answer of the response: the engine emits `PhoneShared` (the runner stores it as the
 * resident's phone), so exports, statistics and re-checks never see it. At most one per
 * questionnaire. See core/engine/phone.ts for the numbers accepted.
 */
export interface PhoneQuestion extends QuestionBase {
  type: "phone";
  /** Never true: giving a number is voluntary. */
  required?: false;
  /** Not used: the question is never required. */
  required_message?: undefined;
}

/** Any question of a questionnaire. */
export type QuestionDefinition =
  | SingleQuestion
  | MultipleQuestion
  | Scale5Question
  | YesNoQuestion
  | NumberQuestion
  | TextQuestion
  | RegionQuestion
  | NoteQuestion
  | PhoneQuestion;

/** The names of the question types. */
export type QuestionType = QuestionDefinition["type"];

/** A questionnaire as written in YAML (or produced by the XLSForm importer). */
export interface QuestionnaireDefinition {
  /** Stable id, e.g. `public-safety`: `^[a-z0-9][a-z0-9_-]{0,39}$`. */
  id: string;
  /** Positive integer; bump it for any change once a wave has used the questionnaire. */
  version: number;
  title: LocalizedText;
  /** Languages every label must be given in; the first is the fallback. */
  languages: Lang[];
  /** Shown once when a resident starts the survey; `{{questions}}` in it becomes the number of questions asked. */
  intro?: LocalizedText;
  /** Shown when a resident completes the survey (a default thank-you otherwise). */
  outro?: LocalizedText;
  sections?: SectionDefinition[];
  /** Asked in this order (subject to `relevant`). */
  questions: QuestionDefinition[];
}

/**
 * A validated questionnaire. `checksum` = lowercase hex sha256 of the canonical JSON (keys sorted,
 * no whitespace) of the validated definition, computed by a pure JS sha256 at validation time;
 * YAML comments, formatting and key order do not change it.
 */
export interface Questionnaire extends QuestionnaireDefinition {
  checksum: string;
}

// ---------------------------------------------------------------------------------------------
// Regions
// ---------------------------------------------------------------------------------------------

/** A node of the region tree (district → town/street → village/community …). */
export interface RegionNode {
  /** Stable code (e.g. an administrative division code). */
  code: string;
  /** One name for all languages, or a name per language. */
  name: string | LocalizedText;
  children?: RegionNode[];
}

// ---------------------------------------------------------------------------------------------
// Safety tips
// ---------------------------------------------------------------------------------------------

/** One answer option of a tip's quiz question. */
export interface TipQuizOption {
  /** Stable id stored with the answer: 1-16 chars of `a-z0-9_-`. */
  id: string;
  label: LocalizedText;
  /** Exactly one option of a quiz is correct. */
  correct: boolean;
}

/** The optional one-question quiz after a tip: did the resident take the point in? */
export interface TipQuiz {
  question: LocalizedText;
  /** 2-4 options, exactly one `correct`. */
  options: TipQuizOption[];
  /** Why the correct answer is correct; shown after any answer. */
  explanation: LocalizedText;
}

/**
 * A safety tip as the engine shows it (the tip library in core/tips validates and supplies
 * these through {@link EngineContext.tips}).
 */
export interface TipContent {
  /** Stable id: `^[a-z0-9][a-z0-9-]{0,27}$` (it goes into button payloads). */
  id: string;
  /** Short: it is the button label in the list of tips. */
  title: LocalizedText;
  text: LocalizedText;
  quiz?: TipQuiz;
}

// ---------------------------------------------------------------------------------------------
// Answers
// ---------------------------------------------------------------------------------------------

/**
 * A recorded answer. One variant per question type family:
 * - `choice`: `single` and `scale5` (option id; `other` = the "please specify" text)
 * - `choices`: `multiple` (option ids in definition order)
 * - `number`: `number`
 * - `text`: `text`
 * - `bool`: `yesno`
 * - `region`: `region` (`code` = picked node, `path` = codes from the top level down to it)
 */
export type AnswerValue =
  | { kind: "choice"; option: string; other?: string }
  | { kind: "choices"; options: string[]; other?: string }
  | { kind: "number"; value: number }
  | { kind: "text"; value: string }
  | { kind: "bool"; value: boolean }
  | { kind: "region"; code: string; path: string[] };

// ---------------------------------------------------------------------------------------------
// Input and output
// ---------------------------------------------------------------------------------------------

/**
 * What the resident did. Commands ("/menu", "菜单", …) arrive as `text`; the engine parses them.
 * `start` is first contact or a deep link (`arg` = the start parameter, e.g. "survey", "lang_en").
 */
export type Input =
  | { kind: "text"; text: string }
  | { kind: "button"; payload: string }
  | { kind: "start"; arg?: string }
  /**
   * The office's re-check service acting on the resident's behalf (never an adapter):
   * `start` asks the questions of `request`; `resend` asks the open re-check's current question
   * again (its first message never arrived); `withdraw` puts the resident back where they were,
   * keeping the re-check paused (the message with the question could not be delivered).
   */
  | { kind: "recheck"; action: "start" | "resend" | "withdraw"; request: RecheckRequest }
  /**
   * A telephone number the platform vouches for as the resident's own (Telegram's "share my phone
   * number" button: a contact whose user id is the sender's). Read only as the answer to a phone
   * question; anywhere else it is declined and nothing is kept.
   */
  | { kind: "contact"; phone: string }
  /**
   * The result of I/O the engine asked for with a request event ({@link EngineRequestEvent}),
   * handed back by the runner within the same turn (never by an adapter).
   */
  | { kind: "system"; result: SystemResult };

/** What the runner found out for a request event; see {@link EngineRequestEvent}. */
export type SystemResult =
  /** `AudienceCountRequested`: how many would receive the broadcast now, and how many not (opted out, unreachable). */
  | { type: "AudienceCounted"; reach: number; notReached: number }
  /** `AudienceCountRequested`: the staff member may not address it, or the region does not exist. */
  | { type: "AudienceRefused"; reason: "not-allowed" | "unknown-region" }
  /**
   * `BroadcastRequested`: it may go out (due now or at `scheduledAt`, ISO 8601) under `broadcastId`
   * (the request's); the dialogue then emits `BroadcastConfirmed`, which stores it with the turn.
   */
  | { type: "BroadcastScheduled"; broadcastId: string; scheduledAt: string }
  /** `BroadcastRequested`: refused (the audience is no longer allowed) or the store failed. */
  | { type: "BroadcastRefused"; reason: "not-allowed" | "failed" };

/**
 * A re-check of a completed questionnaire (survey quality control: a sample of completed
 * questionnaires is verified): a few of the resident's closed questions asked again. Built by
 * core/admin/spot-check-chat.ts from the stored answers.
 */
export interface RecheckRequest {
  /** The spot check this re-check settles. */
  spotCheckId: string;
  /** The questionnaire of the response (id and version as in {@link EngineContext.questionnaire}). */
  questionnaireId: string;
  version: number;
  /** The questions to ask again, in asking order, with the answers the survey stored. */
  questions: RecheckQuestion[];
  /** ISO 8601: replies after this are no longer taken. */
  expiresAt: string;
}

/** One question of a re-check and the answer the survey stored for it. */
export interface RecheckQuestion {
  id: string;
  original: AnswerValue;
}

/** What the re-check asked, what the survey stored and what the resident answered now. */
export interface RecheckItem {
  questionId: string;
  original: AnswerValue;
  answer: AnswerValue;
  /** The new answer says the same as the stored one. */
  same: boolean;
}

/** One choice offered with a message; adapters render buttons or numbered lines. */
export interface OutOption {
  /** What the resident can type instead of tapping: "1", "2", …; "0" for Done / Skip. */
  key: string;
  /** Button text (plain text). */
  label: string;
  /** Engine-defined, compact, at most 40 ASCII bytes; see `core/engine/payload.ts`. */
  payload: string;
  /** Multiple choice: this option is currently ticked. */
  selected?: boolean;
  /** The label's language when it is not the resident's (the language picker's names). */
  lang?: Lang;
  /** The way on (consent's "I agree", Done, the menu after the end): surfaces may keep it in view. */
  primary?: boolean;
}

/**
 * One message to the resident. Plain text only (adapters escape).
 * - `question`: a survey question (`questionId`, `progress` set; the text already shows "3/18")
 * - `menu`: anything else with options (main menu, consent, language picker, confirmations)
 * - `info`: plain information
 * - `error`: why an input was refused; always followed by the re-asked question or menu
 */
export interface OutMessage {
  kind: "question" | "info" | "error" | "menu";
  text: string;
  options?: OutOption[];
  /** Options are toggles; the resident finishes with the Done option. */
  multi?: boolean;
  /** Multiple choice: how many options are ticked, and the most that may be (when fewer than all). */
  selection?: { count: number; max?: number };
  /** Replace the last question message in place (multiple-choice toggles, region levels). */
  editsPrevious?: boolean;
  /** 1-based position among the questions asked, of those the response can still ask (never grows). */
  progress?: { index: number; total: number };
  questionId?: string;
  /** A `phone` question: adapters may offer a way to share one (Telegram's contact button, a keypad). */
  expects?: "phone";
  /** The reader just became (or already is) staff: surfaces with staff pages link to them. */
  staffEntry?: "officer" | "admin";
}

// ---------------------------------------------------------------------------------------------
// Events (facts for the runner to persist; all JSON-serializable)
// ---------------------------------------------------------------------------------------------

/** Something the runner must record. Emitted in the order they happened. */
export type EngineEvent =
  | { type: "ConsentGiven" }
  | { type: "ConsentDeclined" }
  | { type: "ResponseStarted"; waveId: string; questionnaireId: string; version: number }
  /** A new or changed answer; the latest one for a question wins. */
  | { type: "AnswerRecorded"; waveId: string; questionId: string; value: AnswerValue }
  /** An earlier answer no longer stands (changed after /back, skipped, or became irrelevant). */
  | { type: "AnswerRetracted"; waveId: string; questionId: string }
  /** An optional question was skipped (item non-response, distinct from "never reached"). */
  | { type: "QuestionSkipped"; waveId: string; questionId: string }
  | { type: "ResponseCompleted"; waveId: string }
  /**
   * An unfinished response can no longer be finished: its wave closed or was replaced by another.
   * Answers recorded so far stay as they are.
   */
  | { type: "ResponseAbandoned"; waveId: string; reason: "wave-closed" | "wave-changed" }
  | { type: "SuggestionSubmitted"; waveId: string; questionId: string; text: string }
  /**
   * The resident left a telephone number at a phone question (canonical form, core/engine/phone.ts)
   * for the survey's telephone spot checks. It is the resident's, not an answer of the response:
   * the runner stores it as `Resident.phone`, replacing any earlier one.
   */
  | { type: "PhoneShared"; waveId: string; questionId: string; phone: string }
  /** The resident asked us not to keep their telephone number ("none" at the question, or the privacy menu). */
  | { type: "PhoneWithdrawn" }
  | { type: "LanguageChanged"; lang: Lang }
  /** The resident confirmed "delete my data"; the runner erases it. */
  | { type: "DeletionRequested" }
  | { type: "OptedOut" }
  | { type: "OptedIn" }
  /** The resident opened a menu item a later feature fills; the runner may replace the reply. */
  | { type: "MenuRequested"; item: "tips" | "cases" }
  /** The resident tapped "I've read it" under a safety tip. */
  | { type: "TipRead"; tipId: string }
  /**
   * The resident answered a tip's quiz (`option` = option id). Emitted for every answer; the
   * first answer of a resident to a tip is the one that counts for the awareness rate.
   */
  | { type: "QuizAnswered"; tipId: string; option: string; correct: boolean }
  /** The resident reported a concern: a case with status "received" and this code is to be created. */
  | { type: "CaseReported"; code: string; text: string }
  /**
   * The staff member was told their broadcast goes out (`BroadcastScheduled`): it is to be stored,
   * scheduled for `scheduledAt`, with this id — in this turn's commit, never before.
   */
  | { type: "BroadcastConfirmed"; broadcastId: string; content: BroadcastDraft; audience: BroadcastAudience; scheduledAt: string }
  /** The resident rated how a closed case was handled, 1 (very dissatisfied) … 5 (very satisfied). */
  | { type: "CaseRated"; code: string; rating: number }
  /** A re-check was started: its questions were put to the resident. */
  | { type: "RecheckStarted"; spotCheckId: string; questions: RecheckQuestion[]; expiresAt: string }
  /** The resident answered every question of a re-check; `consistent` = every answer is the same. */
  | { type: "RecheckCompleted"; spotCheckId: string; questionnaireId: string; version: number; items: RecheckItem[]; consistent: boolean }
  /** The resident declined the re-check (`opted-out`: by sending /stop while it was open). */
  | { type: "RecheckDeclined"; spotCheckId: string; reason: "declined" | "opted-out" }
  /**
   * A re-check could not be started. `busy`: another re-check of this resident is open (try later);
   * the other reasons are final.
   */
  | { type: "RecheckRefused"; spotCheckId: string; reason: RecheckRefusal }
  | EngineRequestEvent;

/**
 * Events that ask the runner for I/O the dialogue waits for (goflow style): the engine stops in a
 * waiting step; the runner performs the request and resumes the engine at once, within the same
 * turn, with a `{ kind: "system" }` input carrying the result.
 * - `AudienceCountRequested` → `AudienceCounted` or `AudienceRefused` (the /broadcast preview)
 * - `BroadcastRequested` → `BroadcastScheduled` or `BroadcastRefused` (may it go out under
 *   `broadcastId` — {@link EngineContext.newBroadcastId} — for `scheduledAt`? due now = send now).
 *   The runner only checks; nothing is written until the turn commits `BroadcastConfirmed`.
 */
export type EngineRequestEvent =
  | { type: "AudienceCountRequested"; audience: BroadcastAudience }
  | { type: "BroadcastRequested"; broadcastId?: string; content: BroadcastDraft; audience: BroadcastAudience; scheduledAt: string };

/** The `type` names of {@link EngineRequestEvent}. */
export const REQUEST_EVENT_TYPES: readonly EngineRequestEvent["type"][] = ["AudienceCountRequested", "BroadcastRequested"];

/** Does this event ask the runner for I/O and a `system` input with its result? */
export function isRequestEvent(event: EngineEvent): event is EngineRequestEvent {
  return (REQUEST_EVENT_TYPES as readonly string[]).includes(event.type);
}

// ---------------------------------------------------------------------------------------------
// Broadcasts (the staff's /broadcast dialogue, compose.ts)
// ---------------------------------------------------------------------------------------------

/** What a broadcast says (as composed; the store keeps it as Broadcast.content). */
export interface BroadcastDraft {
  /** The text in each language it was written in (at least one before it is sent). */
  text: LocalizedText;
  /** An http(s) image address, shown with the text where the channel can (a link elsewhere). */
  image?: string;
  /** The library tip it carries (the text is a copy taken when it was chosen). */
  tipId?: string;
}

/**
 * Whom a broadcast goes to, as the staff member chose it; the runner's outreach hook resolves it
 * to residents (and checks the staff member may address it).
 * - `households`: the author's own households
 * - `unfinished`: who has not finished the survey (among an officer's households; everyone's for admins)
 * - `everyone`: all residents (admins only)
 * - `region`: residents of the region with this code (inside an officer's own area)
 */
export type BroadcastAudience = { kind: "households" } | { kind: "unfinished" } | { kind: "everyone" } | { kind: "region"; code: string };

/** A tip the /broadcast dialogue offers (the library's id, title and text). */
export interface BroadcastTip {
  id: string;
  title: LocalizedText;
  text: LocalizedText;
}

/** The speaker is staff: what the /broadcast dialogue needs to know about them. */
export interface StaffContext {
  role: "officer" | "admin";
  /** Tips offered for broadcasts; default: {@link EngineContext.tips}. */
  tips?: readonly BroadcastTip[];
}

/**
 * Where the /broadcast dialogue stands ({@link ComposeProgress}): waiting for the notice's `text`
 * (in `lang`), "what next?" (`menu`), the library's `tips`, waiting for an `image` address, the
 * `audience` choice, waiting for a `region` code, waiting for the runner's count (`counting`), the
 * `preview` (send now / later / edit / discard), waiting for a time (`schedule`), waiting for the
 * runner to store and schedule it (`sending`).
 */
export type ComposeStep = "text" | "menu" | "tips" | "image" | "audience" | "region" | "counting" | "preview" | "schedule" | "sending";

/** Why a re-check could not be started (see the `RecheckRefused` event). */
export type RecheckRefusal = "busy" | "opted-out" | "no-consent" | "expired" | "invalid";

/** The `type` names of {@link EngineEvent}. */
export type EngineEventType = EngineEvent["type"];

// ---------------------------------------------------------------------------------------------
// Session state
// ---------------------------------------------------------------------------------------------

/**
 * What the resident is doing right now.
 * - `new`: never talked to us (or data deleted)
 * - `consent`: shown the consent text, waiting for accept / decline
 * - `menu`: at (or returned to) the main menu
 * - `survey`: answering {@link SessionState.survey}
 * - `language`: shown the language picker
 * - `privacy`: shown the privacy text with "delete my data"
 * - `confirmDeletion`: asked to confirm deletion
 * - `tips`: the safety tips: the list, or a tip ({@link SessionState.tip})
 * - `cases`: "My cases" (report a concern / back to the menu)
 * - `reportCase`: asked to describe a concern in a few words
 * - `rateCase`: asked to rate how a closed case was handled ({@link SessionState.rating})
 * - `recheck`: answering a re-check of a completed questionnaire ({@link SessionState.recheck})
 * - `compose`: a staff member writing a broadcast ({@link SessionState.compose})
 */
export type Mode =
  | "new"
  | "consent"
  | "menu"
  | "survey"
  | "language"
  | "privacy"
  | "confirmDeletion"
  | "tips"
  | "cases"
  | "reportCase"
  | "rateCase"
  | "recheck"
  | "compose";

/** Where a resident is in one safety tip: reading it, answering its quiz, or seen the explanation. */
export interface TipProgress {
  id: string;
  stage: "reading" | "quiz" | "explained";
}

/** The closed case a resident is asked to rate, and the mode to go back to afterwards. */
export interface CaseRatingProgress {
  code: string;
  returnMode: Mode;
}

/**
 * A re-check in progress. It stays in the session while the resident does something else (paused:
 * the menu offers to continue it) until it is answered, declined or expires.
 */
export interface RecheckProgress {
  spotCheckId: string;
  questionnaireId: string;
  version: number;
  questions: RecheckQuestion[];
  /** The new answers so far, one per question in asking order: the next question is `answers.length`. */
  answers: AnswerValue[];
  /** ISO 8601: replies after this are no longer taken. */
  expiresAt: string;
  /** Where the resident goes back to afterwards (never `recheck` or `language`). */
  returnMode: Mode;
}

/**
 * A broadcast being written by a staff member (/broadcast). It stays in the session while they do
 * something else (/menu pauses it; /broadcast continues it) until it is sent, discarded or older
 * than {@link COMPOSE_TTL_MS}.
 */
export interface ComposeProgress {
  step: ComposeStep;
  /** Step `text`: the language being written. */
  lang?: Lang;
  draft: BroadcastDraft;
  /** Chosen recipients (from step `counting` on). */
  audience?: BroadcastAudience;
  /** The runner's count for `audience` (step `preview`). */
  reach?: { count: number; notReached: number };
  /** ISO 8601: when the dialogue started (it is forgotten {@link COMPOSE_TTL_MS} later). */
  startedAt: string;
  /** Where the staff member goes back to afterwards (never `compose` or `language`). */
  returnMode: Mode;
}

/** A /broadcast draft started longer ago than this is forgotten (6 hours). */
export const COMPOSE_TTL_MS = 6 * 3600 * 1000;

/** A half-finished answer to the current question, waiting for more input. */
export type PendingInput =
  /** `multiple`: options ticked so far (before Done). */
  | { kind: "multi"; questionId: string; selected: string[] }
  /** `region`: codes picked so far, top level first. */
  | { kind: "region"; questionId: string; path: string[] }
  /** An option with `specify: true` was picked; waiting for its text. */
  | { kind: "other"; questionId: string; value: { kind: "choice"; option: string } | { kind: "choices"; options: string[] } };

/** A survey response in progress. */
export interface SurveyProgress {
  waveId: string;
  questionnaireId: string;
  /** Pinned when the response started; later questionnaire versions don't affect it. */
  version: number;
  /** ISO time the response started. */
  startedAt: string;
  /**
   * Answers so far, by question id (only currently relevant questions). A phone question's entry
   * is `{ kind: "text" }` with the masked number ("138****5678"): enough for /back to say what was
   * given, and gone with the rest of this object when the response is completed.
   */
  answers: Record<string, AnswerValue>;
  /** Optional questions the resident skipped. */
  skipped: string[];
  /** Ids of answered or skipped questions in the order they were first answered. */
  order: string[];
  /** The question being asked (may be an answered one after /back); null before the first. */
  current: string | null;
  pending: PendingInput | null;
}

/** Everything the engine remembers about one resident. Plain JSON; `v` is the format version. */
export interface SessionState {
  v: 1;
  lang: Lang;
  /** The resident picked the language (otherwise it came from the platform). */
  langChosen: boolean;
  consent: "unknown" | "given" | "declined";
  /** Opted out of broadcasts (tips, notices). */
  optedOut: boolean;
  mode: Mode;
  /** Where the language picker returns to. */
  returnMode?: Mode;
  /** First contact came with a "take the survey" deep link: start it right after consent. */
  wantsSurvey?: boolean;
  survey: SurveyProgress | null;
  /** Waves this resident has completed (one response per resident per wave). */
  completedWaves: string[];
  /** Mode `tips` (or the language picker opened from it): the open tip; absent = the list. */
  tip?: TipProgress;
  /** Mode `rateCase` (or the language picker opened from it). */
  rating?: CaseRatingProgress;
  /** An open re-check of a completed questionnaire, asked (mode `recheck`) or paused. */
  recheck?: RecheckProgress;
  /**
   * The resident has left a telephone number (`PhoneShared`) and not withdrawn it: the privacy
   * menu offers to remove it, and a later phone question says it is kept unless replaced. The
   * number itself lives in the store (Resident.phone), never in the session: while the survey is
   * in progress its phone question holds only the masked number (see {@link SurveyProgress.answers}).
   */
  phoneShared?: boolean;
  /** A staff member's broadcast being written, asked (mode `compose`) or paused. */
  compose?: ComposeProgress;
}

// ---------------------------------------------------------------------------------------------
// Context and step
// ---------------------------------------------------------------------------------------------

/** The survey wave currently running (or the last one, with `open: false`). */
export interface WaveInfo {
  id: string;
  questionnaireId: string;
  version: number;
  open: boolean;
}

/** Everything outside the session the engine may look at. Supplied by the runner per step. */
export interface EngineContext {
  /** The current time, ISO 8601. The engine never reads the clock itself. */
  now: string;
  wave: WaveInfo | null;
  /** Looks up a validated questionnaire; undefined when it doesn't exist. */
  questionnaire(id: string, version: number): Questionnaire | undefined;
  /** The region tree for `region` questions (top level first). */
  regions: RegionNode[];
  /** The bot's username, to accept "/menu@SomeBot". */
  botName?: string;
  /**
   * The safety-tip library, in list order. Without it (or empty) "Safety tips" in the menu emits
   * `MenuRequested` with a placeholder, as before the library existed.
   */
  tips?: readonly TipContent[];
  /**
   * A fresh case code for a concern the resident may report in this step (the engine has no
   * randomness of its own). Without it, reporting a concern is unavailable.
   */
  newCaseCode?: string;
  /**
   * A fresh id for a broadcast the staff member may confirm in this step (`BroadcastRequested`
   * carries it). Without it the request goes without an id, and the runner refuses it.
   */
  newBroadcastId?: string;
  /** Set when the speaker is an officer or admin (the /broadcast dialogue is theirs only). */
  staff?: StaffContext;
  /**
   * An officer administers the survey on their phone (interviewer mode): questions use their
   * `read_aloud` wording where the definition has one.
   */
  interviewer?: boolean;
  /**
   * The office's time zone, an IANA name ("Asia/Shanghai"), for times typed and shown in the
   * /broadcast dialogue: data, not a clock. Default Asia/Shanghai; UTC if the runtime knows no such zone.
   */
  timeZone?: string;
}

/** What one step produced. `state` is a new object; the input state is never mutated. */
export interface StepResult {
  state: SessionState;
  messages: OutMessage[];
  events: EngineEvent[];
  /**
   * Set only when the engine hit a bug and answered with a generic apology (state unchanged);
   * the runner should log it.
   */
  internalError?: string;
}

/** The engine's entry point: never throws, never mutates its arguments. */
export type StepFunction = (ctx: EngineContext, state: SessionState, input: Input) => StepResult;

/** A fresh session for a resident we have never talked to. */
export function initialState(lang: Lang = "zh-CN"): SessionState {
  return {
    v: 1,
    lang,
    langChosen: false,
    consent: "unknown",
    optedOut: false,
    mode: "new",
    survey: null,
    completedWaves: [],
  };
}
