/**
 * `region`: a cascading pick through the context's region tree, one level per message, until the
 * configured depth (or a node without children). Each level re-shows the question in place.
 */
import { regionDepth } from "../definition.js";
import { t } from "../i18n.js";
import { encodePayload, parentTag } from "../payload.js";
import { childrenAt, nodesAlong, regionName, regionNames } from "../regions.js";
import { parseOrdinal } from "../normalize.js";
import { pickIndex, questionRef, questionText, skipOptions } from "./common.js";
import type { Outcome, QuestionHandler, QuestionScope, Rendered, Reply } from "./common.js";
import type { OutOption, RegionQuestion } from "../types.js";

/** The codes picked so far for this question (a path that no longer exists starts over). */
export function currentPath(scope: QuestionScope<RegionQuestion>): string[] {
  const pending = scope.pending;
  if (pending?.kind === "region" && pending.questionId === scope.question.id && nodesAlong(scope.regions, pending.path)) {
    return pending.path;
  }
  return [];
}

/** Handler for region questions. */
export const regionHandler: QuestionHandler<RegionQuestion> = {
  render(scope: QuestionScope<RegionQuestion>): Rendered {
    const path = currentPath(scope);
    const ref = questionRef(scope);
    const nodes = nodesAlong(scope.regions, path) ?? [];
    const children = childrenAt(scope.regions, path) ?? [];
    const parent = parentTag(path[path.length - 1]);
    const trail = nodes.map((n) => regionName(n, scope.lang)).join(" / ");
    const options: OutOption[] = children.map((node, i) => ({
      key: String(i + 1),
      label: regionName(node, scope.lang),
      payload: encodePayload({ op: "region", ...ref, level: path.length, parent, child: i }),
    }));
    if (path.length > 0) {
      options.push({ key: "0", label: t(scope.lang, "common.up"), payload: encodePayload({ op: "up", ...ref, level: path.length }) });
    } else {
      options.push(...skipOptions(scope));
    }
    return { text: questionText(scope, trail || undefined, t(scope.lang, "hint.region")), options };
  },

  handle(scope: QuestionScope<RegionQuestion>, reply: Reply): Outcome {
    const q = scope.question;
    const path = currentPath(scope);
    const children = childrenAt(scope.regions, path) ?? [];
    let index: number;
    if (reply.kind === "button") {
      const p = reply.payload;
      if (p.op === "up") {
        if (p.level !== path.length || path.length === 0) return { kind: "stale" };
        return { kind: "pending", pending: { kind: "region", questionId: q.id, path: path.slice(0, -1) } };
      }
      if (p.op !== "region" || p.level !== path.length || p.parent !== parentTag(path[path.length - 1])) return { kind: "stale" };
      if (p.child >= children.length) return { kind: "stale" };
      index = p.child;
    } else {
      const n = parseOrdinal(reply.text);
      if (n === 0) {
        if (path.length > 0) return { kind: "pending", pending: { kind: "region", questionId: q.id, path: path.slice(0, -1) } };
        if (q.required === false) return { kind: "skip" };
      }
      index = pickIndex(reply.text, children.map(regionNames));
      if (index < 0) return { kind: "invalid", notice: { key: "error.region", vars: { max: children.length } } };
    }
    const node = children[index];
    if (!node) return { kind: "stale" };
    const next = [...path, node.code];
    if (next.length >= regionDepth(q) || (node.children ?? []).length === 0) {
      return { kind: "answer", value: { kind: "region", code: node.code, path: next } };
    }
    return { kind: "pending", pending: { kind: "region", questionId: q.id, path: next } };
  },
};
