/**
 * Translates XLSForm (XPath) expressions into the engine's expression language
 * (core/engine/expression.ts).
 *
 * The XLSForm text is tokenized and parsed with XPath's own precedence into the engine's AST, then
 * printed in the engine's syntax with the parentheses the engine's grammar needs, then parsed
 * again by the engine's parser and compared node by node with the tree it came from. Anything
 * without an exact counterpart (paths, `mod`, `now()`, date arithmetic …) is an error with the
 * column where it starts; nothing is dropped or approximated. regex() patterns are compiled by
 * the engine's bounded matcher here, so a pattern it cannot run safely is refused at import.
 */
import { compileBoundedRegex } from "../engine/bounded-regex.js";
import { parseExpression } from "../engine/expression.js";
import type { BinaryOp, Expr, FunctionName } from "../engine/expression.js";
import { msg, type ReportMessage, type XlsFormMessageKey } from "./xlsform-messages.js";

/** What a `${name}` refers to, as decided by the importer. */
export type RefResolution =
  /** An imported question; `id` is its engine id. */
  | { ok: true; id: string }
  /** Not usable here; `message` says why (unknown, skipped row, later question, a note …). */
  | { ok: false; message: ReportMessage };

/** How to translate one expression. */
export interface TranslateOptions {
  /** Looks up `${name}`. */
  resolve(name: string): RefResolution;
  /** Constraints may use `.` (the answer being checked); relevant conditions may not. */
  allowSelf: boolean;
  /** The XLSForm name of the question the constraint belongs to: `${that}` reads as `.`. */
  selfName?: string;
  /**
   * A bare name (`district` in a choice_filter: a column of the choices sheet) read as the value
   * it stands for; a message when it stands for nothing. Without it a bare name is an error.
   */
  bare?(name: string): { ok: true; value: string } | { ok: false; message: ReportMessage };
}

/** A translation failure; `column` is 1-based in the XLSForm text. */
export interface TranslateError {
  message: ReportMessage;
  column: number;
}

/** Result of {@link translateExpression}. */
export type TranslateResult = { ok: true; expr: Expr; text: string } | { ok: false; error: TranslateError };

/** Result of {@link parseXlsExpression}. */
export type XlsParseResult = { ok: true; expr: Expr } | { ok: false; error: TranslateError };

// ---------------------------------------------------------------------------------------------
// Tokens
// ---------------------------------------------------------------------------------------------

type Token =
  | { k: "num"; value: number; col: number }
  | { k: "str"; value: string; col: number }
  | { k: "ref"; name: string; col: number }
  | { k: "name"; value: string; col: number }
  | { k: "op"; value: string; col: number }
  | { k: "end"; col: number };

class Failure extends Error {
  constructor(
    readonly report: ReportMessage,
    readonly column: number,
  ) {
    super(report.key);
  }
}

// XPath names (NCName, optionally prefixed like jr:choice-name) may contain '-' and '.'.
const NAME_START = /[\p{L}_]/u;
const NAME_PART = /[\p{L}\p{N}_.\-]/u;
/** XLSForm field names inside ${…}. */
const FIELD_NAME = /^\$\{\s*([\p{L}_][\p{L}\p{N}_.\-]*)\s*\}/u;

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
      const m = /^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)/.exec(src.slice(i));
      const text = m?.[0] ?? ch;
      tokens.push({ k: "num", value: Number(text), col });
      i += text.length;
      continue;
    }
    if (ch === "'" || ch === '"') {
      // XPath string literals have no escapes: they end at the next quote of the same kind.
      const close = src.indexOf(ch, i + 1);
      if (close < 0) throw new Failure(msg("msg.x_unterminated"), col);
      tokens.push({ k: "str", value: src.slice(i + 1, close), col });
      i = close + 1;
      continue;
    }
    if (ch === "$") {
      const m = FIELD_NAME.exec(src.slice(i));
      if (!m) throw new Failure(msg("msg.x_expected_field"), col);
      tokens.push({ k: "ref", name: m[1] ?? "", col });
      i += m[0].length;
      continue;
    }
    if (NAME_START.test(ch)) {
      let j = i + 1;
      while (j < src.length && NAME_PART.test(src[j] ?? "")) j++;
      // A namespace prefix (jr:choice-name), but not the '::' of an XPath axis.
      if (src[j] === ":" && src[j + 1] !== ":" && NAME_START.test(src[j + 1] ?? "")) {
        j += 2;
        while (j < src.length && NAME_PART.test(src[j] ?? "")) j++;
      }
      tokens.push({ k: "name", value: src.slice(i, j), col });
      i = j;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (two === "!=" || two === "<=" || two === ">=" || two === ".." || two === "//" || two === "::") {
      tokens.push({ k: "op", value: two, col });
      i += 2;
      continue;
    }
    if ("=<>+-*|(),./[]@".includes(ch)) {
      tokens.push({ k: "op", value: ch, col });
      i++;
      continue;
    }
    throw new Failure(msg("msg.x_unexpected_char", { char: ch }), col);
  }
  tokens.push({ k: "end", col: src.length + 1 });
  return tokens;
}

// ---------------------------------------------------------------------------------------------
// Parser (XPath 1.0 precedence: or < and < = != < < <= > >= < + - < * div mod < unary - < |)
// ---------------------------------------------------------------------------------------------

/** XLSForm functions with an exact engine counterpart (besides not(), true(), false()). */
const FUNCTIONS: Record<string, { fn: FunctionName; arity: number }> = {
  selected: { fn: "selected", arity: 2 },
  "count-selected": { fn: "count", arity: 1 },
  "string-length": { fn: "length", arity: 1 },
  number: { fn: "number", arity: 1 },
  regex: { fn: "regex", arity: 2 },
  if: { fn: "if", arity: 3 },
  coalesce: { fn: "coalesce", arity: 2 },
  today: { fn: "today", arity: 0 },
};

/** Why well-known XLSForm functions are missing, where a hint helps. */
const FUNCTION_HINTS: Record<string, XlsFormMessageKey> = {
  count: "msg.x_hint_count",
  now: "msg.x_hint_now",
  "jr:choice-name": "msg.x_hint_choice_name",
};

const FUNCTION_LIST = "not(), selected(), count-selected(), string-length(), number(), regex(), if(), coalesce(), today(), true(), false()";

const DEPTH_LIMIT = 40;

class XPathParser {
  private pos = 0;
  private depth = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly options: TranslateOptions,
  ) {}

  private peek(): Token {
    return this.tokens[this.pos] ?? { k: "end", col: 0 };
  }
  private next(): Token {
    const tok = this.peek();
    if (this.pos < this.tokens.length - 1) this.pos++;
    return tok;
  }
  private isOp(...values: string[]): boolean {
    const tok = this.peek();
    return tok.k === "op" && values.includes(tok.value);
  }
  private isName(...values: string[]): boolean {
    const tok = this.peek();
    return tok.k === "name" && values.includes(tok.value);
  }
  private enter(col: number): void {
    if (++this.depth > DEPTH_LIMIT) throw new Failure(msg("msg.x_too_deep"), col);
  }
  private leave(): void {
    this.depth--;
  }

  parseAll(): Expr {
    const expr = this.or();
    const tok = this.peek();
    if (tok.k !== "end") throw new Failure(msg("msg.x_unexpected", { found: describe(tok) }), tok.col);
    return expr;
  }

  private or(): Expr {
    let left = this.and();
    while (this.isName("or")) {
      const col = this.next().col;
      left = { t: "bin", op: "or", left, right: this.and(), col };
    }
    return left;
  }
  private and(): Expr {
    let left = this.equality();
    while (this.isName("and")) {
      const col = this.next().col;
      left = { t: "bin", op: "and", left, right: this.equality(), col };
    }
    return left;
  }
  private equality(): Expr {
    let left = this.relational();
    while (this.isOp("=", "!=")) {
      const tok = this.next();
      const op: BinaryOp = tok.k === "op" && tok.value === "!=" ? "!=" : "==";
      left = { t: "bin", op, left, right: this.relational(), col: tok.col };
    }
    return left;
  }
  private relational(): Expr {
    let left = this.additive();
    while (this.isOp("<", "<=", ">", ">=")) {
      const tok = this.next();
      left = { t: "bin", op: (tok.k === "op" ? tok.value : "<") as BinaryOp, left, right: this.additive(), col: tok.col };
    }
    return left;
  }
  private additive(): Expr {
    let left = this.multiplicative();
    while (this.isOp("+", "-")) {
      const tok = this.next();
      left = { t: "bin", op: tok.k === "op" && tok.value === "-" ? "-" : "+", left, right: this.multiplicative(), col: tok.col };
    }
    return left;
  }
  private multiplicative(): Expr {
    let left = this.unary();
    for (;;) {
      if (this.isOp("*")) {
        const col = this.next().col;
        left = { t: "bin", op: "*", left, right: this.unary(), col };
      } else if (this.isName("div")) {
        const col = this.next().col;
        left = { t: "bin", op: "/", left, right: this.unary(), col };
      } else if (this.isName("mod")) {
        throw new Failure(msg("msg.x_mod"), this.peek().col);
      } else {
        return left;
      }
    }
  }
  private unary(): Expr {
    if (this.isOp("-")) {
      const col = this.next().col;
      this.enter(col);
      const arg = this.unary();
      this.leave();
      return { t: "neg", arg, col };
    }
    const expr = this.primary();
    const tok = this.peek();
    if (tok.k === "op" && (tok.value === "|" || tok.value === "/" || tok.value === "//" || tok.value === "[")) {
      throw new Failure(msg(tok.value === "[" ? "msg.x_predicates" : tok.value === "|" ? "msg.x_unions" : "msg.x_paths"), tok.col);
    }
    return expr;
  }
  private primary(): Expr {
    const tok = this.next();
    switch (tok.k) {
      case "num":
        return { t: "lit", value: tok.value, col: tok.col };
      case "str":
        return { t: "lit", value: tok.value, col: tok.col };
      case "ref":
        return this.reference(tok.name, tok.col);
      case "name":
        return this.name(tok.value, tok.col);
      case "op":
        if (tok.value === ".") {
          if (!this.options.allowSelf) throw new Failure(msg("msg.x_self"), tok.col);
          return { t: "self", col: tok.col };
        }
        if (tok.value === "(") {
          this.enter(tok.col);
          const inner = this.or();
          const close = this.next();
          if (close.k !== "op" || close.value !== ")") throw new Failure(msg("msg.x_expected_close", { found: describe(close) }), close.col);
          this.leave();
          return inner;
        }
        if (tok.value === ".." || tok.value === "/" || tok.value === "//" || tok.value === "@") {
          throw new Failure(msg("msg.x_path_op", { op: tok.value }), tok.col);
        }
        throw new Failure(msg("msg.x_unexpected", { found: describe(tok) }), tok.col);
      case "end":
        throw new Failure(msg("msg.x_unexpected_end"), tok.col);
    }
  }
  private reference(name: string, col: number): Expr {
    if (this.options.selfName !== undefined && name === this.options.selfName) {
      if (!this.options.allowSelf) throw new Failure(msg("msg.x_self_ref", { ref: `\${${name}}` }), col);
      return { t: "self", col };
    }
    const resolved = this.options.resolve(name);
    if (!resolved.ok) throw new Failure(resolved.message, col);
    return { t: "ref", name: resolved.id, col };
  }
  private name(word: string, col: number): Expr {
    if (!this.isOp("(")) {
      if (word === "and" || word === "or" || word === "div" || word === "mod") throw new Failure(msg("msg.x_unexpected_word", { word }), col);
      if (this.options.bare) {
        const value = this.options.bare(word);
        if (!value.ok) throw new Failure(value.message, col);
        return { t: "lit", value: value.value, col };
      }
      throw new Failure(msg("msg.x_bare", { word, ref: `\${${word}}` }), col);
    }
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
    const close = this.next();
    if (close.k !== "op" || close.value !== ")") throw new Failure(msg("msg.x_expected_close", { found: describe(close) }), close.col);
    this.leave();
    return this.call(word, args, col);
  }
  private call(word: string, args: Expr[], col: number): Expr {
    const arity = (n: number): void => {
      if (args.length !== n) throw new Failure(msg(n === 1 ? "msg.x_arity_one" : "msg.x_arity_many", { fn: word, n, got: args.length }), col);
    };
    if (word === "true" || word === "false") {
      arity(0);
      return { t: "lit", value: word === "true", col };
    }
    if (word === "not") {
      arity(1);
      return { t: "not", arg: args[0] as Expr, col };
    }
    const spec = Object.hasOwn(FUNCTIONS, word) ? FUNCTIONS[word] : undefined;
    if (!spec) {
      const hint = Object.hasOwn(FUNCTION_HINTS, word) ? FUNCTION_HINTS[word] : undefined;
      throw new Failure(hint ? msg("msg.x_function_hint", { fn: word, hint: msg(hint), known: FUNCTION_LIST }) : msg("msg.x_function", { fn: word, known: FUNCTION_LIST }), col);
    }
    arity(spec.arity);
    const first = args[0];
    if ((spec.fn === "selected" || spec.fn === "count") && first && first.t !== "ref" && first.t !== "self") {
      throw new Failure(msg("msg.x_first_arg", { fn: word }), first.col);
    }
    if (spec.fn === "selected") {
      const option = args[1];
      if (!option || option.t !== "lit" || typeof option.value === "boolean") {
        throw new Failure(msg("msg.x_second_arg", { fn: word }), option?.col ?? col);
      }
      // XPath compares the string form of a number: selected(., 1) tests choice '1'.
      const value = typeof option.value === "number" ? String(option.value) : option.value;
      return { t: "call", fn: "selected", args: [first as Expr, { t: "lit", value, col: option.col }], col };
    }
    if (spec.fn === "regex") {
      const pattern = args[1];
      if (!pattern || pattern.t !== "lit" || typeof pattern.value !== "string") {
        throw new Failure(msg("msg.x_regex_arg"), pattern?.col ?? col);
      }
      const compiled = compileBoundedRegex(pattern.value);
      if (!compiled.ok) {
        // The matcher's reason is the engine's (English) wording, quoted.
        throw new Failure(msg("msg.x_regex_unsafe", { pattern: pattern.value, reason: compiled.error.message, at: compiled.error.column }), pattern.col);
      }
    }
    return { t: "call", fn: spec.fn, args, col };
  }
}

function describe(tok: Token): ReportMessage {
  switch (tok.k) {
    case "end":
      return msg("msg.x_end");
    case "str":
      return msg("msg.x_token", { token: `'${tok.value}'` });
    case "ref":
      return msg("msg.x_token", { token: `\${${tok.name}}` });
    case "num":
      return msg("msg.x_token", { token: String(tok.value) });
    default:
      return msg("msg.x_token", { token: `'${tok.value}'` });
  }
}

/** Parses an XLSForm expression into the engine's AST; never throws. */
export function parseXlsExpression(src: string, options: TranslateOptions): XlsParseResult {
  if (src.trim() === "") return { ok: false, error: { message: msg("msg.x_empty"), column: 1 } };
  try {
    return { ok: true, expr: new XPathParser(tokenize(src), options).parseAll() };
  } catch (error) {
    if (error instanceof Failure) return { ok: false, error: { message: error.report, column: error.column } };
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// Printing in the engine's syntax
// ---------------------------------------------------------------------------------------------

// The engine's precedence levels (core/engine/expression.ts grammar, lowest first).
const OR = 1;
const AND = 2;
const NOT = 3;
const CMP = 4;
const SUM = 5;
const PROD = 6;
const UNARY = 7;
const ATOM = 8;

function level(e: Expr): number {
  switch (e.t) {
    case "bin":
      switch (e.op) {
        case "or":
          return OR;
        case "and":
          return AND;
        case "+":
        case "-":
          return SUM;
        case "*":
        case "/":
          return PROD;
        default:
          return CMP;
      }
    case "not":
      return NOT;
    case "neg":
      return UNARY;
    default:
      return ATOM;
  }
}

/** Names the engine would read as something else when written bare. */
const NOT_BARE = new Set(["and", "or", "not", "true", "false"]);

function literal(value: string | number | boolean): string {
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") return String(value);
  return value.includes("'") ? `"${value}"` : `'${value}'`;
}

/** Prints an AST in the engine's syntax, with only the parentheses its grammar needs. */
export function printExpression(e: Expr): string {
  switch (e.t) {
    case "lit":
      return literal(e.value);
    case "ref":
      return NOT_BARE.has(e.name) ? `\${${e.name}}` : e.name;
    case "self":
      return ".";
    case "call":
      return `${e.fn}(${e.args.map(printExpression).join(", ")})`;
    case "not":
      // `not a == b` already means not(a == b) to the engine, but people read it wrong.
      return level(e.arg) >= UNARY ? `not ${printExpression(e.arg)}` : `not (${printExpression(e.arg)})`;
    case "neg":
      return level(e.arg) >= UNARY ? `-${printExpression(e.arg)}` : `-(${printExpression(e.arg)})`;
    case "bin": {
      const own = level(e);
      const leftLevel = level(e.left);
      const rightLevel = level(e.right);
      // Comparisons don't chain in the engine; every other operator is left-associative.
      const wrapLeft = leftLevel < own || (own === CMP && leftLevel === CMP);
      const wrapRight = rightLevel <= own;
      const left = wrapLeft ? `(${printExpression(e.left)})` : printExpression(e.left);
      const right = wrapRight ? `(${printExpression(e.right)})` : printExpression(e.right);
      return `${left} ${e.op} ${right}`;
    }
  }
}

/** Same tree, ignoring columns? (The check that printing kept the meaning.) */
export function sameExpression(a: Expr, b: Expr): boolean {
  switch (a.t) {
    case "lit":
      return b.t === "lit" && a.value === b.value;
    case "ref":
      return b.t === "ref" && a.name === b.name;
    case "self":
      return b.t === "self";
    case "call":
      return b.t === "call" && a.fn === b.fn && a.args.length === b.args.length && a.args.every((x, i) => sameExpression(x, b.args[i] as Expr));
    case "not":
    case "neg":
      return b.t === a.t && sameExpression(a.arg, (b as { arg: Expr }).arg);
    case "bin":
      return b.t === "bin" && a.op === b.op && sameExpression(a.left, b.left) && sameExpression(a.right, b.right);
  }
}

/** `a and b and …` of several conditions (e.g. a group's relevant and a question's own). */
export function allOf(exprs: readonly Expr[]): Expr | undefined {
  let out: Expr | undefined;
  for (const e of exprs) out = out ? { t: "bin", op: "and", left: out, right: e, col: e.col } : e;
  return out;
}

/**
 * Prints `expr` and checks the engine parses the text back into the same tree. An error here is a
 * bug in this module, never the form's fault, but it still stops the import rather than storing
 * a condition that means something else.
 */
export function toEngineText(expr: Expr): { ok: true; text: string } | { ok: false; message: ReportMessage } {
  const text = printExpression(expr);
  const parsed = parseExpression(text);
  if (!parsed.ok) return { ok: false, message: msg("msg.x_internal_parse", { text, reason: parsed.error.message }) };
  if (!sameExpression(expr, parsed.expr)) return { ok: false, message: msg("msg.x_internal_differs", { text }) };
  return { ok: true, text };
}

/** Translates one XLSForm expression into engine text (see the module comment). */
export function translateExpression(src: string, options: TranslateOptions): TranslateResult {
  const parsed = parseXlsExpression(src, options);
  if (!parsed.ok) return parsed;
  const printed = toEngineText(parsed.expr);
  if (!printed.ok) return { ok: false, error: { message: printed.message, column: 1 } };
  return { ok: true, expr: parsed.expr, text: printed.text };
}
