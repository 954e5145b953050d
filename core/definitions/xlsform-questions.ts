/**
 * One survey row to one engine question: texts, conditions (the enclosing groups' and its own),
 * required, constraints and the type-specific parts (numbers and ranges, text, phone, single and
 * multiple choice with or_other). Every cell it cannot keep is reported.
 */
import type { Expr } from "../engine/expression.js";
import type { Lang, LocalizedText, MultipleQuestion, QuestionDefinition } from "../engine/types.js";
import { hasCells, ignoreTexts, localized, texts } from "./xlsform-cells.js";
import { fileOptions } from "./xlsform-attachments.js";
import { optionsOf } from "./xlsform-choices.js";
import { applyMultipleConstraint, translate } from "./xlsform-conditions.js";
import { add, columnOf, locate, type GroupFrame, type ImportContext, type Origin } from "./xlsform-context.js";
import { allOf, toEngineText } from "./xlsform-expression.js";
import { isPhoneRow, phoneQuestion } from "./xlsform-phone.js";
import { cell, OTHER_LABEL, parseFlag, type Column, type NameEntry, type RowType } from "./xlsform-rows.js";
import type { SheetRow } from "./xlsform-sheets.js";

/**
 * The question of a survey row inside the open groups `stack`; undefined when the row cannot be
 * imported (after reporting why).
 */
export function buildQuestion(
  ctx: ImportContext,
  type: Extract<RowType, { kind: "question" }>,
  row: SheetRow,
  entry: NameEntry,
  consumed: Set<number>,
  stack: GroupFrame[],
): QuestionDefinition | undefined {
  const sheet = ctx.survey;
  const name = entry.name;
  const id = entry.id as string;
  const order = entry.order ?? 0;
  const col = (base: string): Column | undefined => columnOf(sheet, base);
  const use = (base: string): string => {
    const c = col(base);
    if (c) consumed.add(c.col.index);
    return cell(row, c);
  };
  const refuse = (base: string, message: string): void => {
    add(ctx, { ...locate({ sheet: "survey", row: row.number, column: col(base)?.col ?? base }), name, outcome: "refused", message });
  };
  const ignore = (base: string, message: string): void => {
    const c = col(base);
    if (c) ctx.report.addToColumn("ignored", "survey", c.col.header, row.number, message);
  };
  const what = `question '${name}'`;

  const label = localized(ctx, sheet, row, "label", consumed, { name, mandatory: true, description: what, order });
  const hint = localized(ctx, sheet, row, "hint", consumed, { name, mandatory: false, description: what, order });

  // relevant: the enclosing groups' conditions and the row's own, all kept.
  const conditions: Expr[] = [];
  let conditionsOk = true;
  for (const frame of stack) {
    if (frame.relevant) conditions.push(frame.relevant);
  }
  const ownRelevant = use("relevant");
  if (ownRelevant !== "") {
    const expr = translate(ctx, ownRelevant, row, "relevant", name, { allowSelf: false, order });
    if (expr) conditions.push(expr);
    else conditionsOk = false;
  }
  let relevant: string | undefined;
  const combined = allOf(conditions);
  if (combined && conditionsOk) {
    const printed = toEngineText(combined);
    if (printed.ok) relevant = printed.text;
    else refuse("relevant", printed.message);
  }

  const readOnly = use("read_only");
  if (readOnly !== "" && type.qtype !== "note") {
    if (parseFlag(readOnly) === false) {
      /* read_only = no is the default */
    } else refuse("read_only", "read-only questions (shown but not answered) are not supported; asking it as a normal question would change the survey");
  } else if (readOnly !== "") ignore("read_only", "read_only on a note changes nothing; ignored");

  const choiceFilter = use("choice_filter");
  if (choiceFilter !== "") {
    refuse("choice_filter", "choice filters (cascading selects) are not supported; without the filter the resident would be offered choices the form hides");
  }

  const base: { id: string; label: LocalizedText; hint?: LocalizedText; relevant?: string } = { id, label: label ?? {} };
  if (hint) base.hint = hint;
  if (relevant !== undefined) base.relevant = relevant;

  if (type.qtype === "note") {
    if (use("required") !== "") ignore("required", "a note takes no answer, so it cannot be required; ignored");
    if (use("constraint") !== "") ignore("constraint", "a note takes no answer, so it has nothing to check; ignored");
    for (const base of ["required_message", "constraint_message"]) {
      if (!hasCells(ctx, row, base)) continue;
      texts(ctx, sheet, row, base, consumed);
      ignoreTexts(ctx, row, base, "a note takes no answer, so this message is never shown; ignored");
    }
    return { ...base, type: "note" };
  }

  // required (XLSForm default: not required; the engine's default is required, so always set it)
  const requiredText = use("required");
  const requiredFlag = requiredText === "" ? false : parseFlag(requiredText);
  if (requiredFlag === undefined) {
    refuse("required", `'${requiredText}' is not yes/no: conditional required is not supported`);
  }
  const required = requiredFlag === true;
  let requiredMessage: LocalizedText | undefined;
  if (hasCells(ctx, row, "required_message")) {
    if (required) requiredMessage = localized(ctx, sheet, row, "required_message", consumed, { name, mandatory: false, description: what });
    else {
      texts(ctx, sheet, row, "required_message", consumed);
      ignoreTexts(ctx, row, "required_message", "the question is not required, so this message is never shown; ignored");
    }
  }

  const common = {
    ...base,
    required,
    ...(requiredMessage ? { required_message: requiredMessage } : {}),
  };

  const constraintText = use("constraint");
  const hasConstraintMessage = hasCells(ctx, row, "constraint_message");

  if (type.qtype === "text" && isPhoneRow(name, cell(row, col("appearance")))) {
    const phone = phoneQuestion(ctx, row, name, base, { required, requiredMessage: requiredMessage !== undefined, constraintText, hasConstraintMessage, consumed, col });
    if (phone) return phone;
  }

  switch (type.qtype) {
    case "integer":
    case "decimal":
    case "range":
    case "text": {
      let constraint: string | undefined;
      let constraintMessage: LocalizedText | undefined;
      if (constraintText !== "") {
        const expr = translate(ctx, constraintText, row, "constraint", name, { allowSelf: true, selfName: name, order });
        if (expr) {
          const printed = toEngineText(expr);
          if (printed.ok) constraint = printed.text;
          else refuse("constraint", printed.message);
        }
        if (hasConstraintMessage) constraintMessage = localized(ctx, sheet, row, "constraint_message", consumed, { name, mandatory: false, description: what });
      } else if (hasConstraintMessage) {
        texts(ctx, sheet, row, "constraint_message", consumed);
        ignoreTexts(ctx, row, "constraint_message", "there is no constraint, so this message is never shown; ignored");
      }
      const checks = { ...(constraint ? { constraint } : {}), ...(constraintMessage ? { constraint_message: constraintMessage } : {}) };
      if (type.qtype === "text") return { ...common, type: "text", ...checks };
      if (type.qtype === "range") {
        const params = use("parameters");
        const range = rangeOf(ctx, params, row, name);
        if (!range) return undefined;
        return { ...common, type: "number", ...range, ...checks };
      }
      if (type.qtype === "decimal") return { ...common, type: "number", integer: false, ...checks };
      return { ...common, type: "number", ...checks };
    }
    case "select_one":
    case "select_multiple": {
      const listName = type.list as string;
      if (type.fromFile !== undefined) {
        // Not a list of the choices sheet: a missing or bad file was reported by fileOptions.
        const fromFile = fileOptions(ctx, type.fromFile, row, name);
        if (!fromFile) return undefined;
        ctx.optionOrigins[ctx.questionOrigins.length] = fromFile.origins;
        if (use("parameters") !== "") ignore("parameters", "select parameters (randomize, seed, value=, label=) are not supported: the file's name and label columns are read, options keep their order; ignored");
        if (type.qtype === "select_one") {
          if (constraintText !== "") refuse("constraint", "constraints on select_one questions are not supported");
          return { ...common, type: "single", options: fromFile.options };
        }
        const fileQuestion: MultipleQuestion = { ...common, type: "multiple", options: fromFile.options };
        if (constraintText !== "") {
          const expr = translate(ctx, constraintText, row, "constraint", name, { allowSelf: true, selfName: name, order });
          if (expr) applyMultipleConstraint(ctx, fileQuestion, expr, row, name);
        }
        return fileQuestion;
      }
      const list = optionsOf(ctx, listName);
      if (!list) {
        refuse("type", ctx.choices ? `choice list '${listName}' is not on the choices sheet` : `choice list '${listName}' is needed but there is no choices sheet`);
        return undefined;
      }
      const options = list.options;
      const origins: Origin[] = [...list.origins];
      if (type.orOther) {
        const existing = options.find((o) => o.id === "other");
        if (existing) {
          existing.specify = true;
          add(ctx, { outcome: "converted", sheet: "survey", row: row.number, name, message: `or_other: list '${listName}' already has a choice 'other'; it now asks the resident to specify` });
        } else {
          const labelOther: LocalizedText = {};
          for (const lang of ctx.languages) labelOther[lang] = OTHER_LABEL[lang];
          options.push({ id: "other", label: labelOther, specify: true });
          origins.push({ sheet: "survey", row: row.number, name });
          add(ctx, {
            outcome: "converted",
            sheet: "survey",
            row: row.number,
            name,
            message: `or_other: an option 'other' labelled '${labelOther[ctx.languages[0] as Lang]}' asks the resident to specify (stored with the answer, not as a separate '${name}_other' field)`,
          });
        }
      }
      ctx.optionOrigins[ctx.questionOrigins.length] = origins;
      if (use("parameters") !== "") ignore("parameters", "select parameters (randomize, seed) are not supported: options keep their order; ignored");
      if (type.qtype === "select_one") {
        if (constraintText !== "") refuse("constraint", "constraints on select_one questions are not supported");
        else if (hasConstraintMessage) {
          texts(ctx, sheet, row, "constraint_message", consumed);
          ignoreTexts(ctx, row, "constraint_message", "there is no constraint, so this message is never shown; ignored");
        }
        return { ...common, type: "single", options };
      }
      const question: MultipleQuestion = { ...common, type: "multiple", options };
      if (constraintText !== "") {
        const expr = translate(ctx, constraintText, row, "constraint", name, { allowSelf: true, selfName: name, order });
        if (expr && !applyMultipleConstraint(ctx, question, expr, row, name)) return question;
        if (hasConstraintMessage) {
          texts(ctx, sheet, row, "constraint_message", consumed);
          ignoreTexts(ctx, row, "constraint_message", "the engine words its own message for the number of choices and for 'none of these'; ignored");
        }
      } else if (hasConstraintMessage) {
        texts(ctx, sheet, row, "constraint_message", consumed);
        ignoreTexts(ctx, row, "constraint_message", "there is no constraint, so this message is never shown; ignored");
      }
      return question;
    }
  }
}

/** A range question's bounds (parameters start, end, step; ODK defaults 1, 10, 1). */
function rangeOf(ctx: ImportContext, params: string, row: SheetRow, name: string): { min: number; max: number; integer?: false } | undefined {
  const values: Record<string, number> = { start: 1, end: 10, step: 1 };
  const c = columnOf(ctx.survey, "parameters");
  const where = locate({ sheet: "survey", row: row.number, column: c?.col ?? "parameters" });
  for (const part of params.split(/[\s;,]+/).filter((p) => p !== "")) {
    const m = /^(start|end|step)=(-?\d+(?:\.\d+)?)$/i.exec(part);
    if (!m) {
      add(ctx, { ...where, name, outcome: "refused", message: `range parameter '${part}' is not start=, end= or step= with a number` });
      return undefined;
    }
    values[(m[1] as string).toLowerCase()] = Number(m[2]);
  }
  const { start = 1, end = 10, step = 1 } = values;
  const min = Math.min(start, end);
  const max = Math.max(start, end);
  const integer = Number.isInteger(start) && Number.isInteger(end) && Number.isInteger(step);
  const steps = step !== 1 ? `; the step ${step} is not enforced` : "";
  add(ctx, {
    outcome: step !== 1 ? "warning" : "converted",
    sheet: "survey",
    row: row.number,
    name,
    message: `range becomes a typed ${integer ? "whole " : ""}number from ${min} to ${max} (no slider in chat)${steps}`,
  });
  return integer ? { min, max } : { min, max, integer: false };
}
