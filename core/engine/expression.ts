/**
 * A small, safe expression language for `relevant` and `constraint` (XLSForm-like).
 *
 * Grammar (lowest precedence first):
 *   expr    := or
 *   or      := and ("or" and)*
 *   and     := not ("and" not)*
 *   not     := "not" not | cmp
 *   cmp     := sum (("=" | "==" | "!=" | "<" | "<=" | ">" | ">=") sum)?
 *   sum     := prod (("+" | "-") prod)*
 *   prod    := unary (("*" | "/") unary)*
 *   unary   := "-" unary | primary
 *   primary := number | 'string' | "string" | true | false | "." | ${name} | name
 *            | fn "(" args ")" | "(" expr ")"
 *
 * `name` / `${name}` is the answer of an earlier question, `.` the answer being checked (only in
 * constraints). Functions: selected(q, 'opt'), count(q) (alias count-selected), number(x),
 * length(x) (alias string-length), answered(q), regex(x, 'pattern') (bounded-regex.ts: cannot
 * hang), if(cond, a, b), coalesce(a, b) and today() (the date the caller gives in the
 * environment, YYYY-MM-DD; the engine never reads a clock).
 *
 * Expressions are parsed into an AST and interpreted; nothing is ever passed to eval/Function, and
 * names are only looked up through the caller's `ref` callback.
 */
import { compileBoundedRegex, regexMatches } from "./bounded-regex.js";

/** A parsed expression. `col` is the 1-based column where the node starts. */
export type Expr =
  | { t: "lit"; value: string | number | boolean; col: number }
  | { t: "ref"; name: string; col: number }
  | { t: "self"; col: number }
  | { t: "call"; fn: FunctionName; args: Expr[]; col: number }
  | { t: "not"; arg: Expr; col: number }
  | { t: "neg"; arg: Expr; col: number }
  | { t: "bin"; op: BinaryOp; left: Expr; right: Expr; col: number };

/** Binary operators of the language (`=` is parsed as `==`). */
export type BinaryOp = "or" | "and" | "==" | "!=" | "<" | "<=" | ">" | ">=" | "+" | "-" | "*" | "/";

/** The functions an expression may call (hyphenated aliases are normalized to these). */
export type FunctionName = "selected" | "count" | "number" | "length" | "answered" | "regex" | "if" | "coalesce" | "today";

/** Value of an expression: an answer reads as string (option id, 'yes'/'no', text, region code),
 * number, list of option ids (multiple) or null (unanswered). */
export type ExprValue = string | number | boolean | string[] | null;

/** A syntax error with the 1-based column where it was found. */
export interface ExprSyntaxError {
  message: string;
  column: number;
}

/** Result of {@link parseExpression}. */
export type ParseResult = { ok: true; expr: Expr } | { ok: false; error: ExprSyntaxError };

/** Longest expression accepted, in characters. */
export const MAX_EXPRESSION_LENGTH = 1000;
/** Deepest nesting accepted (keeps the recursive parser and evaluator far from stack limits). */
const MAX_DEPTH = 40;

/** Functions with their arity and whether the first argument must be a question reference. */
const FUNCTIONS: Record<FunctionName, { arity: number; firstIsRef: boolean }> = {
  selected: { arity: 2, firstIsRef: true },
  count: { arity: 1, firstIsRef: true },
  number: { arity: 1, firstIsRef: false },
  length: { arity: 1, firstIsRef: false },
  answered: { arity: 1, firstIsRef: true },
  regex: { arity: 2, firstIsRef: false },
  if: { arity: 3, firstIsRef: false },
  coalesce: { arity: 2, firstIsRef: false },
  today: { arity: 0, firstIsRef: false },
};

const FUNCTION_ALIASES: Record<string, FunctionName> = {
  selected: "selected",
  count: "count",
  "count-selected": "count",
  number: "number",
  length: "length",
  "string-length": "length",
  answered: "answered",
  regex: "regex",
  if: "if",
  coalesce: "coalesce",
  today: "today",
};

type Token =
  | { k: "num"; value: number; col: number }
  | { k: "str"; value: string; col: number }
  | { k: "ident"; value: string; col: number }
  | { k: "ref"; value: string; col: number }
  | { k: "op"; value: string; col: number }
  | { k: "end"; col: number };

class SyntaxFailure extends Error {
  constructor(
    message: string,
    readonly column: number,
  ) {
    super(message);
  }
}

const IDENT_START = /[A-Za-z_]/;
const IDENT_PART = /[A-Za-z0-9_]/;

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i] ?? "";
    const col = i + 1;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (/[0-9]/.test(ch) || (ch === "." && /[0-9]/.test(src[i + 1] ?? ""))) {
      const m = /^[0-9]*\.?[0-9]+|^[0-9]+\.?/.exec(src.slice(i));
      const text = m?.[0] ?? ch;
      tokens.push({ k: "num", value: Number(text), col });
      i += text.length;
      continue;
    }
    if (ch === "'" || ch === '"') {
      const close = src.indexOf(ch, i + 1);
      if (close < 0) throw new SyntaxFailure("unterminated string", col);
      tokens.push({ k: "str", value: src.slice(i + 1, close), col });
      i = close + 1;
      continue;
    }
    if (ch === "$") {
      const m = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}/.exec(src.slice(i));
      if (!m) throw new SyntaxFailure("expected ${name}", col);
      tokens.push({ k: "ref", value: m[1] ?? "", col });
      i += m[0].length;
      continue;
    }
    if (IDENT_START.test(ch)) {
      let j = i + 1;
      while (j < src.length && IDENT_PART.test(src[j] ?? "")) j++;
      let word = src.slice(i, j);
      // Hyphenated XLSForm function names, only when they really are one (else `a-b` is a minus).
      const hyphen = /^-[a-z]+/.exec(src.slice(j));
      if (hyphen && FUNCTION_ALIASES[word + hyphen[0]]) {
        word += hyphen[0];
        j += hyphen[0].length;
      }
      tokens.push({ k: "ident", value: word, col });
      i = j;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (two === "==" || two === "!=" || two === "<=" || two === ">=") {
      tokens.push({ k: "op", value: two, col });
      i += 2;
      continue;
    }
    if ("=<>+-*/(),.".includes(ch)) {
      tokens.push({ k: "op", value: ch === "=" ? "==" : ch, col });
      i++;
      continue;
    }
    throw new SyntaxFailure(`unexpected character '${ch}'`, col);
  }
  tokens.push({ k: "end", col: src.length + 1 });
  return tokens;
}

function describe(tok: Token): string {
  switch (tok.k) {
    case "end":
      return "end of expression";
    case "str":
      return `'${tok.value}'`;
    case "ref":
      return `\${${tok.value}}`;
    default:
      return `'${String(tok.value)}'`;
  }
}

class Parser {
  private pos = 0;
  private depth = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token {
    return this.tokens[this.pos] ?? { k: "end", col: 0 };
  }
  private next(): Token {
    const tok = this.peek();
    if (this.pos < this.tokens.length - 1) this.pos++;
    return tok;
  }
  private isOp(value: string): boolean {
    const tok = this.peek();
    return tok.k === "op" && tok.value === value;
  }
  private isWord(value: string): boolean {
    const tok = this.peek();
    return tok.k === "ident" && tok.value === value;
  }
  private expectOp(value: string): void {
    const tok = this.peek();
    if (tok.k === "op" && tok.value === value) {
      this.next();
      return;
    }
    throw new SyntaxFailure(`expected '${value}' but found ${describe(tok)}`, tok.col);
  }
  private enter(col: number): void {
    if (++this.depth > MAX_DEPTH) throw new SyntaxFailure("expression nested too deeply", col);
  }
  private leave(): void {
    this.depth--;
  }

  parseAll(): Expr {
    const expr = this.or();
    const tok = this.peek();
    if (tok.k !== "end") throw new SyntaxFailure(`unexpected ${describe(tok)}`, tok.col);
    return expr;
  }

  private or(): Expr {
    let left = this.and();
    while (this.isWord("or")) {
      const col = this.next().col;
      left = { t: "bin", op: "or", left, right: this.and(), col };
    }
    return left;
  }
  private and(): Expr {
    let left = this.not();
    while (this.isWord("and")) {
      const col = this.next().col;
      left = { t: "bin", op: "and", left, right: this.not(), col };
    }
    return left;
  }
  private not(): Expr {
    if (this.isWord("not")) {
      const col = this.next().col;
      this.enter(col);
      const arg = this.not();
      this.leave();
      return { t: "not", arg, col };
    }
    return this.cmp();
  }
  private cmp(): Expr {
    const left = this.sum();
    const tok = this.peek();
    if (tok.k === "op" && ["==", "!=", "<", "<=", ">", ">="].includes(tok.value)) {
      this.next();
      const right = this.sum();
      const after = this.peek();
      if (after.k === "op" && ["==", "!=", "<", "<=", ">", ">="].includes(after.value)) {
        throw new SyntaxFailure("comparisons cannot be chained; use 'and'", after.col);
      }
      return { t: "bin", op: tok.value as BinaryOp, left, right, col: tok.col };
    }
    return left;
  }
  private sum(): Expr {
    let left = this.prod();
    while (this.isOp("+") || this.isOp("-")) {
      const tok = this.next();
      left = { t: "bin", op: tok.k === "op" ? (tok.value as BinaryOp) : "+", left, right: this.prod(), col: tok.col };
    }
    return left;
  }
  private prod(): Expr {
    let left = this.unary();
    while (this.isOp("*") || this.isOp("/")) {
      const tok = this.next();
      left = { t: "bin", op: tok.k === "op" ? (tok.value as BinaryOp) : "*", left, right: this.unary(), col: tok.col };
    }
    return left;
  }
  private unary(): Expr {
    if (this.isOp("-")) {
      const col = this.next().col;
      this.enter(col);
      const arg = this.unary();
      this.leave();
      return { t: "neg", arg, col };
    }
    return this.primary();
  }
  private primary(): Expr {
    const tok = this.next();
    switch (tok.k) {
      case "num":
        return { t: "lit", value: tok.value, col: tok.col };
      case "str":
        return { t: "lit", value: tok.value, col: tok.col };
      case "ref":
        return { t: "ref", name: tok.value, col: tok.col };
      case "ident":
        return this.identifier(tok.value, tok.col);
      case "op":
        if (tok.value === ".") return { t: "self", col: tok.col };
        if (tok.value === "(") {
          this.enter(tok.col);
          const inner = this.or();
          this.expectOp(")");
          this.leave();
          return inner;
        }
        throw new SyntaxFailure(`unexpected ${describe(tok)}`, tok.col);
      case "end":
        throw new SyntaxFailure("unexpected end of expression", tok.col);
    }
  }
  private identifier(word: string, col: number): Expr {
    if (word === "true" || word === "false") return { t: "lit", value: word === "true", col };
    if (word === "and" || word === "or" || word === "not") {
      throw new SyntaxFailure(`unexpected '${word}'`, col);
    }
    if (this.isOp("(")) {
      const fn = FUNCTION_ALIASES[word];
      if (!fn || !Object.hasOwn(FUNCTION_ALIASES, word)) throw new SyntaxFailure(`unknown function '${word}'`, col);
      this.next();
      this.enter(col);
      const args: Expr[] = [];
      if (!this.isOp(")")) {
        args.push(this.or());
        while (this.isOp(",")) {
          this.next();
          args.push(this.or());
        }
      }
      this.expectOp(")");
      this.leave();
      const spec = FUNCTIONS[fn];
      if (args.length !== spec.arity) {
        throw new SyntaxFailure(`${word}() takes ${spec.arity} argument${spec.arity === 1 ? "" : "s"}, got ${args.length}`, col);
      }
      const first = args[0];
      if (spec.firstIsRef && first && first.t !== "ref" && first.t !== "self") {
        throw new SyntaxFailure(`the first argument of ${word}() must be a question name`, first.col);
      }
      if (fn === "selected" && args[1]?.t !== "lit") {
        throw new SyntaxFailure("the second argument of selected() must be an option id in quotes", args[1]?.col ?? col);
      }
      if (fn === "regex") checkPattern(args[1], col);
      return { t: "call", fn, args, col };
    }
    return { t: "ref", name: word, col };
  }
}

// regex(): the pattern must be a string literal the bounded matcher accepts, so a form can
// neither hang the runner nor fail at answer time.
function checkPattern(arg: Expr | undefined, col: number): void {
  if (!arg || arg.t !== "lit" || typeof arg.value !== "string") {
    throw new SyntaxFailure("the second argument of regex() must be a pattern in quotes", arg?.col ?? col);
  }
  const compiled = compileBoundedRegex(arg.value);
  if (!compiled.ok) throw new SyntaxFailure(`regex pattern '${arg.value}': ${compiled.error.message} (pattern column ${compiled.error.column})`, arg.col);
}

/** Parses an expression; never throws. Syntax errors carry the 1-based column. */
export function parseExpression(src: string): ParseResult {
  if (typeof src !== "string") return { ok: false, error: { message: "expression must be a string", column: 1 } };
  if (src.length > MAX_EXPRESSION_LENGTH) {
    return { ok: false, error: { message: `expression longer than ${MAX_EXPRESSION_LENGTH} characters`, column: MAX_EXPRESSION_LENGTH + 1 } };
  }
  if (src.trim() === "") return { ok: false, error: { message: "empty expression", column: 1 } };
  try {
    return { ok: true, expr: new Parser(tokenize(src)).parseAll() };
  } catch (err) {
    if (err instanceof SyntaxFailure) return { ok: false, error: { message: err.message, column: err.column } };
    return { ok: false, error: { message: "cannot parse expression", column: 1 } };
  }
}

/** A question name used in an expression, with the column of its first use. */
export interface ExprReference {
  name: string;
  col: number;
}

/** Every question name an expression refers to (duplicates included, in source order). */
export function collectReferences(expr: Expr): ExprReference[] {
  const out: ExprReference[] = [];
  const walk = (e: Expr): void => {
    switch (e.t) {
      case "ref":
        out.push({ name: e.name, col: e.col });
        return;
      case "call":
        e.args.forEach(walk);
        return;
      case "not":
      case "neg":
        walk(e.arg);
        return;
      case "bin":
        walk(e.left);
        walk(e.right);
        return;
      default:
        return;
    }
  };
  walk(expr);
  return out;
}

/** Does the expression use `.` (the value being checked)? */
export function usesSelf(expr: Expr): boolean {
  switch (expr.t) {
    case "self":
      return true;
    case "call":
      return expr.args.some(usesSelf);
    case "not":
    case "neg":
      return usesSelf(expr.arg);
    case "bin":
      return usesSelf(expr.left) || usesSelf(expr.right);
    default:
      return false;
  }
}

/** Every `selected(q, 'opt')` and `q == 'lit'` pair, for checking option ids at load time. */
export function collectOptionTests(expr: Expr): { name: string; option: string; col: number }[] {
  const out: { name: string; option: string; col: number }[] = [];
  const walk = (e: Expr): void => {
    if (e.t === "call") {
      const [a, b] = e.args;
      if (e.fn === "selected" && a?.t === "ref" && b?.t === "lit") out.push({ name: a.name, option: String(b.value), col: b.col });
      e.args.forEach(walk);
    } else if (e.t === "bin") {
      if (e.op === "==" || e.op === "!=") {
        if (e.left.t === "ref" && e.right.t === "lit" && typeof e.right.value === "string") {
          out.push({ name: e.left.name, option: e.right.value, col: e.right.col });
        } else if (e.right.t === "ref" && e.left.t === "lit" && typeof e.left.value === "string") {
          out.push({ name: e.right.name, option: e.left.value, col: e.left.col });
        }
      }
      walk(e.left);
      walk(e.right);
    } else if (e.t === "not" || e.t === "neg") {
      walk(e.arg);
    }
  };
  walk(expr);
  return out;
}

/** How an evaluation finds values. */
export interface EvalEnv {
  /** The answer of question `name` as an expression value; null when unanswered. */
  ref(name: string): ExprValue;
  /** The value `.` stands for (constraints only). */
  self?: ExprValue;
  /** What today() returns: a date, YYYY-MM-DD, chosen by the caller (null without it). */
  today?: string;
}

function toNumber(v: ExprValue): number | null {
  if (typeof v === "number") return Number.isFinite(v) ? v : null;
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "string" && v.trim() !== "" && /^[-+]?(\d+\.?\d*|\.\d+)$/.test(v.trim())) return Number(v.trim());
  return null;
}

function toText(v: ExprValue): string {
  if (v === null) return "";
  if (Array.isArray(v)) return v.join(" ");
  if (typeof v === "boolean") return v ? "yes" : "no";
  return String(v);
}

/** XLSForm-like truthiness: null, "", [], 0, NaN and false are false. */
export function truthy(v: ExprValue): boolean {
  if (v === null) return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === "number") return v !== 0 && !Number.isNaN(v);
  if (typeof v === "string") return v !== "";
  return v;
}

function equals(a: ExprValue, b: ExprValue): boolean {
  if (typeof a === "boolean" || typeof b === "boolean") {
    // yes/no answers read as 'yes'/'no'; let `victim == true` work too.
    return toText(a) === toText(b);
  }
  if ((typeof a === "number" || typeof b === "number") && toNumber(a) !== null && toNumber(b) !== null) {
    return toNumber(a) === toNumber(b);
  }
  return toText(a) === toText(b);
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

function compare(op: "<" | "<=" | ">" | ">=", a: ExprValue, b: ExprValue): boolean {
  // Two dates (today() and a 'YYYY-MM-DD' literal) compare as dates, which is their text order.
  if (typeof a === "string" && typeof b === "string" && ISO_DATE.test(a) && ISO_DATE.test(b)) {
    const order = a < b ? -1 : a > b ? 1 : 0;
    return op === "<" ? order < 0 : op === "<=" ? order <= 0 : op === ">" ? order > 0 : order >= 0;
  }
  const x = toNumber(a);
  const y = toNumber(b);
  // Unanswered or non-numeric values make every ordering false, so a condition like
  // `number(age) > 60` stays false until age is known.
  if (x === null || y === null) return false;
  switch (op) {
    case "<":
      return x < y;
    case "<=":
      return x <= y;
    case ">":
      return x > y;
    case ">=":
      return x >= y;
  }
}

function arithmetic(op: "+" | "-" | "*" | "/", a: ExprValue, b: ExprValue): ExprValue {
  const x = toNumber(a);
  const y = toNumber(b);
  if (x === null || y === null) return null;
  switch (op) {
    case "+":
      return x + y;
    case "-":
      return x - y;
    case "*":
      return x * y;
    case "/":
      return y === 0 ? null : x / y;
  }
}

/** Evaluates a parsed expression; never throws (unknown names read as null). */
export function evaluate(expr: Expr, env: EvalEnv): ExprValue {
  switch (expr.t) {
    case "lit":
      return expr.value;
    case "ref":
      return env.ref(expr.name);
    case "self":
      return env.self ?? null;
    case "not":
      return !truthy(evaluate(expr.arg, env));
    case "neg": {
      const n = toNumber(evaluate(expr.arg, env));
      return n === null ? null : -n;
    }
    case "call":
      return callFunction(expr.fn, expr.args, env);
    case "bin": {
      if (expr.op === "and") return truthy(evaluate(expr.left, env)) && truthy(evaluate(expr.right, env));
      if (expr.op === "or") return truthy(evaluate(expr.left, env)) || truthy(evaluate(expr.right, env));
      const a = evaluate(expr.left, env);
      const b = evaluate(expr.right, env);
      switch (expr.op) {
        case "==":
          return equals(a, b);
        case "!=":
          return !equals(a, b);
        case "<":
        case "<=":
        case ">":
        case ">=":
          return compare(expr.op, a, b);
        default:
          return arithmetic(expr.op, a, b);
      }
    }
  }
}

function callFunction(fn: FunctionName, args: Expr[], env: EvalEnv): ExprValue {
  // if() evaluates only the branch it takes.
  const first = args[0] ? evaluate(args[0], env) : null;
  switch (fn) {
    case "selected": {
      const wanted = toText(args[1] ? evaluate(args[1], env) : null);
      if (Array.isArray(first)) return first.includes(wanted);
      return first !== null && toText(first) === wanted;
    }
    case "count":
      if (Array.isArray(first)) return first.length;
      return first === null || first === "" ? 0 : 1;
    case "number":
      return toNumber(first);
    case "length":
      return [...toText(first)].length;
    case "answered":
      return truthy(first) || first === 0 || first === false;
    case "regex": {
      const pattern = args[1] ? evaluate(args[1], env) : null;
      return typeof pattern === "string" && regexMatches(pattern, toText(first));
    }
    case "if":
      return truthy(first) ? (args[1] ? evaluate(args[1], env) : null) : args[2] ? evaluate(args[2], env) : null;
    case "coalesce":
      return first !== null && first !== "" && !(Array.isArray(first) && first.length === 0) ? first : args[1] ? evaluate(args[1], env) : null;
    case "today":
      return env.today ?? null;
  }
}

/** Parses and evaluates in one go; a syntax error evaluates to null. Mainly for tests and tools. */
export function evaluateSource(src: string, env: EvalEnv): ExprValue {
  const parsed = parseExpression(src);
  return parsed.ok ? evaluate(parsed.expr, env) : null;
}
