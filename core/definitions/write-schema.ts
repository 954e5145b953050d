/**
 * Writes core/definitions/questionnaire.schema.json from the zod schema in core/engine/definition.ts.
 * Run: npx tsx core/definitions/write-schema.ts   (a test fails while the file is out of date)
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { questionnaireJsonSchema } from "../engine/definition.js";

/** Where the generated JSON Schema lives. */
export const SCHEMA_PATH: string = fileURLToPath(new URL("./questionnaire.schema.json", import.meta.url));

/** The file's exact expected contents. */
export function schemaFileText(): string {
  return `${JSON.stringify(questionnaireJsonSchema(), null, 2)}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(SCHEMA_PATH, schemaFileText());
  console.log(`wrote ${SCHEMA_PATH}`);
}
