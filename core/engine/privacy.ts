/**
 * Privacy: what we keep, and deleting it behind a confirmation.
 */
import { t } from "./i18n.js";
import { parseYesNo } from "./normalize.js";
import { encodePayload } from "./payload.js";
import { pickIndex } from "./questions/common.js";
import { SUPPORTED_LANGS } from "./types.js";
import type { Lang, OutMessage } from "./types.js";
import type { BotKey } from "./i18n.js";

const every = (key: BotKey): string[] => SUPPORTED_LANGS.map((l) => t(l, key));

/**
 * The privacy explanation with "delete my data" and "back to menu", and "remove my phone number"
 * when the resident left one (key 3, so that 1 and 2 mean the same whether it is there or not).
 */
export function privacyMessage(lang: Lang, phoneShared = false): OutMessage {
  return {
    kind: "menu",
    text: t(lang, "privacy.text"),
    options: [
      { key: "1", label: t(lang, "privacy.delete"), payload: encodePayload({ op: "privacy", action: "del" }) },
      { key: "2", label: t(lang, "privacy.back"), payload: encodePayload({ op: "menu", item: "menu" }) },
      ...(phoneShared ? [{ key: "3", label: t(lang, "privacy.remove_phone"), payload: encodePayload({ op: "privacy", action: "tel" }) }] : []),
    ],
  };
}

/** The deletion confirmation. */
export function confirmDeletionMessage(lang: Lang): OutMessage {
  return {
    kind: "menu",
    text: t(lang, "privacy.confirm"),
    options: [
      { key: "1", label: t(lang, "privacy.confirm_yes"), payload: encodePayload({ op: "privacy", action: "yes" }) },
      { key: "2", label: t(lang, "privacy.confirm_no"), payload: encodePayload({ op: "privacy", action: "no" }) },
    ],
  };
}

/** A typed reply to the privacy message: delete, back, remove the phone number (when offered), or undefined. */
export function parsePrivacyReply(text: string, phoneShared = false): "delete" | "back" | "phone" | undefined {
  const labels = [every("privacy.delete"), every("privacy.back"), ...(phoneShared ? [every("privacy.remove_phone")] : [])];
  const index = pickIndex(text, labels);
  return index === 0 ? "delete" : index === 1 ? "back" : index === 2 ? "phone" : undefined;
}

/** A typed reply to the confirmation: true = delete, false = keep, undefined = unclear. */
export function parseConfirmReply(text: string): boolean | undefined {
  const index = pickIndex(text, [every("privacy.confirm_yes"), every("privacy.confirm_no")]);
  if (index >= 0) return index === 0;
  return parseYesNo(text);
}
