/**
 * The regular expressions of `regex(value, 'pattern')`: a small matcher that cannot be made to
 * hang, because forms are written by people outside the office and run inside the bot.
 *
 * JavaScript's RegExp backtracks, so `(a+)+$` against a line of a's takes exponential time. This
 * module compiles a pattern to a Thompson NFA and runs it as a Pike VM: every input character is
 * looked at once per NFA state, so a match costs at most (input length × program size) steps,
 * whatever the pattern. The program size and the input length are capped as well.
 *
 * Syntax (the common subset of XML Schema, Java and JavaScript regular expressions that forms use):
 * literals, `.`, `[…]` and `[^…]` with ranges, `\d \D \w \W \s \S`, escaped metacharacters,
 * `\t \n \r`, `^ $ \b \B`, groups `(…)` / `(?:…)`, alternation `|`, quantifiers `* + ? {n} {n,}
 * {n,m}` (lazy forms read as greedy: only match / no match matters). Backreferences, lookaround,
 * possessive quantifiers and `\p{…}` are refused with the column: a backtracking-free engine
 * cannot run them. As in ODK (JavaRosa), the pattern may match anywhere in the value unless it
 * is anchored with `^` and `$`.
 */

/** Largest compiled program (NFA instructions); `a{1000}{1000}` and the like are refused. */
export const MAX_REGEX_PROGRAM = 4000;
/** Longest value tested, in characters; a longer value does not match. */
export const MAX_REGEX_INPUT = 20_000;
/** Longest pattern accepted, in characters. */
export const MAX_REGEX_PATTERN = 500;

type CharTest = (cp: number) => boolean;

type Node =
  | { t: "char"; test: CharTest }
  | { t: "seq"; items: Node[] }
  | { t: "alt"; options: Node[] }
  | { t: "repeat"; node: Node; min: number; max: number }
  | { t: "assert"; kind: "bol" | "eol" | "word" | "nonword" };

type Inst =
  | { op: "char"; test: CharTest }
  | { op: "split"; x: number; y: number }
  | { op: "jmp"; x: number }
  | { op: "assert"; kind: "bol" | "eol" | "word" | "nonword" }
  | { op: "match" };

/** A compiled pattern. */
export interface BoundedRegex {
  readonly source: string;
  /** Does the pattern match anywhere in `text`? False for a text over {@link MAX_REGEX_INPUT}. */
  test(text: string): boolean;
}

/** Why a pattern was refused, with the 1-based column in the pattern. */
export interface RegexError {
  message: string;
  column: number;
}

export type RegexCompileResult = { ok: true; regex: BoundedRegex } | { ok: false; error: RegexError };

class PatternFailure extends Error {
  constructor(
    message: string,
    readonly column: number,
  ) {
    super(message);
  }
}

const isDigit: CharTest = (cp) => cp >= 48 && cp <= 57;
const isWordChar: CharTest = (cp) => isDigit(cp) || (cp >= 65 && cp <= 90) || (cp >= 97 && cp <= 122) || cp === 95;
const isSpace: CharTest = (cp) => cp === 32 || (cp >= 9 && cp <= 13) || cp === 0xa0 || cp === 0x3000 || cp === 0xfeff || (cp >= 0x2000 && cp <= 0x200a) || cp === 0x2028 || cp === 0x2029;
const not = (test: CharTest): CharTest => (cp) => !test(cp);
const exactly = (c: number): CharTest => (cp) => cp === c;

const CLASS_ESCAPES: Record<string, CharTest> = { d: isDigit, D: not(isDigit), w: isWordChar, W: not(isWordChar), s: isSpace, S: not(isSpace) };
const CONTROL_ESCAPES: Record<string, number> = { t: 9, n: 10, r: 13, f: 12, v: 11 };
const METACHARACTERS = "\\^$.|?*+()[]{}/-";

class PatternParser {
  private pos = 0;
  private groupDepth = 0;
  private readonly chars: string[];

  constructor(source: string) {
    this.chars = [...source];
  }

  parse(): Node {
    const node = this.alternation();
    if (this.pos < this.chars.length) throw new PatternFailure(`unexpected '${this.chars[this.pos]}'`, this.pos + 1);
    return node;
  }

  private peek(offset = 0): string | undefined {
    return this.chars[this.pos + offset];
  }

  private alternation(): Node {
    const options = [this.sequence()];
    while (this.peek() === "|") {
      this.pos++;
      options.push(this.sequence());
    }
    return options.length === 1 ? (options[0] as Node) : { t: "alt", options };
  }

  private sequence(): Node {
    const items: Node[] = [];
    for (;;) {
      const ch = this.peek();
      if (ch === undefined || ch === "|" || ch === ")") break;
      const atomColumn = this.pos + 1;
      const atom = this.atom();
      items.push(this.quantified(atom, atomColumn));
    }
    return items.length === 1 ? (items[0] as Node) : { t: "seq", items };
  }

  private quantified(atom: Node, atomColumn: number): Node {
    const ch = this.peek();
    let min: number;
    let max: number;
    const column = this.pos + 1;
    if (ch === "*") [min, max] = [0, Infinity];
    else if (ch === "+") [min, max] = [1, Infinity];
    else if (ch === "?") [min, max] = [0, 1];
    else if (ch === "{") {
      const rest = this.chars.slice(this.pos).join("");
      const m = /^\{(\d{1,4})(,(\d{0,4}))?\}/.exec(rest);
      if (!m) throw new PatternFailure("'{' must start a count such as {3}, {2,} or {2,5} (write \\{ for the character)", column);
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === "" ? Infinity : Number(m[3]);
      if (max < min) throw new PatternFailure(`{${m[1]},${m[3]}}: the largest count is below the smallest`, column);
      this.pos += m[0].length - 1;
    } else return atom;
    this.pos++;
    if (atom.t === "assert") throw new PatternFailure("an anchor cannot be repeated", atomColumn);
    if (this.peek() === "?") this.pos++; // lazy: same yes/no answer
    else if (this.peek() === "+") throw new PatternFailure("possessive quantifiers ('*+', '++') are not supported", this.pos + 1);
    if ("*+?{".includes(this.peek() ?? "x") && this.peek() !== undefined) {
      throw new PatternFailure("a quantifier cannot follow another one; put the repeated part in a group", this.pos + 1);
    }
    return { t: "repeat", node: atom, min, max };
  }

  private atom(): Node {
    const column = this.pos + 1;
    const ch = this.chars[this.pos++] as string;
    switch (ch) {
      case ".":
        return { t: "char", test: (cp) => cp !== 10 && cp !== 13 };
      case "^":
        return { t: "assert", kind: "bol" };
      case "$":
        return { t: "assert", kind: "eol" };
      case "[":
        return this.charClass(column);
      case "(":
        return this.group(column);
      case ")":
        throw new PatternFailure("')' without '('", column);
      case "*":
      case "+":
      case "?":
      case "{":
        throw new PatternFailure(`'${ch}' has nothing to repeat`, column);
      case "\\":
        return this.escape(column, false);
      default:
        return { t: "char", test: exactly(ch.codePointAt(0) as number) };
    }
  }

  private group(column: number): Node {
    if (this.peek() === "?") {
      const next = this.peek(1);
      if (next === ":") this.pos += 2;
      else if (next === "=" || next === "!" || (next === "<" && (this.peek(2) === "=" || this.peek(2) === "!"))) {
        throw new PatternFailure("lookahead and lookbehind ('(?=', '(?!', '(?<=', '(?<!') are not supported", column);
      } else if (next === "<" || next === "P") {
        const close = this.chars.indexOf(">", this.pos);
        if (close < 0) throw new PatternFailure("unterminated group name", column);
        this.pos = close + 1;
      } else throw new PatternFailure(`'(?${next ?? ""}' is not supported`, column);
    }
    if (++this.groupDepth > 20) throw new PatternFailure("groups nested too deeply", column);
    const inner = this.alternation();
    this.groupDepth--;
    if (this.peek() !== ")") throw new PatternFailure("'(' is never closed", column);
    this.pos++;
    return inner;
  }

  // `\x` outside or (inClass) inside a character class.
  private escape(column: number, inClass: boolean): Node & { t: "char" | "assert" } {
    const ch = this.chars[this.pos++];
    if (ch === undefined) throw new PatternFailure("the pattern ends with '\\'", column);
    if (Object.hasOwn(CLASS_ESCAPES, ch)) return { t: "char", test: CLASS_ESCAPES[ch] as CharTest };
    if (Object.hasOwn(CONTROL_ESCAPES, ch)) return { t: "char", test: exactly(CONTROL_ESCAPES[ch] as number) };
    if (/[1-9]/.test(ch) || ch === "k") throw new PatternFailure("backreferences ('\\1', '\\k<name>') are not supported", column);
    if (ch === "p" || ch === "P") throw new PatternFailure("Unicode classes ('\\p{…}') are not supported; list the characters in [ ]", column);
    if (!inClass && (ch === "b" || ch === "B")) return { t: "assert", kind: ch === "b" ? "word" : "nonword" };
    if (ch === "u") {
      const hex = this.chars.slice(this.pos, this.pos + 4).join("");
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new PatternFailure("'\\u' must be followed by four hex digits", column);
      this.pos += 4;
      return { t: "char", test: exactly(parseInt(hex, 16)) };
    }
    if (METACHARACTERS.includes(ch) || !/[A-Za-z0-9]/.test(ch)) return { t: "char", test: exactly(ch.codePointAt(0) as number) };
    throw new PatternFailure(`'\\${ch}' is not supported`, column);
  }

  private charClass(column: number): Node {
    const negate = this.peek() === "^";
    if (negate) this.pos++;
    const tests: CharTest[] = [];
    let first = true;
    for (;;) {
      const ch = this.peek();
      if (ch === undefined) throw new PatternFailure("'[' is never closed", column);
      if (ch === "]" && !first) {
        this.pos++;
        break;
      }
      first = false;
      const itemColumn = this.pos + 1;
      const low = this.classChar(itemColumn);
      if (typeof low !== "number") {
        tests.push(low);
        continue;
      }
      if (this.peek() === "-" && this.peek(1) !== undefined && this.peek(1) !== "]") {
        this.pos++;
        const high = this.classChar(this.pos + 1);
        if (typeof high !== "number") throw new PatternFailure("a range cannot end with a class such as \\d", itemColumn);
        if (high < low) throw new PatternFailure("a range goes from the smaller character to the larger", itemColumn);
        tests.push((cp) => cp >= low && cp <= high);
      } else tests.push(exactly(low));
    }
    const any: CharTest = (cp) => tests.some((test) => test(cp));
    return { t: "char", test: negate ? not(any) : any };
  }

  // One member of a class: a code point, or a class escape's test.
  private classChar(column: number): number | CharTest {
    const ch = this.chars[this.pos++] as string;
    if (ch === "[" && this.peek() === ":") throw new PatternFailure("POSIX classes ('[:alpha:]') are not supported", column);
    if (ch !== "\\") return ch.codePointAt(0) as number;
    const single = this.peek() ?? "";
    const escaped = this.escape(column, true);
    if (escaped.t !== "char") throw new PatternFailure("anchors cannot be in [ ]", column);
    // \uXXXX, \t … and escaped punctuation stand for one character, so they can bound a range.
    if (single === "u") return parseInt(this.chars.slice(this.pos - 4, this.pos).join(""), 16);
    if (Object.hasOwn(CONTROL_ESCAPES, single)) return CONTROL_ESCAPES[single] as number;
    if (Object.hasOwn(CLASS_ESCAPES, single)) return escaped.test;
    return single.codePointAt(0) as number;
  }
}

class Compiler {
  readonly prog: Inst[] = [];

  private emit(inst: Inst): number {
    if (this.prog.length >= MAX_REGEX_PROGRAM) throw new PatternFailure(`the pattern is too large once its counts are expanded (over ${MAX_REGEX_PROGRAM} steps)`, 1);
    this.prog.push(inst);
    return this.prog.length - 1;
  }

  compile(node: Node): void {
    switch (node.t) {
      case "char":
        this.emit({ op: "char", test: node.test });
        return;
      case "assert":
        this.emit({ op: "assert", kind: node.kind });
        return;
      case "seq":
        for (const item of node.items) this.compile(item);
        return;
      case "alt": {
        const jumps: number[] = [];
        node.options.forEach((option, i) => {
          if (i === node.options.length - 1) {
            this.compile(option);
            return;
          }
          const split = this.emit({ op: "split", x: 0, y: 0 });
          this.patch(split, "x", this.prog.length);
          this.compile(option);
          jumps.push(this.emit({ op: "jmp", x: 0 }));
          this.patch(split, "y", this.prog.length);
        });
        for (const j of jumps) this.patch(j, "x", this.prog.length);
        return;
      }
      case "repeat": {
        for (let i = 0; i < node.min; i++) this.compile(node.node);
        if (node.max === Infinity) {
          // L: split body, out; body; jmp L
          const split = this.emit({ op: "split", x: 0, y: 0 });
          this.patch(split, "x", this.prog.length);
          this.compile(node.node);
          this.emit({ op: "jmp", x: split });
          this.patch(split, "y", this.prog.length);
          return;
        }
        const exits: number[] = [];
        for (let i = node.min; i < node.max; i++) {
          const split = this.emit({ op: "split", x: 0, y: 0 });
          this.patch(split, "x", this.prog.length);
          exits.push(split);
          this.compile(node.node);
        }
        for (const s of exits) this.patch(s, "y", this.prog.length);
        return;
      }
    }
  }

  private patch(at: number, field: "x" | "y", target: number): void {
    const inst = this.prog[at] as Inst;
    if (inst.op === "split") inst[field] = target;
    else if (inst.op === "jmp") inst.x = target;
  }
}

/** Runs the program over `input` (code points), matching anywhere; linear in the input. */
function run(prog: readonly Inst[], input: readonly number[]): boolean {
  const n = input.length;
  const seen = new Int32Array(prog.length).fill(-1);
  let current: number[] = [];
  let next: number[] = [];
  const stack: number[] = [];
  // Adds the thread at `pc` (following jumps, splits and assertions) for position `pos`.
  const add = (list: number[], start: number, pos: number): boolean => {
    stack.push(start);
    while (stack.length > 0) {
      const pc = stack.pop() as number;
      if (seen[pc] === pos) continue;
      seen[pc] = pos;
      const inst = prog[pc] as Inst;
      switch (inst.op) {
        case "jmp":
          stack.push(inst.x);
          break;
        case "split":
          stack.push(inst.y, inst.x);
          break;
        case "assert": {
          const before = pos > 0 && isWordChar(input[pos - 1] as number);
          const after = pos < n && isWordChar(input[pos] as number);
          const holds = inst.kind === "bol" ? pos === 0 : inst.kind === "eol" ? pos === n : inst.kind === "word" ? before !== after : before === after;
          if (holds) stack.push(pc + 1);
          break;
        }
        case "match":
          stack.length = 0;
          return true;
        case "char":
          list.push(pc);
          break;
      }
    }
    return false;
  };
  for (let pos = 0; pos <= n; pos++) {
    // A new attempt starts at every position (the pattern may match anywhere).
    if (add(current, 0, pos)) return true;
    if (pos === n) break;
    const cp = input[pos] as number;
    next.length = 0;
    for (const pc of current) {
      const inst = prog[pc] as Inst & { op: "char" };
      if (inst.test(cp) && add(next, pc + 1, pos + 1)) return true;
    }
    [current, next] = [next, current];
  }
  return false;
}

/** Compiles a pattern, or says (with the column) why it cannot be run safely. */
export function compileBoundedRegex(source: string): RegexCompileResult {
  if ([...source].length > MAX_REGEX_PATTERN) return { ok: false, error: { message: `the pattern is longer than ${MAX_REGEX_PATTERN} characters`, column: MAX_REGEX_PATTERN + 1 } };
  try {
    const tree = new PatternParser(source).parse();
    const compiler = new Compiler();
    compiler.compile(tree);
    compiler.prog.push({ op: "match" });
    const prog = compiler.prog;
    return {
      ok: true,
      regex: {
        source,
        test(text: string): boolean {
          if (text.length > MAX_REGEX_INPUT * 2) return false;
          const input = [...text].map((c) => c.codePointAt(0) as number);
          return input.length <= MAX_REGEX_INPUT && run(prog, input);
        },
      },
    };
  } catch (error) {
    if (error instanceof PatternFailure) return { ok: false, error: { message: error.message, column: error.column } };
    throw error;
  }
}

// Compiled patterns by source. Patterns come from validated questionnaires, so there are few;
// the cap only keeps a pathological caller from growing it without end.
const cache = new Map<string, BoundedRegex | null>();
const CACHE_LIMIT = 500;

/** Does `text` match `pattern`? An invalid pattern matches nothing (load-time checks refuse it). */
export function regexMatches(pattern: string, text: string): boolean {
  let regex = cache.get(pattern);
  if (regex === undefined) {
    const compiled = compileBoundedRegex(pattern);
    regex = compiled.ok ? compiled.regex : null;
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(pattern, regex);
  }
  return regex !== null && regex.test(text);
}
