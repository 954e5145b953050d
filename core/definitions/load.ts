/**
 * Reads questionnaire YAML files from disk (the engine itself never touches files).
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseQuestionnaire } from "../engine/definition.js";
import type { Questionnaire } from "../engine/types.js";

/** Absolute path of the bundled default questionnaire (`public-safety`). */
export const DEFAULT_QUESTIONNAIRE_PATH: string = fileURLToPath(new URL("./public-safety.yaml", import.meta.url));

/** Reads and validates a questionnaire YAML file; throws DefinitionError naming the file. */
export function loadQuestionnaireFile(path: string): Questionnaire {
  return parseQuestionnaire(readFileSync(path, "utf8"), path);
}

/** The bundled default questionnaire, validated (read from disk on every call). */
export function loadDefaultQuestionnaire(): Questionnaire {
  return loadQuestionnaireFile(DEFAULT_QUESTIONNAIRE_PATH);
}
