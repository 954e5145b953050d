/**
 * Reads an answer back to the resident ("Your earlier answer: Safe").
 */
import { localize } from "../definition.js";
import { t } from "../i18n.js";
import { nodesAlong, regionName } from "../regions.js";
import type { AnswerValue, Lang, QuestionDefinition, Questionnaire, RegionNode } from "../types.js";

/** A short plain-text rendering of `value` as an answer to `question`. */
export function describeAnswer(
  lang: Lang,
  questionnaire: Questionnaire,
  question: QuestionDefinition,
  value: AnswerValue,
  regions: readonly RegionNode[],
): string {
  const loc = (text: Parameters<typeof localize>[0]): string => localize(text, lang, questionnaire.languages);
  const optionLabel = (id: string): string => {
    const option = "options" in question ? question.options.find((o) => o.id === id) : undefined;
    return option ? loc(option.label) : id;
  };
  const withOther = (text: string, other: string | undefined): string =>
    other ? (lang === "en" ? `${text} (${other})` : `${text}（${other}）`) : text;
  switch (value.kind) {
    case "choice":
      return withOther(optionLabel(value.option), value.other);
    case "choices":
      return withOther(value.options.map(optionLabel).join(t(lang, "common.answer_list_separator")), value.other);
    case "number":
      return String(value.value);
    case "text":
      return [...value.value].length > 60 ? `${[...value.value].slice(0, 60).join("")}…` : value.value;
    case "bool":
      if (question.type === "yesno") {
        const custom = value.value ? question.yes_label : question.no_label;
        if (custom) return loc(custom);
      }
      return t(lang, value.value ? "common.yes" : "common.no");
    case "region": {
      const nodes = nodesAlong(regions, value.path);
      return nodes ? nodes.map((n) => regionName(n, lang)).join(" / ") : value.code;
    }
  }
}
