/**
 * `multiple`: toggles with a Done option. A tap or a typed single number toggles and re-shows the
 * question in place; a typed list ("1 3 5", "1,3,5", "1、3、5", labels) sets the whole selection
 * and finishes; Done (or "0") finishes.
 */
import { multipleBounds } from "../definition.js";
import { t } from "../i18n.js";
import { cleanText, parseOrdinal, splitListKeepingSeparators } from "../normalize.js";
import { encodePayload } from "../payload.js";
import { allLabels, label, offeredOptions, pickIndex, questionRef, questionText } from "./common.js";
import type { Outcome, QuestionHandler, QuestionScope, Rendered, Reply } from "./common.js";
import type { MultipleQuestion } from "../types.js";

/** Words that mean "I'm done choosing". */
const DONE_WORDS = new Set(["好了", "选好了", "選好了", "完成", "好", "确定", "確定", "done", "ok", "finish", "finished"]);

/**
 * The selection shown: pending toggles, else the earlier answer (after /back), else nothing;
 * options no longer offered (a choice filter changed after /back) are dropped from it.
 */
export function currentSelection(scope: QuestionScope<MultipleQuestion>): string[] {
  const pending = scope.pending;
  const ids = new Set(offered(scope).question.options.map((o) => o.id));
  if (pending?.kind === "multi" && pending.questionId === scope.question.id) return pending.selected.filter((id) => ids.has(id));
  if (scope.previous?.kind === "choices") return scope.previous.options.filter((id) => ids.has(id));
  return [];
}

/**
 * The question as offered: only the options its choice filters let through (numbered 1..n in
 * this order), with each one's definition index for its button.
 */
function offered(scope: QuestionScope<MultipleQuestion>): { question: MultipleQuestion; indexes: number[] } {
  const shown = offeredOptions(scope);
  if (shown.length === scope.question.options.length) return { question: scope.question, indexes: shown.map((o) => o.index) };
  return { question: { ...scope.question, options: shown.map((o) => o.option) }, indexes: shown.map((o) => o.index) };
}

/** Options in definition order (answers list options the way the questionnaire does). */
function ordered(q: MultipleQuestion, ids: Iterable<string>): string[] {
  const set = new Set(ids);
  return q.options.filter((o) => set.has(o.id)).map((o) => o.id);
}

/** Toggles one option, honouring `exclusive` options ("none of these"). */
function toggle(q: MultipleQuestion, selected: string[], id: string): string[] {
  if (selected.includes(id)) return selected.filter((s) => s !== id);
  const option = q.options.find((o) => o.id === id);
  if (option?.exclusive) return [id];
  const exclusive = new Set(q.options.filter((o) => o.exclusive).map((o) => o.id));
  return ordered(q, [...selected.filter((s) => !exclusive.has(s)), id]);
}

/** Validates a finished selection and turns it into an outcome. */
function finish(scope: QuestionScope<MultipleQuestion>, selected: string[]): Outcome {
  const q = offered(scope).question;
  const { min, max } = multipleBounds(q);
  if (selected.length === 0 && min === 0) return { kind: "skip" };
  if (selected.length < min) return { kind: "invalid", notice: { key: "error.multiple_too_few", vars: { min } } };
  if (selected.length > max) return { kind: "invalid", notice: { key: "error.multiple_too_many", vars: { max } } };
  const picked = q.options.filter((o) => selected.includes(o.id));
  if (picked.some((o) => o.exclusive) && picked.length > 1) {
    return { kind: "invalid", notice: { key: "error.multiple" } };
  }
  const specify = picked.find((o) => o.specify);
  const value = { kind: "choices" as const, options: ordered(q, selected) };
  return specify ? { kind: "specify", value } : { kind: "answer", value };
}

/** Handler for multiple-choice questions. */
export const multipleHandler: QuestionHandler<MultipleQuestion> = {
  render(scope: QuestionScope<MultipleQuestion>): Rendered {
    const { question: q, indexes } = offered(scope);
    const ref = questionRef(scope);
    // Only a required question comes here with nothing to offer (an optional one is passed over).
    if (q.options.length === 0) return { text: questionText(scope, t(scope.lang, "error.choice_none")), options: [] };
    const selected = currentSelection(scope);
    const { max } = multipleBounds(q);
    const hint = max < q.options.length ? t(scope.lang, "hint.multiple", { max }) : t(scope.lang, "hint.multiple_any");
    return {
      text: questionText(scope, hint),
      multi: true,
      selection: { count: selected.length, ...(max < q.options.length ? { max } : {}) },
      options: [
        ...q.options.map((o, i) => ({
          key: String(i + 1),
          label: label(scope, o.label),
          payload: encodePayload({ op: "answer", ...ref, option: indexes[i] ?? i }),
          selected: selected.includes(o.id),
        })),
        { key: "0", label: t(scope.lang, "common.done"), payload: encodePayload({ op: "done", ...ref }), primary: true },
      ],
    };
  },

  handle(scope: QuestionScope<MultipleQuestion>, reply: Reply): Outcome {
    const { question: q, indexes: buttons } = offered(scope);
    if (q.options.length === 0) return reply.kind === "button" ? { kind: "stale" } : { kind: "invalid", notice: { key: "error.choice_none" } };
    const selected = currentSelection(scope);
    if (reply.kind === "button") {
      if (reply.payload.op === "done") return finish(scope, selected);
      if (reply.payload.op !== "answer") return { kind: "stale" };
      const at = buttons.indexOf(reply.payload.option);
      const option = at < 0 ? undefined : q.options[at];
      if (!option) return { kind: "stale" };
      return toggleOutcome(scope, selected, option.id);
    }

    const text = cleanText(reply.text);
    if (parseOrdinal(text) === 0 || DONE_WORDS.has(text.toLowerCase())) return finish(scope, selected);
    const labels = q.options.map((o) => allLabels(o.label));
    // A whole label first: labels may themselves contain "、" ("偷盗、入室盗窃").
    const whole = pickIndex(text, labels);
    if (whole >= 0) {
      const option = q.options[whole];
      return option ? toggleOutcome(scope, selected, option.id) : { kind: "invalid", notice: { key: "error.multiple" } };
    }
    const indexes = pickList(text, labels);
    if (!indexes) return { kind: "invalid", notice: { key: "error.multiple" } };
    const ids = ordered(q, indexes.map((i) => q.options[i]?.id ?? ""));
    return finish(scope, ids);
  },
};

/**
 * Reads a typed list of at least two picks; a label may span several parts ("偷盗、入室盗窃"), so
 * the longest run of parts that names an option wins. Undefined if any part names nothing.
 */
function pickList(text: string, labels: readonly (readonly string[])[]): number[] | undefined {
  const tokens = splitListKeepingSeparators(text);
  const parts = tokens.filter((_, i) => i % 2 === 0);
  if (parts.length < 2) return undefined;
  const picks: number[] = [];
  let i = 0;
  while (i < parts.length) {
    let found = -1;
    let end = i;
    for (let j = parts.length - 1; j >= i && found < 0; j--) {
      const joined = tokens.slice(2 * i, 2 * j + 1).join("");
      found = pickIndex(joined, labels);
      end = j;
    }
    if (found < 0) return undefined;
    picks.push(found);
    i = end + 1;
  }
  return picks.length >= 2 ? picks : undefined;
}

function toggleOutcome(scope: QuestionScope<MultipleQuestion>, selected: string[], id: string): Outcome {
  const q = offered(scope).question;
  const next = toggle(q, selected, id);
  const { max } = multipleBounds(q);
  if (next.length > max) {
    return { kind: "pending", pending: { kind: "multi", questionId: q.id, selected }, notice: { key: "error.multiple_too_many", vars: { max } } };
  }
  return { kind: "pending", pending: { kind: "multi", questionId: q.id, selected: next } };
}
