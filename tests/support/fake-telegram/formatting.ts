/**
 * The Bot API's parse modes (HTML, MarkdownV2, legacy Markdown), reimplemented after tdlib so
 * that formatting mistakes fail in tests the way they fail against Telegram.
 */
import type { MessageEntity } from "grammy/types";

/** Thrown by the parse-mode parsers; the message is Telegram's text after "can't parse entities: ". */
export class EntityParseError extends Error {}
export class UnsupportedParseModeError extends Error {}

/** Result of parsing formatted text: the plain text a user sees and its entities (UTF-16 offsets). */
export interface FormattedText {
  /** Text with markup removed and escapes resolved. */
  text: string;
  /** Entities sorted by offset (then longer first). */
  entities: MessageEntity[];
}

/**
 * Parses `text` the way the Bot API does for `parse_mode` (`HTML`, `MarkdownV2`, `Markdown`;
 * case-insensitive). Throws {@link EntityParseError} with Telegram's wording on bad markup.
 */
export function parseFormattedText(text: string, parseMode: string, opts: { strictHtmlEntities?: boolean } = {}): FormattedText {
  switch (parseMode.toLowerCase()) {
    case "html":
      return parseHtml(text, opts.strictHtmlEntities ?? true);
    case "markdownv2":
      return parseMarkdownV2(text);
    case "markdown":
      return parseMarkdownLegacy(text);
    default:
      throw new UnsupportedParseModeError(parseMode);
  }
}

const byteOffset = (s: string, index: number) => Buffer.byteLength(s.slice(0, index), "utf8");

/** tdlib's ordering of entities that share offset and length (MessageEntity::get_type_priority). */
const ENTITY_PRIORITY: Record<string, number> = {
  blockquote: 0,
  expandable_blockquote: 0,
  pre: 10,
  code: 20,
  text_link: 49,
  text_mention: 49,
  bold: 90,
  italic: 91,
  underline: 92,
  strikethrough: 93,
  spoiler: 94,
  custom_emoji: 99,
};

function sortEntities(list: MessageEntity[]): MessageEntity[] {
  const priority = (e: MessageEntity) => ENTITY_PRIORITY[e.type] ?? 50;
  return list.filter((e) => e.length > 0).sort((a, b) => a.offset - b.offset || b.length - a.length || priority(a) - priority(b));
}

function normalizeUrl(url: string): string | undefined {
  const trimmed = url.trim();
  if (trimmed === "") return undefined;
  if (/^(https?|tg|ftp):\/\//i.test(trimmed)) return trimmed;
  if (/^tg:/i.test(trimmed)) return trimmed;
  if (/^[\p{L}\p{N}-]+(\.[\p{L}\p{N}-]+)+(:\d+)?([/?#]\S*)?$/u.test(trimmed)) return `http://${trimmed}`;
  return undefined;
}

function linkEntity(url: string, offset: number, length: number): MessageEntity | undefined {
  const mention = /^tg:(?:\/\/)?user\?id=(\d+)$/i.exec(url.trim());
  if (mention) return { type: "text_mention", offset, length, user: { id: Number(mention[1]), is_bot: false, first_name: "" } };
  const normalized = normalizeUrl(url);
  return normalized ? { type: "text_link", offset, length, url: normalized } : undefined;
}

const HTML_TAGS = new Set(["a", "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "tg-emoji", "code", "pre", "blockquote"]);
const HTML_SIMPLE: Record<string, MessageEntity.CommonMessageEntity["type"]> = {
  b: "bold",
  strong: "bold",
  i: "italic",
  em: "italic",
  u: "underline",
  ins: "underline",
  s: "strikethrough",
  strike: "strikethrough",
  del: "strikethrough",
  "tg-spoiler": "spoiler",
  span: "spoiler",
};

/** Decodes an HTML character reference at `s[i] === "&"`; returns the text and the length consumed, or undefined. */
function decodeHtmlEntity(s: string, i: number): { value: string; length: number; known: boolean } | undefined {
  const m = /^&(#[0-9]{1,8}|#[xX][0-9a-fA-F]{1,7}|[a-zA-Z][a-zA-Z0-9]{0,31})(;?)/.exec(s.slice(i, i + 42));
  if (!m) return undefined;
  const name = m[1] ?? "";
  const length = m[0].length;
  if (name.startsWith("#")) {
    const code = name[1] === "x" || name[1] === "X" ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
    if (code >= 0xd800 && code <= 0xdfff) {
      throw new EntityParseError("Text contains invalid Unicode characters after decoding HTML entities, check for unmatched surrogate code units");
    }
    if (code === 0 || code > 0x10ffff) return { value: s.slice(i, i + length), length, known: false };
    return { value: String.fromCodePoint(code), length, known: true };
  }
  const named: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"' };
  const value = named[name];
  if (value !== undefined) return { value, length, known: true };
  return { value: s.slice(i, i + length), length, known: false };
}

/**
 * Telegram's HTML parse mode (tdlib `parse_html`): tags b/strong, i/em, u/ins, s/strike/del,
 * tg-spoiler / span class="tg-spoiler", a href, tg-emoji, code, pre (with nested
 * code class="language-x"), blockquote [expandable]; `</>` closes the innermost tag; entities
 * &lt; &gt; &amp; &quot; and numeric ones. Unsupported tags such as `<br>` or `<p>` fail.
 */
export function parseHtml(input: string, strictEntities = true): FormattedText {
  interface Open {
    tag: string;
    attrs: Record<string, string>;
    start: number;
    byte: number;
    language?: string;
  }
  let out = "";
  const stack: Open[] = [];
  const entities: MessageEntity[] = [];
  const n = input.length;
  let i = 0;
  const isSpace = (c: string | undefined) => c === " " || c === "\t" || c === "\n" || c === "\r";
  while (i < n) {
    const c = input[i]!;
    if (c === "&") {
      const decoded = decodeHtmlEntity(input, i);
      if (decoded?.known) {
        out += decoded.value;
        i += decoded.length;
        continue;
      }
      if (strictEntities) {
        const what = decoded ? `Unsupported HTML entity "${decoded.value}"` : `Unescaped "&"`;
        throw new EntityParseError(`${what} at byte offset ${byteOffset(input, i)}; use &amp; for a literal "&"`);
      }
      out += decoded ? decoded.value : "&";
      i += decoded ? decoded.length : 1;
      continue;
    }
    if (c !== "<") {
      out += c;
      i += 1;
      continue;
    }
    const begin = i;
    const beginByte = byteOffset(input, begin);
    if (input[i + 1] === "/") {
      if (stack.length === 0) throw new EntityParseError(`Unexpected end tag at byte offset ${beginByte}`);
      const close = input.indexOf(">", i + 2);
      if (close < 0) throw new EntityParseError(`Unclosed end tag at byte offset ${beginByte}`);
      const name = input.slice(i + 2, close).trim().toLowerCase();
      const open = stack[stack.length - 1]!;
      if (name !== "" && name !== open.tag) {
        throw new EntityParseError(`Unmatched end tag at byte offset ${beginByte}, expected "</${open.tag}>", found "</${name}>"`);
      }
      stack.pop();
      i = close + 1;
      const length = out.length - open.start;
      const parent = stack[stack.length - 1];
      if (open.tag === "code" && parent?.tag === "pre" && parent.start === open.start) {
        const lang = /^language-(.+)$/.exec(open.attrs.class ?? "")?.[1];
        if (lang) {
          parent.language = lang;
          continue;
        }
      }
      if (length === 0) continue;
      const simple = HTML_SIMPLE[open.tag];
      if (simple) entities.push({ type: simple, offset: open.start, length });
      else if (open.tag === "a") {
        const href = open.attrs.href ?? out.slice(open.start);
        const link = linkEntity(href, open.start, length);
        if (link) entities.push(link);
      } else if (open.tag === "code") {
        const lang = /^language-(.+)$/.exec(open.attrs.class ?? "")?.[1];
        const child = entities.find((e) => e.type === "pre" && e.offset === open.start && e.length === length);
        if (lang && child && child.type === "pre") child.language = lang;
        else entities.push({ type: "code", offset: open.start, length });
      } else if (open.tag === "pre") {
        entities.push(open.language ? { type: "pre", offset: open.start, length, language: open.language } : { type: "pre", offset: open.start, length });
      } else if (open.tag === "blockquote") {
        entities.push({ type: "expandable" in open.attrs ? "expandable_blockquote" : "blockquote", offset: open.start, length });
      } else if (open.tag === "tg-emoji") {
        entities.push({ type: "custom_emoji", offset: open.start, length, custom_emoji_id: open.attrs["emoji-id"] ?? "" });
      }
      continue;
    }
    let j = i + 1;
    while (j < n && !isSpace(input[j]) && input[j] !== ">") j += 1;
    if (j >= n) throw new EntityParseError(`Unclosed start tag at byte offset ${beginByte}`);
    const tag = input.slice(i + 1, j).toLowerCase();
    if (!HTML_TAGS.has(tag)) throw new EntityParseError(`Unsupported start tag "${tag}" at byte offset ${beginByte}`);
    const attrs: Record<string, string> = {};
    for (;;) {
      while (j < n && isSpace(input[j])) j += 1;
      if (j >= n) throw new EntityParseError(`Unclosed start tag "${tag}" at byte offset ${beginByte}`);
      if (input[j] === ">") break;
      const nameStart = j;
      while (j < n && !isSpace(input[j]) && input[j] !== "=" && input[j] !== ">") j += 1;
      const attrName = input.slice(nameStart, j).toLowerCase();
      if (attrName === "") throw new EntityParseError(`Empty attribute name in the tag "${tag}" at byte offset ${beginByte}`);
      while (j < n && isSpace(input[j])) j += 1;
      if (input[j] !== "=") {
        if (tag === "blockquote") {
          attrs[attrName] = "";
          continue;
        }
        if (j >= n) throw new EntityParseError(`Unclosed start tag "${tag}" at byte offset ${beginByte}`);
        throw new EntityParseError(`Expected equal sign in declaration of an attribute of the tag "${tag}" at byte offset ${beginByte}`);
      }
      j += 1;
      while (j < n && isSpace(input[j])) j += 1;
      if (j >= n) throw new EntityParseError(`Unclosed start tag "${tag}" at byte offset ${beginByte}`);
      let value = "";
      const quote = input[j];
      if (quote === '"' || quote === "'") {
        const end = input.indexOf(quote, j + 1);
        if (end < 0) throw new EntityParseError(`Unclosed start tag at byte offset ${beginByte}`);
        const rawValue = input.slice(j + 1, end);
        value = parseHtml(rawValue.replace(/</g, "&lt;"), false).text;
        j = end + 1;
      } else {
        const valueStart = j;
        while (j < n && /[A-Za-z0-9.\-_:,/?#=&%+;@!~*'()$\[\]]/.test(input[j]!)) j += 1;
        if (j >= n) throw new EntityParseError(`Unexpected end of name token at byte offset ${byteOffset(input, valueStart)}`);
        value = input.slice(valueStart, j);
      }
      attrs[attrName] = value;
    }
    if (tag === "span" && attrs.class !== "tg-spoiler") {
      throw new EntityParseError(`Tag "span" must have class "tg-spoiler" at byte offset ${beginByte}`);
    }
    if (tag === "tg-emoji" && !/^\d+$/.test(attrs["emoji-id"] ?? "")) {
      throw new EntityParseError(`Custom emoji entity must contain a valid custom emoji identifier at byte offset ${beginByte}`);
    }
    stack.push({ tag, attrs, start: out.length, byte: beginByte });
    i = j + 1;
  }
  if (stack.length > 0) {
    throw new EntityParseError(`Can't find end tag corresponding to start tag "${stack[stack.length - 1]!.tag}"`);
  }
  return { text: out, entities: sortEntities(entities) };
}

const MDV2_RESERVED = "_*[]()~`>#+-=|{}.!";
type MdType = "Bold" | "Italic" | "Underline" | "Strikethrough" | "Spoiler" | "Code" | "Pre" | "PreCode" | "TextUrl" | "CustomEmoji";

/**
 * Telegram's MarkdownV2 (tdlib `parse_markdown_v2`): `*bold*`, `_italic_`, `__underline__`,
 * `~strike~`, `||spoiler||`, `` `code` ``, ```` ```lang pre``` ````, `[text](url)`,
 * `![emoji](tg://emoji?id=…)`, `>` block quotes (`**>` … `||` expandable). Every character of
 * `_*[]()~\`>#+-=|{}.!` outside an entity must be escaped with `\`.
 */
export function parseMarkdownV2(input: string): FormattedText {
  interface Open {
    type: MdType;
    start: number;
    byte: number;
    language?: string;
  }
  let out = "";
  const stack: Open[] = [];
  const entities: MessageEntity[] = [];
  const n = input.length;
  let quote: { start: number; expandable: boolean; markedExpandable: boolean } | null = null;
  const closeQuote = () => {
    if (quote && out.length > quote.start) {
      entities.push({ type: quote.expandable || quote.markedExpandable ? "expandable_blockquote" : "blockquote", offset: quote.start, length: out.length - quote.start });
    }
    quote = null;
  };
  const reserved = (c: string) => new EntityParseError(`Character '${c}' is reserved and must be escaped with the preceding '\\'`);
  const typeName: Record<string, MessageEntity.CommonMessageEntity["type"]> = {
    Bold: "bold",
    Italic: "italic",
    Underline: "underline",
    Strikethrough: "strikethrough",
    Spoiler: "spoiler",
    Code: "code",
  };
  let i = 0;
  while (i < n) {
    const c = input[i]!;
    const top = stack[stack.length - 1];
    const inCode = top?.type === "Code" || top?.type === "Pre" || top?.type === "PreCode";
    if (c === "\\" && i + 1 < n) {
      const code = input.charCodeAt(i + 1);
      if (code >= 1 && code <= 126) {
        out += input[i + 1];
        i += 2;
        continue;
      }
    }
    if (inCode) {
      if (top.type === "Code" && c === "`") {
        stack.pop();
        if (out.length > top.start) entities.push({ type: "code", offset: top.start, length: out.length - top.start });
        i += 1;
        continue;
      }
      if (top.type !== "Code" && input.startsWith("```", i)) {
        stack.pop();
        if (out.length > top.start) {
          entities.push(top.language ? { type: "pre", offset: top.start, length: out.length - top.start, language: top.language } : { type: "pre", offset: top.start, length: out.length - top.start });
        }
        i += 3;
        continue;
      }
      if (top.type !== "Code" && c === "`") {
        // tdlib quirk: a lone backtick inside a pre block opens a nested code entity
        stack.push({ type: "Code", start: out.length, byte: byteOffset(input, i) });
        i += 1;
        continue;
      }
      out += c;
      i += 1;
      continue;
    }
    const atLineStart = i === 0 || input[i - 1] === "\n";
    if (atLineStart) {
      if (input.startsWith("**>", i)) {
        closeQuote();
        quote = { start: out.length, expandable: true, markedExpandable: false };
        i += 3;
        continue;
      }
      if (c === ">") {
        if (!quote) quote = { start: out.length, expandable: false, markedExpandable: false };
        i += 1;
        continue;
      }
      if (quote) closeQuote();
    }
    if (!MDV2_RESERVED.includes(c)) {
      out += c;
      i += 1;
      continue;
    }
    if (quote && c === "|" && input[i + 1] === "|" && (i + 2 >= n || input[i + 2] === "\n" || input[i + 2] === "\r") && top?.type !== "Spoiler") {
      quote.markedExpandable = true;
      i += 2;
      continue;
    }
    const next = input[i + 1];
    const isEnd =
      top !== undefined &&
      ((top.type === "Bold" && c === "*") ||
        (top.type === "Italic" && c === "_" && next !== "_") ||
        (top.type === "Underline" && c === "_" && next === "_") ||
        (top.type === "Strikethrough" && c === "~") ||
        (top.type === "Spoiler" && c === "|" && next === "|") ||
        ((top.type === "TextUrl" || top.type === "CustomEmoji") && c === "]"));
    if (isEnd) {
      stack.pop();
      const length = out.length - top.start;
      if (top.type === "TextUrl" || top.type === "CustomEmoji") {
        i += 1;
        let url: string | undefined;
        if (input[i] === "(") {
          const urlByte = byteOffset(input, i + 1);
          i += 1;
          url = "";
          let closed = false;
          while (i < n) {
            const u = input[i]!;
            if (u === "\\" && (input[i + 1] === ")" || input[i + 1] === "\\")) {
              url += input[i + 1];
              i += 2;
              continue;
            }
            if (u === ")") {
              closed = true;
              i += 1;
              break;
            }
            url += u;
            i += 1;
          }
          if (!closed) throw new EntityParseError(top.type === "TextUrl" ? `Can't find end of a URL at byte offset ${urlByte}` : `Can't find end of a custom emoji URL at byte offset ${urlByte}`);
        }
        if (top.type === "CustomEmoji") {
          if (url === undefined) throw new EntityParseError("Custom emoji entity must contain a tg://emoji URL");
          const m = /^tg:\/\/emoji\?(?:.*&)?id=(\d+)/i.exec(url);
          if (!m) throw new EntityParseError("Custom emoji URL must have an emoji identifier");
          if (length > 0) entities.push({ type: "custom_emoji", offset: top.start, length, custom_emoji_id: m[1]! });
        } else if (length > 0) {
          const link = linkEntity(url ?? out.slice(top.start), top.start, length);
          if (link) entities.push(link);
        }
        continue;
      }
      i += top.type === "Underline" || top.type === "Spoiler" ? 2 : 1;
      const type = typeName[top.type];
      if (type && length > 0) entities.push({ type, offset: top.start, length });
      continue;
    }
    const open = (type: MdType, consumed: number, extra: Partial<Open> = {}) => {
      stack.push({ type, start: out.length, byte: byteOffset(input, i), ...extra });
      i += consumed;
    };
    switch (c) {
      case "_":
        if (next === "_") open("Underline", 2);
        else open("Italic", 1);
        break;
      case "*":
        open("Bold", 1);
        break;
      case "~":
        open("Strikethrough", 1);
        break;
      case "|":
        if (next !== "|") throw reserved(c);
        open("Spoiler", 2);
        break;
      case "[":
        open("TextUrl", 1);
        break;
      case "!":
        if (next !== "[") throw reserved(c);
        open("CustomEmoji", 2);
        break;
      case "`":
        if (input.startsWith("```", i)) {
          const byte = byteOffset(input, i);
          let j = i + 3;
          while (j < n && !/\s/.test(input[j]!) && input[j] !== "`") j += 1;
          const language = input.slice(i + 3, j);
          const start = out.length;
          const withLanguage = language !== "" && j < n && input[j] !== "`";
          let k = withLanguage ? j : i + 3;
          // like tdlib, one line break right after the opening fence (and language) is skipped
          if (input[k] === "\n" || input[k] === "\r") {
            const first = input[k];
            k += 1;
            if ((input[k] === "\n" || input[k] === "\r") && input[k] !== first) k += 1;
          }
          stack.push(withLanguage ? { type: "PreCode", start, byte, language } : { type: "Pre", start, byte });
          i = k;
        } else {
          open("Code", 1);
        }
        break;
      default:
        throw reserved(c);
    }
  }
  if (stack.length > 0) {
    const open = stack[stack.length - 1]!;
    throw new EntityParseError(`Can't find end of ${open.type} entity at byte offset ${open.byte}`);
  }
  closeQuote();
  return { text: out, entities: sortEntities(entities) };
}

/**
 * Telegram's legacy Markdown: `*bold*`, `_italic_`, `` `code` ``, ```` ```pre``` ````,
 * `[text](url)`; no nesting; `\` escapes `_*\`[` outside entities.
 */
export function parseMarkdownLegacy(input: string): FormattedText {
  let out = "";
  const entities: MessageEntity[] = [];
  const n = input.length;
  let i = 0;
  const fail = (at: number) => new EntityParseError(`Can't find end of the entity starting at byte offset ${byteOffset(input, at)}`);
  while (i < n) {
    const c = input[i]!;
    if (c === "\\" && "_*`[".includes(input[i + 1] ?? "")) {
      out += input[i + 1];
      i += 2;
      continue;
    }
    if (!"_*`[".includes(c)) {
      out += c;
      i += 1;
      continue;
    }
    const begin = i;
    const start = out.length;
    if (c === "[") {
      const close = input.indexOf("]", i + 1);
      if (close < 0) throw fail(begin);
      const label = input.slice(i + 1, close);
      out += label;
      i = close + 1;
      let url = label;
      if (input[i] === "(") {
        const end = input.indexOf(")", i + 1);
        if (end < 0) throw fail(begin);
        url = input.slice(i + 1, end);
        i = end + 1;
      }
      const link = label.length > 0 ? linkEntity(url, start, label.length) : undefined;
      if (link) entities.push(link);
      continue;
    }
    if (input.startsWith("```", i)) {
      const end = input.indexOf("```", i + 3);
      if (end < 0) throw fail(begin);
      let body = input.slice(i + 3, end);
      let language: string | undefined;
      const nl = body.indexOf("\n");
      if (nl > 0 && !/\s/.test(body.slice(0, nl))) {
        language = body.slice(0, nl);
        body = body.slice(nl + 1);
      }
      out += body;
      if (body.length > 0) entities.push(language ? { type: "pre", offset: start, length: body.length, language } : { type: "pre", offset: start, length: body.length });
      i = end + 3;
      continue;
    }
    const end = input.indexOf(c, i + 1);
    if (end < 0) throw fail(begin);
    const body = input.slice(i + 1, end);
    out += body;
    const type = c === "*" ? "bold" : c === "_" ? "italic" : "code";
    if (body.length > 0) entities.push({ type, offset: start, length: body.length });
    i = end + 1;
  }
  return { text: out, entities: sortEntities(entities) };
}
