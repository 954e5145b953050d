/**
 * Phone questions: XLSForm has no phone type, so a `text` row that asks for a phone number is
 * recognised by its appearance and name and imported as the engine's phone question.
 */
import type { LocalizedText, QuestionDefinition } from "../engine/types.js";
import { ignoreTexts, texts } from "./xlsform-cells.js";
import { msg, type ReportMessage } from "./xlsform-messages.js";
import { add, locate, type ImportContext } from "./xlsform-context.js";
import type { Column } from "./xlsform-rows.js";
import type { SheetRow } from "./xlsform-sheets.js";

/**
 * Does a `text` row ask for a phone number? XLSForm has no phone type: forms use `text` with the
 * `numbers` appearance (ODK's numeric keypad) and a name that says what it is (phone, tel, mobile,
 * 电话, 手机 …). Both are required, so that an ordinary numeric text (an id number) stays text.
 */
export function isPhoneRow(name: string, appearance: string): boolean {
  if (!appearance.toLowerCase().split(/\s+/).includes("numbers")) return false;
  const lower = name.toLowerCase();
  // "tel" and "cell" only as words of the name ("tel_no", "cell"), not inside one ("hotel").
  const words = lower.split(/[^a-z]+/);
  return /phone|mobile|手机|手機|电话|電話/.test(lower) || words.includes("tel") || words.includes("cell");
}

/**
 * A text row that asks for a phone number (see {@link isPhoneRow}) as a phone question: the
 * number becomes the resident's, for telephone spot checks, instead of an answer that every
 * raw-answer export would carry. Not when the row has a constraint (the engine's own check of
 * numbers is not the form's, and a condition is never dropped), nor for a second such row (one
 * number per resident): those stay text questions, with a warning. Undefined = import as text.
 */
export function phoneQuestion(
  ctx: ImportContext,
  row: SheetRow,
  name: string,
  base: { id: string; label: LocalizedText; hint?: LocalizedText; relevant?: string },
  facts: { required: boolean; requiredMessage: boolean; constraintText: string; hasConstraintMessage: boolean; consumed: Set<number>; col: (base: string) => Column | undefined },
): QuestionDefinition | undefined {
  const warn = (column: string, message: ReportMessage): void => {
    add(ctx, { ...locate({ sheet: "survey", row: row.number, column: facts.col(column)?.col ?? column }), name, outcome: "warning", message });
  };
  if (facts.constraintText !== "") {
    warn("constraint", msg("msg.phone_constraint"));
    return undefined;
  }
  if (ctx.phoneRow !== undefined) {
    warn("type", msg("msg.phone_second", { row: ctx.phoneRow }));
    return undefined;
  }
  ctx.phoneRow = row.number;
  const appearance = facts.col("appearance");
  if (appearance) facts.consumed.add(appearance.col.index);
  if (facts.required) warn("required", msg("msg.phone_optional"));
  if (facts.requiredMessage) ignoreTexts(ctx, row, "required_message", msg("msg.phone_required_message"));
  if (facts.hasConstraintMessage) {
    texts(ctx, ctx.survey, row, "constraint_message", facts.consumed);
    ignoreTexts(ctx, row, "constraint_message", msg("msg.no_constraint_message"));
  }
  add(ctx, {
    outcome: "converted",
    sheet: "survey",
    row: row.number,
    name,
    message: msg("msg.phone_imported"),
  });
  return { ...base, type: "phone" };
}
