/**
 * The web chat's own strings (page labels, error messages, the leaflet), from
 * locales/<lang>/web.json. Bot messages never come from here: they are the engine's.
 */
import zhCN from "../../locales/zh-CN/web.json" with { type: "json" };
import zhTW from "../../locales/zh-TW/web.json" with { type: "json" };
import en from "../../locales/en/web.json" with { type: "json" };
import { isLang, normalizeLang, type Lang } from "../../core/engine/types.js";
import { createTranslator, type Leaves, type TextVars } from "../../core/util/translator.js";

/** A key of locales/zh-CN/web.json, e.g. "error.too_large". */
export type WebKey = Leaves<typeof zhCN>;

/** The string tables, by language (also served to the page and checked by the locale test). */
export const WEB_RESOURCES: Record<Lang, typeof zhCN> = { "zh-CN": zhCN, "zh-TW": zhTW, en };

const translate = createTranslator<WebKey>("web", WEB_RESOURCES);

/** The string `key` in `lang` with `{{name}}` filled in; falls back to zh-CN, then to the key. */
export function webText(lang: Lang, key: WebKey, vars: TextVars = {}): string {
  return translate(lang, key, vars);
}

/**
 * The language to answer a request in: the page's own header (the language the resident picked),
 * then the browser's Accept-Language, then the configured default.
 */
export function requestLang(headers: Record<string, string | string[] | undefined>, fallback: Lang): Lang {
  const chosen = headers["x-anxin-lang"];
  if (typeof chosen === "string" && isLang(chosen)) return chosen;
  const accept = headers["accept-language"];
  if (typeof accept === "string" && accept.trim() !== "") {
    // Only the first, most preferred language matters; q-values rarely disagree with order.
    const first = accept.split(",")[0]?.split(";")[0]?.trim();
    if (first && /^(zh|en)\b/i.test(first)) return normalizeLang(first);
  }
  return fallback;
}
