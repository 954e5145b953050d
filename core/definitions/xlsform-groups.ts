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
    const at = (column: string, outcome: ReportOutcome, message: string): void => {
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
          at("type", "refused", `'${type.kind.replace("_", " ")}' without a matching 'begin ${want}'`);
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
      message: `'begin ${open.kind}' is never closed with 'end ${open.kind}'`,
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
      message: `${type.type}: ${type.why}, and the form requires an answer from everyone; set required to no (or give the row a relevant), or change the type in ${typeColumn ? `${typeColumn.col.letter}${row.number}` : "the type column"} to one the chat can ask`,
    });
    return;
  }
  const why = asked ? (required ? "; the form requires it only when its relevant holds, and the chat does not ask it" : "; it is optional, so the survey makes sense without it") : "";
  add(ctx, { outcome: "skipped", sheet: "survey", row: row.number, name, message: `${type.type}: ${type.why}${why}; row not imported` });
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
      message: "repeats (asking the same questions several times) are not supported; their questions cannot be asked once instead without changing the survey",
    });
    for (const c of ctx.survey.columns) if (c.base === "repeat_count") consumed.add(c.col.index);
  }
  const title = localized(ctx, ctx.survey, row, "label", consumed, { name, mandatory: false, description: `group '${name}'` });
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
        message: `nested group flattened into section '${entry.id}'${outer?.title ? ` titled '${composed[ctx.languages[0] as Lang]}'` : ""}; its relevant (and its parents') applies to each of its questions`,
      });
    }
  } else if (kind === "begin_group" && !hasAnyLabel(ctx, row)) {
    add(ctx, { outcome: "converted", sheet: "survey", row: row.number, name, message: "group without a label: its questions are imported without a section title of their own" });
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
      add(ctx, { outcome: "converted", sheet: "survey", row: origin?.row, name: origin?.name, message: "note after the last question: shown when the resident completes the survey (the questionnaire's outro)" });
    } else {
      kept.push(q);
      add(ctx, {
        outcome: "warning",
        sheet: "survey",
        row: origin?.row,
        name: origin?.name,
        message: "conditional note after the last question: the engine only shows notes before a following question, so residents will not see it; move it before a question",
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
