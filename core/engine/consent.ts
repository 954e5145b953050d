/**
 * Consent: what is collected and why, accept / decline (and a language button, because this is
 * the very first thing a resident sees).
 */
import { t } from "./i18n.js";
import { encodePayload } from "./payload.js";
import { parseYesNo } from "./normalize.js";
import { pickIndex } from "./questions/common.js";
import { SUPPORTED_LANGS } from "./types.js";
import type { EngineContext, Lang, OutMessage } from "./types.js";

/**
 * Whether the survey records where the resident lives: only when the context has regions (without
 * any, the region question is skipped) and the running questionnaire, when known, asks for one.
 */
function recordsPlace(ctx: EngineContext): boolean {
  if (ctx.regions.length === 0) return false;
  const questionnaire = ctx.wave ? ctx.questionnaire(ctx.wave.questionnaireId, ctx.wave.version) : undefined;
  return questionnaire ? questionnaire.questions.some((q) => q.type === "region") : true;
}

/**
 * The consent request with its buttons. It names the village or community among what is recorded
 * only when the survey records it ({@link recordsPlace}): the consent must not promise to record
 * what is never asked.
 */
export function consentMessage(lang: Lang, ctx: EngineContext): OutMessage {
  return {
    kind: "menu",
    text: t(lang, recordsPlace(ctx) ? "consent.text" : "consent.text_no_region"),
    options: [
      { key: "1", label: t(lang, "consent.accept"), payload: encodePayload({ op: "consent", accept: true }), primary: true },
      { key: "2", label: t(lang, "consent.decline"), payload: encodePayload({ op: "consent", accept: false }) },
      { key: "3", label: t(lang, "consent.language"), payload: encodePayload({ op: "menu", item: "lang" }) },
    ],
  };
}

/** A typed answer to the consent request: accept, decline, language, or undefined. */
export function parseConsentReply(text: string): "accept" | "decline" | "lang" | undefined {
  const all = (key: "consent.accept" | "consent.decline" | "consent.language"): string[] => SUPPORTED_LANGS.map((l) => t(l, key));
  const index = pickIndex(text, [
    [...all("consent.accept"), "同意参加", "同意參加", "agree"],
    [...all("consent.decline"), "不参加", "不參加", "decline"],
    all("consent.language"),
  ]);
  if (index === 0) return "accept";
  if (index === 1) return "decline";
  if (index === 2) return "lang";
  const yes = parseYesNo(text);
  return yes === undefined ? undefined : yes ? "accept" : "decline";
}
