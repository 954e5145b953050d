/**
 * XLSForm (XPath) expressions → the engine's expression language: the translation table, the
 * parentheses XPath precedence needs, refusals with columns, and that translated expressions
 * evaluate like the XLSForm ones would.
 */
import { describe, expect, it } from "vitest";
import { evaluate, parseExpression } from "../../core/engine/expression.js";
import type { ExprValue } from "../../core/engine/expression.js";
import { translateExpression, type RefResolution, type TranslateOptions } from "../../core/definitions/xlsform-expression.js";
import { msg, renderMessage } from "../../core/definitions/xlsform-messages.js";

/** Fields a, b, c, q, m, x, age, Age-Group (→ age_group); `later` comes after; `calc` is skipped. */
function resolve(name: string): RefResolution {
  if (name === "Age-Group") return { ok: true, id: "age_group" };
  if (["a", "b", "c", "q", "m", "x", "age", "number", "and"].includes(name)) return { ok: true, id: name };
  if (name === "later") return { ok: false, message: msg("msg.ref_later", { field: "${later}", row: 9 }) };
  if (name === "calc") return { ok: false, message: msg("msg.ref_skipped", { field: "${calc}", type: "calculate", row: 3 }) };
  return { ok: false, message: msg("msg.ref_unknown", { field: `\${${name}}` }) };
}

const relevant: TranslateOptions = { resolve, allowSelf: false };
const constraint: TranslateOptions = { resolve, allowSelf: true, selfName: "x" };

function tr(src: string, options: TranslateOptions = relevant): string {
  const result = translateExpression(src, options);
  if (!result.ok) throw new Error(`${src}: ${renderMessage(result.error.message, "en")} (column ${result.error.column})`);
  return result.text;
}

/** The refusal, its message in English (and, as a check that it is a key, in zh-CN). */
function refused(src: string, options: TranslateOptions = relevant): { message: string; zh: string; column: number } {
  const result = translateExpression(src, options);
  if (result.ok) throw new Error(`${src} translated to ${result.text}`);
  return { message: renderMessage(result.error.message, "en"), zh: renderMessage(result.error.message, "zh-CN"), column: result.error.column };
}

describe("the translation table", () => {
  it.each([
    ["${q} = 'x'", "q == 'x'"],
    ["${q}='x'", "q == 'x'"],
    ["${q} != 'x'", "q != 'x'"],
    ["${q} = \"it's\"", `q == "it's"`],
    ["${q} = ''", "q == ''"],
    ["selected(${m}, 'x')", "selected(m, 'x')"],
    ["selected(${m}, 3)", "selected(m, '3')"],
    ["count-selected(${m}) >= 2", "count(m) >= 2"],
    ["string-length(${q}) > 0", "length(q) > 0"],
    ["number(${q}) + 1 > 5", "number(q) + 1 > 5"],
    ["not(${a} = 'yes')", "not (a == 'yes')"],
    ["not(selected(${m}, 'x'))", "not selected(m, 'x')"],
    ["${a} = 'yes' and ${b} > 3", "a == 'yes' and b > 3"],
    ["${a} = 'yes' or ${b} > 3 and ${c} < 2", "a == 'yes' or b > 3 and c < 2"],
    ["(${a} = 1 or ${b} = 2) and ${c} = 3", "(a == 1 or b == 2) and c == 3"],
    ["${a} div 2 > 1", "a / 2 > 1"],
    ["${a} * (${b} - 1) >= 10", "a * (b - 1) >= 10"],
    ["${a} - (${b} - ${c}) = 0", "a - (b - c) == 0"],
    ["-${a} < 0", "-a < 0"],
    ["${a} = true()", "a == true"],
    ["false()", "false"],
    ["${age} >= 18.5", "age >= 18.5"],
    ["${age} > .5", "age > 0.5"],
    // XPath: relational binds tighter than equality, and equality chains left to right.
    ["${a} < ${b} = true()", "(a < b) == true"],
    ["${a} = ${b} = ${c}", "(a == b) == c"],
    ["not(${a}) = ${b}", "(not a) == b"],
    ["${Age-Group} = 'old'", "age_group == 'old'"],
    ["${number} > 1", "number > 1"],
    ["${and} = 'x'", "${and} == 'x'"],
  ])("relevant %s → %s", (src, expected) => {
    expect(tr(src)).toBe(expected);
  });

  it.each([
    [". > 0 and . < 120", ". > 0 and . < 120"],
    ["${x} >= 16", ". >= 16"],
    ["string-length(.) <= 200", "length(.) <= 200"],
    ["not(selected(., 'none') and count-selected(.) > 1)", "not (selected(., 'none') and count(.) > 1)"],
    [". <= ${age} - 16", ". <= age - 16"],
  ])("constraint %s → %s", (src, expected) => {
    expect(tr(src, constraint)).toBe(expected);
  });

  it("gives text the engine's parser accepts", () => {
    for (const src of ["(${a} = 1 or ${b} = 2) and not(${c} = 3 or ${a} != 4)", "${a} < ${b} = true()", "-(${a} + 1) * 2 > ${b}"]) {
      expect(parseExpression(tr(src)).ok).toBe(true);
    }
  });
});

describe("what cannot be translated", () => {
  it.each([
    ["regex(., '(a+)\\1')", /backreferences/, 10, constraint],
    ["regex(., '(?=a)b')", /lookahead/, 10, constraint],
    ["regex(., ${a})", /pattern in quotes/, 10, constraint],
    ["regex(., 'a{2000}{2000}')", /quantifier cannot follow/, 10, constraint],
    ["if(${a} = 1, true())", /takes 3 arguments/, 1, relevant],
    ["now() > ${a}", /now\(\) is not supported/, 1, relevant],
    ["jr:choice-name(${a}, '${a}') = 'x'", /jr:choice-name\(\) is not supported/, 1, relevant],
    ["count(${a}) > 1", /count-selected\(\)/, 1, relevant],
    ["${a} mod 2 = 0", /'mod'/, 6, relevant],
    ["/data/a = 'x'", /paths/, 1, relevant],
    ["../a = 'x'", /paths/, 1, relevant],
    ["${a}[1] = 'x'", /predicates/, 5, relevant],
    ["age > 18", /bare name 'age'.*\$\{age\}/, 1, relevant],
    ["${unknown} = 'x'", /unknown field \$\{unknown\}/, 1, relevant],
    ["${a} = 1 and ${later} = 2", /asked later/, 14, relevant],
    ["${calc} = 'true'", /calculate row \(row 3\)/, 1, relevant],
    [". > 3", /only means something in a constraint/, 1, relevant],
    ["${a} = 'x", /unterminated string/, 8, relevant],
    ["${a} = ", /unexpected end/, 8, relevant],
    ["selected(${a})", /takes 2 arguments/, 1, relevant],
    ["selected(${a}, ${b})", /choice name in quotes/, 16, relevant],
    ["count-selected('x') > 1", /must be a field/, 16, relevant],
    ["${a} = 1 | ${b}", /unions/, 10, relevant],
    ["${a} # 1", /unexpected character '#'/, 6, relevant],
  ])("%s is refused", (src, message, column, options) => {
    const error = refused(src, options);
    expect(error.message).toMatch(message);
    expect(error.column).toBe(column);
    expect(error.zh).not.toBe(error.message);
  });
});

describe("translated expressions evaluate like XLSForm", () => {
  const answers: Record<string, ExprValue> = { a: "yes", b: 4, c: null, m: ["theft", "other"], q: "", age: 17 };
  const env = { ref: (name: string) => (Object.hasOwn(answers, name) ? (answers[name] ?? null) : null) };
  const run = (src: string): ExprValue => {
    const parsed = parseExpression(tr(src));
    if (!parsed.ok) throw new Error(parsed.error.message);
    return evaluate(parsed.expr, env);
  };

  it.each([
    ["${a} = 'yes'", true],
    ["${a} != 'yes'", false],
    ["selected(${m}, 'theft')", true],
    ["selected(${m}, 'fraud')", false],
    ["count-selected(${m}) >= 2", true],
    ["not(count-selected(${m}) >= 2)", false],
    ["${c} = ''", true],
    ["${q} = ''", true],
    ["${c} > 1", false],
    ["${age} >= 18 or ${b} = 4", true],
    ["${age} >= 18 and ${b} = 4", false],
    ["(${age} + 1) div 2 = 9", true],
    ["${a} < ${b} = false()", true],
    ["regex(${a}, '^y')", true],
    ["regex(${a}, '^[0-9]+$')", false],
    ["regex(${b}, '^\\d$')", true],
    ["if(${b} > 3, 'big', 'small') = 'big'", true],
    ["if(${c} = '', 1, 2) = 1", true],
    ["coalesce(${c}, ${b}) = 4", true],
    ["coalesce(${a}, 'none') = 'yes'", true],
    ["string-length(coalesce(${c}, '')) = 0", true],
  ])("%s is %s", (src, expected) => {
    expect(run(src)).toBe(expected);
  });
});
