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
import { applyChoiceFilter } from "./xlsform-choice-filter.js";
import { applyMultipleConstraint, translate } from "./xlsform-conditions.js";
import { add, columnOf, locate, type GroupFrame, type ImportContext, type Origin } from "./xlsform-context.js";
import { allOf, toEngineText } from "./xlsform-expression.js";
import { msg, type ReportMessage } from "./xlsform-messages.js";
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
  const refuse = (base: string, message: ReportMessage): void => {
    add(ctx, { ...locate({ sheet: "survey", row: row.number, column: col(base)?.col ?? base }), name, outcome: "refused", message });
  };
  const ignore = (base: string, message: ReportMessage): void => {
    const c = col(base);
    if (c) ctx.report.addToColumn("ignored", "survey", c.col.header, row.number, message);
  };
  const what = msg("msg.what_question", { name });

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
    } else refuse("read_only", msg("msg.read_only"));
  } else if (readOnly !== "") ignore("read_only", msg("msg.read_only_note"));

  // Kept on the options of a select from the choices sheet (below); meaningless anywhere else.
  const choiceFilter = use("choice_filter");
  if (choiceFilter !== "" && type.qtype !== "select_one" && type.qtype !== "select_multiple") ignore("choice_filter", msg("msg.filter_not_select"));
  else if (choiceFilter !== "" && type.fromFile !== undefined) refuse("choice_filter", msg("msg.filter_from_file"));

  const base: { id: string; label: LocalizedText; hint?: LocalizedText; relevant?: string } = { id, label: label ?? {} };
  if (hint) base.hint = hint;
  if (relevant !== undefined) base.relevant = relevant;

  if (type.qtype === "note") {
    if (use("required") !== "") ignore("required", msg("msg.note_required"));
    if (use("constraint") !== "") ignore("constraint", msg("msg.note_constraint"));
    for (const base of ["required_message", "constraint_message"]) {
      if (!hasCells(ctx, row, base)) continue;
      texts(ctx, sheet, row, base, consumed);
      ignoreTexts(ctx, row, base, msg("msg.note_message"));
    }
    return { ...base, type: "note" };
  }

  // required (XLSForm default: not required; the engine's default is required, so always set it)
  const requiredText = use("required");
  const requiredFlag = requiredText === "" ? false : parseFlag(requiredText);
  if (requiredFlag === undefined) {
    refuse("required", msg("msg.required_dynamic", { text: requiredText }));
  }
  const required = requiredFlag === true;
  let requiredMessage: LocalizedText | undefined;
  if (hasCells(ctx, row, "required_message")) {
    if (required) requiredMessage = localized(ctx, sheet, row, "required_message", consumed, { name, mandatory: false, description: what });
    else {
      texts(ctx, sheet, row, "required_message", consumed);
      ignoreTexts(ctx, row, "required_message", msg("msg.required_message_unused"));
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
        ignoreTexts(ctx, row, "constraint_message", msg("msg.no_constraint_message"));
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
        if (use("parameters") !== "") ignore("parameters", msg("msg.parameters_file"));
        if (type.qtype === "select_one") {
          if (constraintText !== "") refuse("constraint", msg("msg.select_one_constraint"));
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
        refuse("type", msg(ctx.choices ? "msg.list_missing" : "msg.list_no_sheet", { list: listName }));
        return undefined;
      }
      const options = list.options;
      const origins: Origin[] = [...list.origins];
      if (type.orOther) {
        const existing = options.find((o) => o.id === "other");
        if (existing) {
          existing.specify = true;
          add(ctx, { outcome: "converted", sheet: "survey", row: row.number, name, message: msg("msg.or_other_existing", { list: listName }) });
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
            message: msg("msg.or_other_added", { label: labelOther[ctx.languages[0] as Lang] ?? "", field: `${name}_other` }),
          });
        }
      }
      ctx.optionOrigins[ctx.questionOrigins.length] = origins;
      if (choiceFilter !== "" && !applyChoiceFilter(ctx, choiceFilter, row, name, order, listName, options)) return undefined;
      if (use("parameters") !== "") ignore("parameters", msg("msg.parameters"));
      if (type.qtype === "select_one") {
        if (constraintText !== "") refuse("constraint", msg("msg.select_one_constraint"));
        else if (hasConstraintMessage) {
          texts(ctx, sheet, row, "constraint_message", consumed);
          ignoreTexts(ctx, row, "constraint_message", msg("msg.no_constraint_message"));
        }
        return { ...common, type: "single", options };
      }
      const question: MultipleQuestion = { ...common, type: "multiple", options };
      if (constraintText !== "") {
        const expr = translate(ctx, constraintText, row, "constraint", name, { allowSelf: true, selfName: name, order });
        if (expr && !applyMultipleConstraint(ctx, question, expr, row, name)) return question;
        if (hasConstraintMessage) {
          texts(ctx, sheet, row, "constraint_message", consumed);
          ignoreTexts(ctx, row, "constraint_message", msg("msg.multiple_constraint_message"));
        }
      } else if (hasConstraintMessage) {
        texts(ctx, sheet, row, "constraint_message", consumed);
        ignoreTexts(ctx, row, "constraint_message", msg("msg.no_constraint_message"));
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
      add(ctx, { ...where, name, outcome: "refused", message: msg("msg.range_parameter", { part }) });
      return undefined;
    }
    values[(m[1] as string).toLowerCase()] = Number(m[2]);
  }
  const { start = 1, end = 10, step = 1 } = values;
  const min = Math.min(start, end);
  const max = Math.max(start, end);
  const integer = Number.isInteger(start) && Number.isInteger(end) && Number.isInteger(step);
  const range = { min, max, step };
  add(ctx, {
    outcome: step !== 1 ? "warning" : "converted",
    sheet: "survey",
    row: row.number,
    name,
    message: msg(integer ? (step !== 1 ? "msg.range_whole_step" : "msg.range_whole") : step !== 1 ? "msg.range_decimal_step" : "msg.range_decimal", range),
  });
  return integer ? { min, max } : { min, max, integer: false };
}
