/**
 * The survey sheet walked row by row: `begin group` / `end group` kept on a stack (a labelled
 * group becomes a section, nested ones flattened; repeats refused; a group's relevant applies to
 * each question inside), question rows handed to buildQuestion, and notes after the last question
 * made the outro.
 */
import type { Lang, LocalizedText, QuestionDefinition, SectionDefinition } from "../engine/types.js";
import { localized, reportCells } from "./xlsform-cells.js";
import { translate } from "./xlsform-conditions.js";
import { add, columnOf, locate, type GroupFrame, type ImportContext, type Origin } from "./xlsform-context.js";
import { msg, type ReportMessage } from "./xlsform-messages.js";
import { buildQuestion } from "./xlsform-questions.js";
import type { ReportOutcome } from "./xlsform-report.js";
import { cell, METADATA, parseFlag, reorder, type Column, type NameEntry, type RowType } from "./xlsform-rows.js";
import type { SheetRow } from "./xlsform-sheets.js";

/**
 * The questions of the survey sheet in order, and the sections of its labelled groups; records
 * where each came from in `ctx.questionOrigins` and `ctx.sectionOrigins`.
 */
export function buildQuestions(ctx: ImportContext, types: Map<SheetRow, RowType>): { questions: QuestionDefinition[]; sections: SectionDefinition[] } {
  const questions: QuestionDefinition[] = [];
  const sections: SectionDefinition[] = [];
  const stack: GroupFrame[] = [];
  const col = (base: string): Column | undefined => columnOf(ctx.survey, base);
  const nameColumn = col("name");

  for (const row of ctx.survey.rows) {
    const type = types.get(row);
    if (!type) continue;
    const consumed = new Set<number>();
    const typeColumn = col("type");
    if (typeColumn) consumed.add(typeColumn.col.index);
    const rawName = cell(row, nameColumn);
    const entry = rawName !== "" ? ctx.names.get(rawName) : [...ctx.names.values()].find((e) => e.row === row.number);
    if (nameColumn) consumed.add(nameColumn.col.index);
    const at = (column: string, outcome: ReportOutcome, message: ReportMessage): void => {
      const c = col(column);
      add(ctx, { ...locate({ sheet: "survey", row: row.number, column: c?.col ?? column }), name: rawName || undefined, outcome, message });
    };

    switch (type.kind) {
      case "bad":
        at("type", "refused", type.why);
        continue;
      case "skip":
        skipRow(ctx, row, type, rawName, stack);
        continue;
      case "end_group":
      case "end_repeat": {
        const top = stack.pop();
        const want = type.kind === "end_group" ? "group" : "repeat";
        if (!top || top.kind !== want) {
          at("type", "refused", msg(want === "group" ? "msg.end_group_unmatched" : "msg.end_repeat_unmatched"));
          if (top) stack.push(top);
        }
        reportCells(ctx, ctx.survey, row, consumed, "survey");
        continue;
      }
      case "begin_repeat":
      case "begin_group": {
        // Conditions of a group may only use answers given before its first question.
        const nextOrder = [...ctx.names.values()].filter((e) => e.order !== undefined && e.row < row.number).length;
        const frame = beginGroup(ctx, type.kind, row, entry, stack, consumed, nextOrder);
        stack.push(frame);
        reportCells(ctx, ctx.survey, row, consumed, "survey");
        continue;
      }
      case "question":
        break;
    }

    if (!entry?.id) {
      reportCells(ctx, ctx.survey, row, consumed, "survey");
      continue;
    }
    const question = buildQuestion(ctx, type, row, entry, consumed, stack);
    reportCells(ctx, ctx.survey, row, consumed, "survey");
    if (!question) continue;
    const section = [...stack].reverse().find((f) => f.section)?.section;
    if (section) {
      if (!sections.includes(section)) {
        sections.push(section);
        ctx.sectionOrigins.push({ sheet: "survey", row: ([...stack].reverse().find((f) => f.section === section) as GroupFrame).row });
      }
      question.section = section.id;
    }
    questions.push(reorder(question));
    ctx.questionOrigins.push({ sheet: "survey", row: row.number, name: rawName });
  }
  for (const open of stack) {
    add(ctx, {
      ...locate({ sheet: "survey", row: open.row, column: columnOf(ctx.survey, "type")?.col ?? "type" }),
      name: open.name,
      outcome: "refused",
      message: msg(open.kind === "group" ? "msg.group_unclosed" : "msg.repeat_unclosed"),
    });
  }
  return { questions, sections };
}

/**
 * A row the chat does not ask. Metadata and calculations are never asked of anyone, so they are
 * skipped. A question the chat cannot ask (a location, a photo, a map …) is skipped when the form
 * makes sense without it: it is optional, or required only when its relevant (or its group's)
 * holds. A question the form requires unconditionally is refused, naming the cells to change.
 * (A condition that refers to a skipped row is refused where it is written: see resolveRef.)
 */
function skipRow(ctx: ImportContext, row: SheetRow, type: Extract<RowType, { kind: "skip" }>, rawName: string, stack: GroupFrame[]): void {
  const name = rawName || undefined;
  const asked = !METADATA.has(type.type) && type.type !== "calculate" && type.type !== "hidden";
  const requiredColumn = columnOf(ctx.survey, "required");
  const requiredText = cell(row, requiredColumn);
  const required = requiredText !== "" && parseFlag(requiredText) !== false;
  const guarded = cell(row, columnOf(ctx.survey, "relevant")) !== "" || stack.some((frame) => frame.relevant);
  if (asked && required && !guarded) {
    const typeColumn = columnOf(ctx.survey, "type");
    add(ctx, {
      ...locate({ sheet: "survey", row: row.number, column: requiredColumn?.col ?? "required" }),
      name,
      outcome: "refused",
      message: typeColumn
        ? msg("msg.skip_required_at", { type: type.type, why: type.why, cell: `${typeColumn.col.letter}${row.number}` })
        : msg("msg.skip_required", { type: type.type, why: type.why }),
    });
    return;
  }
  const key = asked ? (required ? "msg.skipped_guarded" : "msg.skipped_optional") : "msg.skipped";
  add(ctx, { outcome: "skipped", sheet: "survey", row: row.number, name, message: msg(key, { type: type.type, why: type.why }) });
  reportSkippedCells(ctx, row, name);
}

/**
 * What a skipped row's `calculation` and `trigger` would have done, one line per cell: a form
 * author looks for a `now()` or a recalculation and should see that it goes nowhere.
 */
function reportSkippedCells(ctx: ImportContext, row: SheetRow, name: string | undefined): void {
  for (const base of ["calculation", "trigger"] as const) {
    const c = columnOf(ctx.survey, base);
    const text = cell(row, c);
    if (!c || text === "") continue;
    const key = base === "calculation" ? "msg.skipped_calculation" : "msg.skipped_trigger";
    add(ctx, { ...locate({ sheet: "survey", row: row.number, column: c.col }), name, outcome: "ignored", message: msg(key, { text }) });
  }
}

// A group row: its frame for the stack, with section title and translated relevant.
function beginGroup(
  ctx: ImportContext,
  kind: "begin_group" | "begin_repeat",
  row: SheetRow,
  entry: NameEntry | undefined,
  stack: GroupFrame[],
  consumed: Set<number>,
  nextOrder: number,
): GroupFrame {
  const name = entry?.name ?? `group_${row.number}`;
  const frame: GroupFrame = { kind: kind === "begin_group" ? "group" : "repeat", name, row: row.number };
  if (kind === "begin_repeat") {
    add(ctx, {
      ...locate({ sheet: "survey", row: row.number, column: columnOf(ctx.survey, "type")?.col ?? "type" }),
      name,
      outcome: "refused",
      message: msg("msg.repeat"),
    });
    for (const c of ctx.survey.columns) if (c.base === "repeat_count") consumed.add(c.col.index);
  }
  const title = localized(ctx, ctx.survey, row, "label", consumed, { name, mandatory: false, description: msg("msg.what_group", { name }) });
  const outer = [...stack].reverse().find((f) => f.title);
  if (title && entry?.id) {
    frame.title = title;
    const composed: LocalizedText = {};
    for (const lang of ctx.languages) composed[lang] = outer?.title ? `${outer.title[lang]} / ${title[lang]}` : title[lang];
    frame.section = { id: entry.id, title: composed };
    if (stack.length > 0) {
      add(ctx, {
        outcome: "converted",
        sheet: "survey",
        row: row.number,
        name,
        message: outer?.title
          ? msg("msg.group_flattened_titled", { section: entry.id, title: composed[ctx.languages[0] as Lang] ?? "" })
          : msg("msg.group_flattened", { section: entry.id }),
      });
    }
  } else if (kind === "begin_group" && !hasAnyLabel(ctx, row)) {
    add(ctx, { outcome: "converted", sheet: "survey", row: row.number, name, message: msg("msg.group_unlabelled") });
  }
  const relevantColumn = columnOf(ctx.survey, "relevant");
  const relevantText = cell(row, relevantColumn);
  if (relevantColumn) consumed.add(relevantColumn.col.index);
  if (relevantText !== "") {
    const expr = translate(ctx, relevantText, row, "relevant", name, { allowSelf: false, order: nextOrder });
    if (expr) frame.relevant = expr;
  }
  return frame;
}

function hasAnyLabel(ctx: ImportContext, row: SheetRow): boolean {
  return ctx.survey.columns.some((c) => c.base === "label" && cell(row, c) !== "");
}

/**
 * Notes after the last question: the engine shows notes on the way to the next question, so
 * these would never be seen. Unconditional ones become the outro (shown on completion, as the
 * form's last screen is); a conditional one cannot, and stays with a warning.
 */
export function trailingNotes(ctx: ImportContext, questions: QuestionDefinition[]): LocalizedText | undefined {
  let last = questions.length - 1;
  while (last >= 0 && questions[last]?.type === "note") last--;
  const trailing = questions.slice(last + 1);
  if (trailing.length === 0 || last < 0) return undefined;
  const parts: LocalizedText[] = [];
  const kept: QuestionDefinition[] = [];
  trailing.forEach((q, i) => {
    const origin = ctx.questionOrigins[last + 1 + i];
    if (q.relevant === undefined) {
      parts.push(q.label);
      add(ctx, { outcome: "converted", sheet: "survey", row: origin?.row, name: origin?.name, message: msg("msg.note_outro") });
    } else {
      kept.push(q);
      add(ctx, {
        outcome: "warning",
        sheet: "survey",
        row: origin?.row,
        name: origin?.name,
        message: msg("msg.note_conditional_last"),
      });
    }
  });
  if (parts.length === 0) return undefined;
  // Keep the conditional ones where they were, in order, after the remaining questions.
  questions.splice(last + 1, trailing.length, ...kept);
  const keptOrigins = trailing.map((_, i) => ctx.questionOrigins[last + 1 + i]).filter((_, i) => trailing[i]?.relevant !== undefined);
  ctx.questionOrigins.splice(last + 1, trailing.length, ...(keptOrigins as Origin[]));
  const outro: LocalizedText = {};
  for (const lang of ctx.languages) outro[lang] = parts.map((p) => p[lang]).join("\n");
  return outro;
}
