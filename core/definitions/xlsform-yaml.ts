/**
 * The last step of an XLSForm import: the definition written as YAML in the shape of
 * core/definitions/*.yaml (what `anxin survey import --out` writes).
 */
import { stringify } from "yaml";
import type { QuestionnaireDefinition } from "../engine/types.js";
import { reorder } from "./xlsform-rows.js";

/** The definition as YAML for core/definitions/*.yaml (without the checksum, which is derived). */
export function questionnaireToYaml(questionnaire: QuestionnaireDefinition, header?: string): string {
  const { checksum: _derived, ...rest } = questionnaire as QuestionnaireDefinition & { checksum?: string };
  const definition = {
    id: rest.id,
    version: rest.version,
    title: rest.title,
    languages: rest.languages,
    ...(rest.intro ? { intro: rest.intro } : {}),
    ...(rest.outro ? { outro: rest.outro } : {}),
    ...(rest.sections ? { sections: rest.sections } : {}),
    questions: rest.questions.map(reorder),
  };
  // YAML 1.1 rules for quoting, so that option ids like yes / no / on stay strings in any reader.
  const body = stringify(definition, { version: "1.1", lineWidth: 0, aliasDuplicateObjects: false });
  const comment = header ? `${header.split("\n").map((l) => `# ${l}`.trimEnd()).join("\n")}\n` : "";
  return comment + body;
}
