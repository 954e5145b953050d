/**
 * The options each step of the /broadcast dialogue shows (compose.ts) — as buttons, and as the
 * numbered keys staff type on channels without buttons — and the small readers they need.
 */
import { composeText, langName } from "./compose-i18n.js";
import type { ComposeKey } from "./compose-i18n.js";
import { matchKey, parseOrdinal } from "./normalize.js";
import { encodePayload, MAX_PAYLOAD_BYTES, TIP_ID_PATTERN } from "./payload.js";
import type { Payload } from "./payload.js";
import type { Turn } from "./turn.js";
import { SUPPORTED_LANGS, isLang } from "./types.js";
import type { BroadcastAudience, BroadcastDraft, BroadcastTip, ComposeProgress, Lang, OutOption } from "./types.js";

/** Most library tips offered at once. */
const TIPS_SHOWN = 10;

/** The dialogue's buttons. */
export type ComposePayload = Extract<Payload, { op: "compose" | "composeLang" | "composeTip" | "composeAudience" }>;

type Vars = Record<string, string | number>;

/** The options the current step shows (none while waiting for typed text other than the notice). */
export function optionsOf(turn: Turn, c: ComposeProgress): OutOption[] {
  const lang = turn.s.lang;
  const label = (key: ComposeKey, vars?: Vars) => composeText(lang, key, vars);
  const written = hasText(c.draft);
  switch (c.step) {
    case "text": {
      const options: OutOption[] = [];
      if (!written && offeredTips(turn).length > 0) options.push(option("1", label("compose.btn_tip"), { op: "compose", action: "tips" }));
      options.push(option("0", label("compose.btn_cancel"), { op: "compose", action: "cancel" }));
      return options;
    }
    case "menu": {
      const options: OutOption[] = [];
      let key = 1;
      if (written) options.push(option(String(key++), label("compose.btn_audience"), { op: "compose", action: "audience" }));
      for (const other of SUPPORTED_LANGS) if (!c.draft.text[other]) options.push(option(String(key++), label("compose.btn_lang", { lang: langName(lang, other) }), { op: "composeLang", lang: other }));
      if (!c.draft.image && written) options.push(option(String(key++), label("compose.btn_image"), { op: "compose", action: "image" }));
      options.push(option("0", label("compose.btn_cancel"), { op: "compose", action: "cancel" }));
      return options;
    }
    case "tips": {
      const options = offeredTips(turn).map((tip, i) => option(String(i + 1), tipTitle(tip, lang), { op: "composeTip", id: tip.id }));
      options.push(option("0", label("compose.btn_back"), { op: "compose", action: "menu" }));
      return options;
    }
    case "audience": {
      const options = [
        option("1", label("compose.aud_households"), { op: "composeAudience", choice: "h" }),
        option("2", label("compose.aud_unfinished"), { op: "composeAudience", choice: "u" }),
        option("3", label("compose.aud_region"), { op: "composeAudience", choice: "r" }),
      ];
      if (turn.ctx.staff?.role === "admin") options.push(option("4", label("compose.aud_everyone"), { op: "composeAudience", choice: "e" }));
      options.push(option("0", label("compose.btn_back"), { op: "compose", action: "menu" }));
      return options;
    }
    case "preview":
    case "sending":
      return [
        option("1", label("compose.btn_send"), { op: "compose", action: "send" }),
        option("2", label("compose.btn_schedule"), { op: "compose", action: "schedule" }),
        option("3", label("compose.btn_edit"), { op: "compose", action: "menu" }),
        option("0", label("compose.btn_cancel"), { op: "compose", action: "cancel" }),
      ];
    default:
      return [];
  }
}

function option(key: string, label: string, payload: ComposePayload): OutOption {
  return { key, label, payload: encodePayload(payload) };
}

/** The option a typed text means: its key ("1", "１", "一") or its label. */
export function typedOption(options: readonly OutOption[], typed: string): OutOption | undefined {
  const n = parseOrdinal(typed);
  if (n !== undefined) return options.find((o) => o.key === String(n));
  const key = matchKey(typed);
  return key === "" ? undefined : options.find((o) => matchKey(o.label) === key);
}

/** The tips offered for broadcasts (whose buttons fit a payload), at most {@link TIPS_SHOWN}. */
export function offeredTips(turn: Turn): BroadcastTip[] {
  const library = turn.ctx.staff?.tips ?? turn.ctx.tips ?? [];
  if (!Array.isArray(library)) return [];
  return (library as readonly BroadcastTip[])
    .filter((tip) => typeof tip?.id === "string" && TIP_ID_PATTERN.test(tip.id) && `bc:tip:${tip.id}`.length <= MAX_PAYLOAD_BYTES && hasText(tip))
    .slice(0, TIPS_SHOWN);
}

export function tipTitle(tip: BroadcastTip, lang: Lang): string {
  return tip.title[lang] ?? tip.title["zh-CN"] ?? Object.values(tip.title).find((t) => typeof t === "string") ?? tip.id;
}

/** A short description of an audience for the preview. */
export function describeAudience(audience: BroadcastAudience, lang: Lang): string {
  switch (audience.kind) {
    case "households":
      return composeText(lang, "compose.aud_households");
    case "unfinished":
      return composeText(lang, "compose.aud_unfinished");
    case "everyone":
      return composeText(lang, "compose.aud_everyone");
    case "region":
      return composeText(lang, "compose.aud_region_code", { code: audience.code });
  }
}

export function hasText(draft: Pick<BroadcastDraft, "text">): boolean {
  return Object.entries(draft.text).some(([lang, body]) => isLang(lang) && typeof body === "string" && body.trim() !== "");
}

