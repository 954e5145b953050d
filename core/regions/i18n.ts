/**
 * Texts of the region import and the Regions page in zh-CN, zh-TW and en, from
 * locales/<lang>/regions.json: a namespace of its own so that the admin namespace does not grow
 * with every feature.
 */
import zhCN from "../../locales/zh-CN/regions.json" with { type: "json" };
import zhTW from "../../locales/zh-TW/regions.json" with { type: "json" };
import en from "../../locales/en/regions.json" with { type: "json" };
import type { Lang } from "../engine/types.js";
import { createTranslator, type Leaves, type TextVars } from "../util/translator.js";

/** A key of locales/zh-CN/regions.json, e.g. "issues.cycle". */
export type RegionsKey = Leaves<typeof zhCN>;

/** The region locale resources by language (the locale consistency test reads them). */
export const REGIONS_RESOURCES: Record<Lang, unknown> = { "zh-CN": zhCN, "zh-TW": zhTW, en };

const translate = createTranslator<RegionsKey>("regions", REGIONS_RESOURCES);

/** The regions string `key` in `lang` (falling back to zh-CN), with {{vars}} filled in. */
export function rt(lang: Lang, key: RegionsKey, vars: TextVars = {}): string {
  return translate(lang, key, vars);
}
