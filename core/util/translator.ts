/**
 * The one way Anxin turns a locale key into text: an i18next instance per namespace
 * (locales/<lang>/<namespace>.json), created synchronously at import from the JSON files (no
 * file or network access at run time), falling back to zh-CN and then to the key itself.
 *
 * Texts are plain: every channel and page escapes for its own medium, so i18next's HTML escaping
 * is off.
 */
import i18next from "i18next";
import type { Lang } from "../engine/types.js";

/** Dotted paths to the string leaves of a nested object type, e.g. "survey.thanks". */
export type Leaves<T, Prefix extends string = ""> = {
  [K in keyof T & string]: T[K] extends string ? `${Prefix}${K}` : Leaves<T[K], `${Prefix}${K}.`>;
}[keyof T & string];

/** Values for the `{{name}}` placeholders of a text. */
export type TextVars = Record<string, string | number>;

/** Looks up the text of `key` in `lang` with its placeholders filled in. */
export type Translate<K extends string> = (lang: Lang, key: K, vars?: TextVars) => string;

/** How a namespace's keys are written. */
export interface TranslatorOptions {
  /**
   * Keys are flat names whose dots are part of the name ("compose.menu"), not paths into nested
   * objects. Default false (nested).
   */
  flatKeys?: boolean;
}

/** A translator for one namespace; `K` is the type of its keys. */
export function createTranslator<K extends string>(namespace: string, resources: Readonly<Record<Lang, unknown>>, options: TranslatorOptions = {}): Translate<K> {
  const instance = i18next.createInstance();
  void instance.init({
    // The JSON tables are i18next resources; their exact shape is checked by the callers' key types.
    resources: Object.fromEntries(Object.entries(resources).map(([lang, table]) => [lang, { [namespace]: table as Record<string, string> }])),
    lng: "zh-CN",
    fallbackLng: "zh-CN",
    ns: [namespace],
    defaultNS: namespace,
    initAsync: false,
    returnNull: false,
    interpolation: { escapeValue: false },
    ...(options.flatKeys ? { keySeparator: false as const, nsSeparator: false as const } : {}),
  });
  // The keys are checked by K at the call sites; i18next's own key typing knows no namespace here.
  return (lang, key, vars) => String(instance.t(key as string, { lng: lang, ...vars } as Record<string, unknown>));
}
