/**
 * Public API of the Anxin dialogue engine (pure: no I/O, no clock, no randomness).
 * Import from here rather than from the individual modules.
 */
export * from "./types.js";
export { step } from "./step.js";
export { parseSessionState, isAnswerValue, AnswerValueSchema, SessionStateSchema } from "./state.js";
export {
  parseQuestionnaire,
  validateQuestionnaire,
  checkQuestionnaire,
  questionnaireJsonSchema,
  questionnaireChecksum,
  QuestionnaireSchema,
  DefinitionError,
  formatIssue,
  isAnswerable,
  isRequired,
  scaleScores,
  scaleRateTop,
  scaleScoreOf,
  multipleBounds,
  textMaxLength,
  regionDepth,
  isIntegerOnly,
  localize,
  DEFAULT_SCALE_SCORES,
} from "./definition.js";
export type { DefinitionIssue, CheckResult } from "./definition.js";
export { isValidAnswer } from "./answer-check.js";
export { isRelevant, askableQuestions } from "./flow.js";
export { parseExpression, evaluate } from "./expression.js";
export type { Expr, ExprValue, EvalEnv, ParseResult } from "./expression.js";
export { encodePayload, decodePayload, MAX_PAYLOAD_BYTES, TIP_ID_PATTERN, CASE_CODE_PATTERN } from "./payload.js";
export { tipListMessage, tipMessage, quizMessage, quizTag } from "./tips.js";
export { casesMenuMessage, ratingMessage, MAX_REPORT_LENGTH, MIN_REPORT_LENGTH } from "./cases.js";
export { isRecheckable, sameAnswer, recheckTag, recheckNotes, recheckEventNote, isDeclineWord, MAX_RECHECK_QUESTIONS } from "./recheck.js";
export type { RecheckableQuestion } from "./recheck.js";
export { recheckText, RECHECK_RESOURCES } from "./recheck-i18n.js";
export type { RecheckKey } from "./recheck-i18n.js";
export type { Payload, MenuItem } from "./payload.js";
export { describeAudience, isStaff, parseBroadcastCommand } from "./compose.js";
export { parseSendTime, formatSendTime } from "./compose-time.js";
export { composeText, langName, noticeBody, textFor, langFor, MAX_BROADCAST_TEXT, MAX_CAPTION_TEXT } from "./compose-i18n.js";
export type { ComposeKey } from "./compose-i18n.js";
export type { ComposePayload } from "./compose-options.js";
export type { ComposeAction, AudienceChoice } from "./payload.js";
export { t } from "./i18n.js";
export type { BotKey, BotVars } from "./i18n.js";
export { describeAnswer } from "./questions/describe.js";
export { normalizePhone, maskPhone } from "./phone.js";
export { isNoPhoneWord } from "./questions/phone.js";
export { sha256Hex, canonicalJson } from "./sha256.js";
