/**
 * The strings of alerts (chat messages to admins and officers, the dashboard banner) in zh-CN,
 * zh-TW and en, from locales/<lang>/alerts.json.
 */
import zhCN from "../../locales/zh-CN/alerts.json" with { type: "json" };
import zhTW from "../../locales/zh-TW/alerts.json" with { type: "json" };
import en from "../../locales/en/alerts.json" with { type: "json" };
import type { Lang } from "../engine/types.js";
import { createTranslator, type Leaves, type TextVars } from "../util/translator.js";

/** A key of locales/zh-CN/alerts.json, e.g. "banner.title". */
export type AlertTextKey = Leaves<typeof zhCN>;

/** The alert locale resources by language (the locale consistency test reads them). */
export const ALERT_RESOURCES: Record<Lang, unknown> = { "zh-CN": zhCN, "zh-TW": zhTW, en };

const translate = createTranslator<AlertTextKey>("alerts", ALERT_RESOURCES);

/** The alert string `key` in `lang` (falling back to zh-CN), with {{vars}} filled in. */
export function alertText(lang: Lang, key: AlertTextKey, vars: TextVars = {}): string {
  return translate(lang, key, vars);
}
