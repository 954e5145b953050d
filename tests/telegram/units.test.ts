/**
 * Unit tests of the Telegram channel's pure parts: signed callback data, message rendering and
 * splitting, and the priority send queue.
 */
import { describe, expect, it } from "vitest";
import { CallbackSigner, isAnxinCallbackData, MAX_CALLBACK_BYTES, MAX_SIGNED_PAYLOAD_BYTES } from "../../bots/telegram/callback-data.js";
import { buildKeyboard, MAX_MESSAGE_LENGTH, renderMessage, splitText } from "../../bots/telegram/render.js";
import { SendQueue, SendQueueClosedError } from "../../bots/telegram/send-queue.js";
import { MAX_PAYLOAD_BYTES } from "../../core/engine/payload.js";
import type { OutMessage } from "../../core/engine/types.js";
import { TEST_SECRET } from "./support.js";

describe("callback data", () => {
  const signer = new CallbackSigner(TEST_SECRET);
  const longest = "r:99999:ffff:99999:99999:ffff:99999".padEnd(MAX_PAYLOAD_BYTES, "9");

  it("fits the engine's longest payload into Telegram's 64 bytes", () => {
    expect(MAX_SIGNED_PAYLOAD_BYTES).toBeGreaterThanOrEqual(MAX_PAYLOAD_BYTES);
    const data = signer.sign(longest, 9_007_199_254_740_991);
    expect(data).toBeDefined();
    expect(Buffer.byteLength(data ?? "", "utf8")).toBeLessThanOrEqual(MAX_CALLBACK_BYTES);
    expect(signer.verify(data, 9_007_199_254_740_991)).toEqual({ ok: true, payload: longest });
  });

  it("binds a button to its resident and to its payload", () => {
    const data = signer.sign("a:1:1c07:0:3", 1001) ?? "";
    expect(isAnxinCallbackData(data)).toBe(true);
    expect(signer.verify(data, 1001)).toEqual({ ok: true, payload: "a:1:1c07:0:3" });
    expect(signer.verify(data, "1001")).toEqual({ ok: true, payload: "a:1:1c07:0:3" });
    expect(signer.verify(data, 1002)).toEqual({ ok: false, reason: "forged" });
    expect(signer.verify(data.replace(/3$/, "4"), 1001)).toEqual({ ok: false, reason: "forged" });
    expect(new CallbackSigner(`${TEST_SECRET}!`).verify(data, 1001)).toEqual({ ok: false, reason: "forged" });
  });

  it("tells foreign data from Anxin's and never throws on junk", () => {
    for (const junk of [undefined, null, 42, {}, [], "", "host:1", "anx:", "anx:short:a:1", `anx:${"A".repeat(11)}:`, `anx:${"A".repeat(11)}:x y`, "anx:" + "A".repeat(80), "anx:AAAAAAAAAAA:é"]) {
      const verified = signer.verify(junk, 1001);
      expect(verified.ok).toBe(false);
    }
    expect(signer.verify(`anx:${"A".repeat(11)}:m:menu`, 1001)).toEqual({ ok: false, reason: "forged" });
    expect(signer.verify("c:y", 1001)).toEqual({ ok: false, reason: "foreign" });
  });

  it("refuses to sign what it cannot send", () => {
    expect(signer.sign("x".repeat(MAX_SIGNED_PAYLOAD_BYTES + 1), 1)).toBeUndefined();
    expect(signer.sign("has space", 1)).toBeUndefined();
    expect(signer.sign("中文", 1)).toBeUndefined();
    expect(() => new CallbackSigner("")).toThrow();
  });
});

describe("rendering", () => {
  const signer = new CallbackSigner(TEST_SECRET);

  it("splits long texts at Telegram's limit, at line breaks, without breaking emoji", () => {
    const paragraph = `${"安".repeat(3000)}\n${"全".repeat(3000)}`;
    const parts = splitText(paragraph);
    expect(parts).toEqual([`${"安".repeat(3000)}\n`, "全".repeat(3000)]);
    const emoji = "🚓".repeat(3000); // 6000 UTF-16 units, no spaces
    const pieces = splitText(emoji);
    expect(pieces.every((p) => p.length <= MAX_MESSAGE_LENGTH)).toBe(true);
    expect(pieces.join("")).toBe(emoji);
    expect(pieces.every((p) => !/[\ud800-\udbff]$/.test(p) && !/^[\udc00-\udfff]/.test(p))).toBe(true);
    expect(splitText("short")).toEqual(["short"]);
    expect(splitText("   ")).toEqual([]);
    expect(splitText("x".repeat(10_000)).map((p) => p.length)).toEqual([4096, 4096, 1808]);
  });

  it("puts the buttons under the last part and keeps the text literal", () => {
    const message: OutMessage = {
      kind: "question",
      text: `<b>${"x".repeat(5000)}</b> & *_[`,
      options: [
        { key: "1", label: "很安全", payload: "a:1:1c07:0:0" },
        { key: "2", label: "安全", payload: "a:1:1c07:0:1" },
        { key: "0", label: "跳过", payload: "s:1:1c07:0" },
      ],
    };
    const rendered = renderMessage(message, signer, 77);
    expect(rendered.parts).toHaveLength(2);
    expect(rendered.parts[0]?.keyboard).toBeUndefined();
    expect(rendered.parts.map((p) => p.text).join("")).toBe(message.text);
    const rows = rendered.parts[1]?.keyboard?.inline_keyboard ?? [];
    expect(rows.map((row) => row.map((b) => b.text))).toEqual([["很安全", "安全"], ["跳过"]]);
    expect(rendered.hasButtons).toBe(true);
  });

  it("shows multiple choice as tick boxes with Done on its own last row, marked and counting the ticks", () => {
    const { keyboard } = buildKeyboard(
      [
        { key: "1", label: "Theft", payload: "a:1:1c07:3:0", selected: true },
        { key: "2", label: "Fraud", payload: "a:1:1c07:3:1" },
        { key: "0", label: "Done", payload: "d:1:1c07:3" },
      ],
      true,
      (payload) => signer.sign(payload, 5),
    );
    expect(keyboard?.inline_keyboard.map((row) => row.map((b) => b.text))).toEqual([["✅ Theft"], ["⬜ Fraud"], ["➡️ Done (1)"]]);
  });

  it("counts the ticks against the most allowed on Done when the engine says how many may be chosen", () => {
    const message: OutMessage = {
      kind: "question",
      text: "（4/17）您最担心哪些治安问题？",
      multi: true,
      selection: { count: 2, max: 3 },
      options: [
        { key: "1", label: "偷盗", payload: "a:1:1c07:3:0", selected: true },
        { key: "2", label: "诈骗", payload: "a:1:1c07:3:1", selected: true },
        { key: "3", label: "赌博", payload: "a:1:1c07:3:2" },
        { key: "0", label: "选好了", payload: "d:1:1c07:3" },
      ],
    };
    const rows = renderMessage(message, signer, 5).parts.at(-1)?.keyboard?.inline_keyboard ?? [];
    expect(rows.map((row) => row.map((b) => b.text))).toEqual([["✅ 偷盗"], ["✅ 诈骗"], ["⬜ 赌博"], ["➡️ 选好了 (2/3)"]]);
  });

  it("lays long labels out one per row and leaves out buttons it cannot sign", () => {
    const { keyboard, dropped } = buildKeyboard(
      [
        { key: "1", label: "Compared with a year ago it is much better", payload: "a:1:1c07:1:0" },
        { key: "2", label: "Worse", payload: "a:1:1c07:1:1" },
        { key: "3", label: "Bad", payload: "x".repeat(60) },
      ],
      false,
      (payload) => signer.sign(payload, 5),
    );
    expect(dropped).toBe(1);
    expect(keyboard?.inline_keyboard).toHaveLength(2);
    const empty = renderMessage({ kind: "menu", text: "", options: [{ key: "1", label: " ", payload: "m:menu" }] }, signer, 5);
    expect(empty.parts[0]?.text).toBe("…");
    expect(empty.parts[0]?.keyboard?.inline_keyboard[0]?.[0]?.text).toBe("1");
  });
});

describe("send queue", () => {
  /** A task that records when it starts and finishes when released. */
  function gate(log: string[], name: string) {
    let release!: () => void;
    const done = new Promise<void>((resolve) => (release = resolve));
    return { run: async () => void (log.push(name), await done), release: () => release() };
  }

  it("runs one task per chat at a time, in order, and chats in parallel up to the limit", async () => {
    const queue = new SendQueue(2);
    const log: string[] = [];
    const a1 = gate(log, "a1");
    const a2 = gate(log, "a2");
    const b1 = gate(log, "b1");
    const c1 = gate(log, "c1");
    const results = [queue.enqueue("a", "reply", a1.run), queue.enqueue("a", "reply", a2.run), queue.enqueue("b", "reply", b1.run), queue.enqueue("c", "reply", c1.run)];
    await Promise.resolve();
    expect(log).toEqual(["a1", "b1"]);
    a1.release();
    await results[0];
    await new Promise((r) => setImmediate(r));
    // a's second task waits behind c1, which was ready first.
    expect(log).toEqual(["a1", "b1", "c1"]);
    b1.release();
    c1.release();
    await Promise.all([results[2], results[3]]);
    await new Promise((r) => setImmediate(r));
    expect(log).toEqual(["a1", "b1", "c1", "a2"]);
    a2.release();
    await Promise.all(results);
    await queue.idle();
    expect(queue.size).toBe(0);
  });

  it("serves replies before bulk sends, across chats and within a chat", async () => {
    const queue = new SendQueue(1);
    const log: string[] = [];
    const blocker = gate(log, "blocker");
    const all = [queue.enqueue("z", "bulk", blocker.run)];
    for (const chat of ["p", "q", "r"]) all.push(queue.enqueue(chat, "bulk", async () => void log.push(`bulk ${chat}`)));
    all.push(queue.enqueue("q", "reply", async () => void log.push("reply q")));
    all.push(queue.enqueue("s", "reply", async () => void log.push("reply s")));
    blocker.release();
    await Promise.all(all);
    // q just had its turn (the reply), so its bulk send goes after r's.
    expect(log).toEqual(["blocker", "reply q", "reply s", "bulk p", "bulk r", "bulk q"]);
  });

  it("passes results and errors through, and rejects waiting tasks on close", async () => {
    const queue = new SendQueue(1);
    await expect(queue.enqueue("a", "reply", async () => 7)).resolves.toBe(7);
    await expect(queue.enqueue("a", "reply", async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    const log: string[] = [];
    const running = gate(log, "running");
    const first = queue.enqueue("a", "reply", running.run);
    const waiting = queue.enqueue("b", "bulk", async () => 1);
    queue.close();
    await expect(waiting).rejects.toBeInstanceOf(SendQueueClosedError);
    running.release();
    await first;
    await expect(queue.enqueue("c", "reply", async () => 1)).rejects.toBeInstanceOf(SendQueueClosedError);
    expect(() => new SendQueue(0)).toThrow();
  });
});
