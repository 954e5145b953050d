/**
 * Turns the engine's messages into WeChat text messages. WeChat puppets have no buttons, so
 * options become numbered lines ("1. 很安全") that residents answer by number or by text; a
 * refused answer gets a compact re-prompt instead of the whole question again; long replies are
 * split at line boundaries under WeChat's size limit.
 */
import { typedWording } from "../../core/engine/typed-wording.js";
import type { Lang, OutMessage, OutOption } from "../../core/engine/types.js";
import { WECHAT_STRINGS } from "./strings.js";

/**
 * Largest text message sent, in UTF-8 bytes. The Official Account customer-service API is the
 * tightest of the puppets (2048 bytes is safe there); personal accounts accept more, but one
 * limit keeps the behaviour the same whichever puppet runs.
 */
export const WECHAT_MAX_MESSAGE_BYTES = 2048;

const encoder = new TextEncoder();

/** Length of `text` in UTF-8 bytes (what WeChat counts). */
export function utf8Bytes(text: string): number {
  return encoder.encode(text).length;
}

/** What the resident was last asked in a chat, so a refused answer can be re-prompted compactly. */
export type PromptKey = string;

/**
 * Identifies a prompt (question or menu) by what the resident can answer: the question and its
 * option list. Region levels keep their question id but change options, so they count as new.
 */
export function promptKey(message: OutMessage): PromptKey | undefined {
  if (message.kind !== "question" && message.kind !== "menu") return undefined;
  const options = (message.options ?? []).map((o) => `${o.key}=${o.label}`).join("|");
  return `${message.kind}:${message.questionId ?? ""}:${options}`;
}

/** A message in full: its text, then one numbered line per option. */
export function renderFull(message: OutMessage): string {
  const lines = [message.text.trimEnd()];
  for (const option of message.options ?? []) lines.push(optionLine(option));
  return lines.filter((line) => line !== "").join("\n");
}

function optionLine(option: OutOption): string {
  return `${option.key}. ${option.label}${option.selected ? " ✔" : ""}`;
}

/** The options on one line ("1 很安全 · 2 安全 · …"), for re-prompts. */
export function renderCompactOptions(options: readonly OutOption[]): string {
  return options.map((o) => `${o.key} ${o.label}${o.selected ? "✔" : ""}`).join(" · ");
}

/**
 * A multiple-choice question after a tick: how many are selected (of the most allowed), which, and
 * the number that finishes — not the whole list again.
 */
export function renderSelection(message: OutMessage, lang: Lang): string {
  const strings = WECHAT_STRINGS[lang];
  const options = message.options ?? [];
  const picked = options.filter((o) => o.selected).map((o) => o.label);
  const count = String(message.selection?.count ?? picked.length);
  const max = message.selection?.max;
  const heading = (max === undefined ? strings.selected : strings.selectedOfMax.replace("{max}", String(max))).replace("{count}", count);
  const separator = lang === "en" ? ", " : "、";
  // The Done option is the one not ticked-able; the engine gives it key "0".
  const done = options.find((o) => o.key === "0")?.key ?? "0";
  const selection = picked.length > 0 ? picked.join(separator) : strings.nothingSelected;
  return `${heading}${selection}\n${strings.multiHint.replace("{key}", done)}`;
}

/** The outcome of rendering one reply. */
export interface RenderedReply {
  /** One text per WeChat message, each within the byte limit, in sending order. */
  texts: string[];
  /** The prompt the resident has in front of them after these messages. */
  lastPrompt: PromptKey | undefined;
}

/**
 * Renders a reply. `lastPrompt` is what the resident was asked before (from the previous reply in
 * this chat): an error followed by that same prompt becomes "error + options on one line", and a
 * multiple-choice tick shows only the selection.
 */
export function renderReply(
  messages: readonly OutMessage[],
  lang: Lang,
  lastPrompt: PromptKey | undefined,
  maxBytes: number = WECHAT_MAX_MESSAGE_BYTES,
): RenderedReply {
  const blocks: string[] = [];
  let current = lastPrompt;
  // Options are numbered lines that residents type here: say so, not "tap".
  const typed = messages.map((message) => ({ ...message, text: typedWording(message.text, lang) }));
  for (let i = 0; i < typed.length; i++) {
    const message = typed[i];
    if (!message) continue;
    const key = promptKey(message);
    if (message.kind === "error") {
      const next = typed[i + 1];
      const nextKey = next ? promptKey(next) : undefined;
      if (next && nextKey !== undefined && nextKey === current) {
        const options = next.options ?? [];
        blocks.push(options.length > 0 ? `${message.text.trimEnd()}\n${renderCompactOptions(options)}` : message.text.trimEnd());
        i++;
        continue;
      }
      blocks.push(message.text.trimEnd());
      continue;
    }
    if (key !== undefined && key === current && message.multi && message.editsPrevious) {
      blocks.push(renderSelection(message, lang));
      continue;
    }
    blocks.push(renderFull(message));
    if (key !== undefined) current = key;
  }
  return { texts: packBlocks(blocks.filter((b) => b.trim() !== ""), maxBytes), lastPrompt: current };
}

/**
 * Packs blocks (one per engine message) into as few WeChat messages as fit, separated by a blank
 * line: fewer API calls on the Official Account, and messages cannot arrive out of order.
 */
export function packBlocks(blocks: readonly string[], maxBytes: number = WECHAT_MAX_MESSAGE_BYTES): string[] {
  const out: string[] = [];
  let current = "";
  for (const block of blocks) {
    for (const piece of splitText(block, maxBytes)) {
      const candidate = current === "" ? piece : `${current}\n\n${piece}`;
      if (utf8Bytes(candidate) <= maxBytes) {
        current = candidate;
      } else {
        if (current !== "") out.push(current);
        current = piece;
      }
    }
  }
  if (current !== "") out.push(current);
  return out;
}

/**
 * Splits a text into pieces of at most `maxBytes` UTF-8 bytes, at line boundaries; a single line
 * longer than that is cut after punctuation or a space where possible, never inside a character.
 */
export function splitText(text: string, maxBytes: number = WECHAT_MAX_MESSAGE_BYTES): string[] {
  if (maxBytes < 8) throw new RangeError("maxBytes must be at least 8");
  const out: string[] = [];
  let current = "";
  let currentBytes = 0;
  for (const line of text.split("\n")) {
    for (const piece of splitLine(line, maxBytes)) {
      const pieceBytes = utf8Bytes(piece);
      if (current === "" && currentBytes === 0) {
        current = piece;
        currentBytes = pieceBytes;
      } else if (currentBytes + 1 + pieceBytes <= maxBytes) {
        current += `\n${piece}`;
        currentBytes += 1 + pieceBytes;
      } else {
        out.push(current);
        current = piece;
        currentBytes = pieceBytes;
      }
    }
  }
  out.push(current);
  // Blank lines at a cut are noise at the top or bottom of a bubble.
  return out.map((piece) => piece.replace(/^\n+|\n+$/g, "")).filter((piece) => piece.trim() !== "");
}

const BREAK_AFTER = new Set([..."。，、；：！？）】」』,.;:!?) "]);

function splitLine(line: string, maxBytes: number): string[] {
  if (utf8Bytes(line) <= maxBytes) return [line];
  const pieces: string[] = [];
  let chars = [...line];
  while (chars.length > 0) {
    let bytes = 0;
    let end = 0;
    while (end < chars.length) {
      const size = utf8Bytes(chars[end] ?? "");
      if (bytes + size > maxBytes) break;
      bytes += size;
      end++;
    }
    if (end < chars.length) {
      // Prefer a natural break in the second half of the piece over a cut mid-phrase.
      for (let i = end; i > end / 2; i--) {
        if (BREAK_AFTER.has(chars[i - 1] ?? "")) {
          end = i;
          break;
        }
      }
    }
    pieces.push(chars.slice(0, end).join(""));
    chars = chars.slice(end);
  }
  return pieces;
}
