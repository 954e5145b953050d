/**
 * Server-side texts of field work in zh-CN, zh-TW and en, from locales/<lang>/field.json: why a
 * synced item was refused (`refused.<FieldRefusal>`), why a request body was rejected, the
 * household import's problems and the `anxin households` command's lines.
 */
import zhCN from "../../locales/zh-CN/field.json" with { type: "json" };
import zhTW from "../../locales/zh-TW/field.json" with { type: "json" };
import en from "../../locales/en/field.json" with { type: "json" };
import type { Lang } from "../engine/types.js";
import type { FieldRefusal } from "../model/index.js";
import { createTranslator, type Leaves, type TextVars } from "../util/translator.js";

/** A key of locales/zh-CN/field.json, e.g. "refused.not-yours". */
export type FieldKey = Leaves<typeof zhCN>;

/** The field locale resources by language (the locale consistency test reads them). */
export const FIELD_RESOURCES: Record<Lang, unknown> = { "zh-CN": zhCN, "zh-TW": zhTW, en };

const translate = createTranslator<FieldKey>("field", FIELD_RESOURCES);

/** The field string `key` in `lang` (falling back to zh-CN), with {{vars}} filled in. */
export function ft(lang: Lang, key: FieldKey, vars: TextVars = {}): string {
  return translate(lang, key, vars);
}

/** Why an item was refused, in `lang` (`vars` fill the reason's placeholders, e.g. `code`, `mode`, `detail`). */
export function refusalText(lang: Lang, reason: FieldRefusal, vars: TextVars = {}): string {
  return ft(lang, `refused.${reason}`, vars);
}
