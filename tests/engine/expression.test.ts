import { describe, expect, it } from "vitest";
import { collectReferences, evaluate, evaluateSource, parseExpression } from "../../core/engine/expression.js";
import type { ExprValue } from "../../core/engine/expression.js";

const env = (values: Record<string, ExprValue>, self?: ExprValue) => ({
  ref: (name: string) => (Object.hasOwn(values, name) ? (values[name] ?? null) : null),
  ...(self === undefined ? {} : { self }),
});
const run = (src: string, values: Record<string, ExprValue> = {}, self?: ExprValue) => evaluateSource(src, env(values, self));

describe("expression parser", () => {
  it("parses the documented forms", () => {
    for (const src of [
      "victim == 'yes'",
      "victim = 'yes'",
      "${victim} = 'yes'",
      "selected(hot, 'fraud') and age != '18-29'",
      "count(hot) >= 2",
      "count-selected(${hot}) >= 2",
      "number(age) > 60",
      "not(victim == 'yes')",
      "not victim == 'yes'",
      "a == 'x' or (b == 'y' and c != 'z')",
      ". >= 0 and . <= 120",
      "string-length(.) > 5",
      "-1 < .",
      "answered(q1)",
      'q1 == "double"',
      "x + 2 * 3 - 4 / 2 > 1",
    ]) {
      const parsed = parseExpression(src);
      expect(parsed.ok, `${src}: ${JSON.stringify(parsed)}`).toBe(true);
    }
  });

  it("reports syntax errors with the column", () => {
    const cases: [string, number, RegExp][] = [
      ["victim == ", 11, /unexpected end/],
      ["victim === 'yes'", 10, /unexpected '=='/],
      ["(a == 'b'", 10, /expected '\)'/],
      ["a == 'unterminated", 6, /unterminated string/],
      ["a ! b", 3, /unexpected character '!'/],
      ["foo(a)", 1, /unknown function 'foo'/],
      ["selected(a)", 1, /takes 2 arguments/],
      ["selected('x', 'y')", 10, /must be a question name/],
      ["selected(a, b)", 13, /option id in quotes/],
      ["a < b < c", 7, /cannot be chained/],
      ["a and", 6, /unexpected end/],
      ["", 1, /empty/],
    ];
    for (const [src, column, message] of cases) {
      const parsed = parseExpression(src);
      expect(parsed.ok, src).toBe(false);
      if (!parsed.ok) {
        expect(parsed.error.column, src).toBe(column);
        expect(parsed.error.message, src).toMatch(message);
      }
    }
  });

  it("rejects unsafe input instead of running it", () => {
    const unsafe = [
      "constructor.constructor('return process')()",
      "process.exit(1)",
      "require('fs')",
      "globalThis",
      "a; b",
      "`${1}`",
      "x => x",
      "this.x",
      "a[0]",
      "new Function('x')",
      "eval('1')",
      "__proto__.polluted",
      "a || b",
      "a && b",
      "import('fs')",
    ];
    for (const src of unsafe) {
      const parsed = parseExpression(src);
      if (parsed.ok) {
        // Parses only when it is a harmless bare name, which merely reads an (unknown) answer.
        expect(parsed.expr.t, src).toBe("ref");
      }
    }
    // Evaluation only goes through the ref callback; nothing else is reachable.
    expect(run("constructor")).toBe(null);
    expect(run("__proto__")).toBe(null);
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
  });

  it("limits length and nesting", () => {
    expect(parseExpression("a == 'x' or ".repeat(200) + "b").ok).toBe(false);
    const deep = "(".repeat(100) + "a" + ")".repeat(100);
    const parsed = parseExpression(deep);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error.message).toMatch(/nested too deeply/);
    expect(parseExpression("not ".repeat(100) + "a").ok).toBe(false);
  });

  it("collects references with their columns", () => {
    const parsed = parseExpression("selected(hot, 'fraud') and ${age} != '18-29'");
    expect(parsed.ok).toBe(true);
    if (parsed.ok) expect(collectReferences(parsed.expr)).toEqual([
      { name: "hot", col: 10 },
      { name: "age", col: 28 },
    ]);
  });
});

describe("expression evaluation", () => {
  it("compares answers", () => {
    expect(run("victim == 'yes'", { victim: "yes" })).toBe(true);
    expect(run("victim == 'yes'", { victim: "no" })).toBe(false);
    expect(run("victim == 'yes'", {})).toBe(false);
    expect(run("victim != 'yes'", {})).toBe(true);
    expect(run("victim == true", { victim: "yes" })).toBe(true);
    expect(run("age != '18-29'", { age: "30-44" })).toBe(true);
    expect(run("x == ''", {})).toBe(true);
  });

  it("handles multiple-choice functions", () => {
    const values = { hot: ["theft", "fraud"], age: "60-69" };
    expect(run("selected(hot, 'fraud')", values)).toBe(true);
    expect(run("selected(hot, 'drugs')", values)).toBe(false);
    expect(run("count(hot) >= 2", values)).toBe(true);
    expect(run("count(hot) >= 3", values)).toBe(false);
    expect(run("count(missing)", values)).toBe(0);
    expect(run("selected(hot, 'fraud') and age != '18-29'", values)).toBe(true);
    expect(run("selected(age, '60-69')", values)).toBe(true);
  });

  it("does numbers, logic and precedence", () => {
    expect(run("number(age) > 60", { age: 65 })).toBe(true);
    expect(run("number(age) > 60", { age: "65" })).toBe(true);
    expect(run("number(age) > 60", { age: "60-69" })).toBe(false);
    expect(run("number(age) > 60", {})).toBe(false);
    expect(run("not(a == 'x')", { a: "x" })).toBe(false);
    expect(run("a == 'x' or b == 'y' and c == 'z'", { a: "x" })).toBe(true);
    expect(run("(a == 'x' or b == 'y') and c == 'z'", { a: "x" })).toBe(false);
    expect(run("1 + 2 * 3 == 7")).toBe(true);
    expect(run("10 / 0 > 1")).toBe(false);
  });

  it("uses . for the value being checked", () => {
    expect(run(". >= 18 and . <= 120", {}, 30)).toBe(true);
    expect(run(". >= 18 and . <= 120", {}, 12)).toBe(false);
    expect(run("string-length(.) >= 5", {}, "多巡逻多宣传")).toBe(true);
    expect(run("length(.) >= 5", {}, "多巡逻")).toBe(false);
  });

  it("evaluates a parsed tree repeatedly without surprises", () => {
    const parsed = parseExpression("count(hot) >= 2");
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(evaluate(parsed.expr, env({ hot: ["a", "b"] }))).toBe(true);
    expect(evaluate(parsed.expr, env({ hot: ["a"] }))).toBe(false);
  });
});
