/**
 * The main menu: take (or continue) the survey, safety tips, my cases, language, privacy, help —
 * and, while a re-check of the resident's questionnaire is paused, "continue the quality check".
 */
import { t } from "./i18n.js";
import type { BotKey } from "./i18n.js";
import { encodePayload } from "./payload.js";
import type { MenuItem } from "./payload.js";
import { pickIndex } from "./questions/common.js";
import { recheckText } from "./recheck-i18n.js";
import { SUPPORTED_LANGS } from "./types.js";
import type { Lang, OutMessage, SessionState, WaveInfo } from "./types.js";

/** Menu entries in display order. */
const ENTRIES: readonly { item: MenuItem; key: BotKey }[] = [
  { item: "survey", key: "menu.survey" },
  { item: "tips", key: "menu.tips" },
  { item: "cases", key: "menu.cases" },
  { item: "lang", key: "menu.language" },
  { item: "privacy", key: "menu.privacy" },
  { item: "help", key: "menu.help" },
];

/** Is there an unfinished response the resident can continue in the running wave? */
export function canResume(s: SessionState, wave: WaveInfo | null): boolean {
  return s.survey !== null && wave !== null && wave.open && wave.id === s.survey.waveId;
}

/** The main menu message; `intro` replaces the usual "What would you like to do?". */
export function menuMessage(s: SessionState, wave: WaveInfo | null, intro?: string): OutMessage {
  const lang = s.lang;
  return {
    kind: "menu",
    text: intro ?? t(lang, "menu.title"),
    options: [
      ...ENTRIES.map((e, i) => ({
        key: String(i + 1),
        label: t(lang, e.item === "survey" && canResume(s, wave) ? "menu.survey_resume" : e.key),
        payload: encodePayload({ op: "menu", item: e.item }),
      })),
      // Last, so the usual entries keep their numbers whether or not a re-check is paused.
      ...(s.recheck ? [{ key: String(ENTRIES.length + 1), label: recheckText(lang, "dialogue.menu_item"), payload: encodePayload({ op: "menu", item: "recheck" }) }] : []),
    ],
  };
}

/**
 * Which menu entry a typed text means (number or label in any language); undefined if none.
 * With the session `s`, "continue the quality check" counts while a re-check is paused.
 */
export function parseMenuChoice(text: string, s?: SessionState): MenuItem | undefined {
  const labels = ENTRIES.map((e) =>
    SUPPORTED_LANGS.flatMap((lang: Lang) => [t(lang, e.key), ...(e.item === "survey" ? [t(lang, "menu.survey_resume")] : [])]),
  );
  const items: MenuItem[] = ENTRIES.map((e) => e.item);
  if (s?.recheck) {
    labels.push(SUPPORTED_LANGS.map((lang) => recheckText(lang, "dialogue.menu_item")));
    items.push("recheck");
  }
  const index = pickIndex(text, labels);
  return items[index];
}

/** How many entries the menu has (for "type a number from 1 to N"). */
export const MENU_SIZE = ENTRIES.length;

/** How many entries the menu of session `s` has (one more while a re-check is paused). */
export function menuSize(s: SessionState): number {
  return ENTRIES.length + (s.recheck ? 1 : 0);
}
