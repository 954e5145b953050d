import { describe, expect, it } from "vitest";
import type { OutMessage } from "../../core/engine/types.js";
import { BOT_RESOURCES } from "../../core/engine/i18n.js";
import { packBlocks, promptKey, renderReply, splitText, utf8Bytes, WECHAT_MAX_MESSAGE_BYTES } from "../../bots/wechat/render.js";

const scale: OutMessage = {
  kind: "question",
  questionId: "safety_overall",
  text: "（1/12）总的来说，您觉得您住的地方治安怎么样？",
  progress: { index: 1, total: 12 },
  options: [
    { key: "1", label: "很安全", payload: "a1" },
    { key: "2", label: "安全", payload: "a2" },
    { key: "3", label: "基本安全", payload: "a3" },
  ],
};

const multi = (selected: number[], editsPrevious = false): OutMessage => ({
  kind: "question",
  questionId: "hot_issues",
  text: "（4/12）您最担心哪些治安问题？",
  multi: true,
  editsPrevious,
  options: [
    { key: "1", label: "偷盗", payload: "m1", selected: selected.includes(1) },
    { key: "2", label: "抢劫", payload: "m2", selected: selected.includes(2) },
    { key: "3", label: "诈骗", payload: "m3", selected: selected.includes(3) },
    { key: "0", label: "选好了", payload: "done" },
  ],
});

describe("rendering for WeChat", () => {
  it("asks residents to type the number, not to tap (options are numbered lines here)", () => {
    const zh = BOT_RESOURCES["zh-CN"] as { consent: { reprompt: string }; typed: { consent: { reprompt: string } } };
    const tapped = zh.consent.reprompt;
    const typed = zh.typed.consent.reprompt;
    expect(tapped).not.toBe(typed);
    const { texts } = renderReply([{ kind: "error", text: tapped }], "zh-CN", undefined);
    expect(texts).toEqual([typed]);
  });

  it("numbers the options, one per line", () => {
    const { texts, lastPrompt } = renderReply([{ kind: "info", text: "谢谢您的支持！" }, scale], "zh-CN", undefined);
    expect(texts).toEqual(["谢谢您的支持！\n\n（1/12）总的来说，您觉得您住的地方治安怎么样？\n1. 很安全\n2. 安全\n3. 基本安全"]);
    expect(lastPrompt).toBe(promptKey(scale));
  });

  it("re-prompts a refused answer compactly: the error and the options on one line", () => {
    const error: OutMessage = { kind: "error", text: "请回复 1 到 3 的数字。" };
    const { texts } = renderReply([error, scale], "zh-CN", promptKey(scale));
    expect(texts).toEqual(["请回复 1 到 3 的数字。\n1 很安全 · 2 安全 · 3 基本安全"]);
  });

  it("asks in full when the error comes with another prompt than the one last shown", () => {
    const error: OutMessage = { kind: "error", text: "请回复 1 到 3 的数字。" };
    const { texts } = renderReply([error, scale], "zh-CN", "menu::1=同意");
    expect(texts[0]).toContain("总的来说");
    expect(texts[0]).toContain("\n1. 很安全");
  });

  it("shows only the selection after a multiple-choice tick, and ticks in the full list", () => {
    const first = renderReply([multi([])], "zh-CN", undefined);
    expect(first.texts[0]).toContain("0. 选好了");
    const tick = renderReply([multi([1, 3], true)], "zh-CN", first.lastPrompt);
    expect(tick.texts).toEqual(["已选 2 项：偷盗、诈骗\n可以继续回复编号，选好了回复 0。"]);
    const ofMax = renderReply([{ ...multi([1, 3], true), selection: { count: 2, max: 3 } }], "zh-CN", first.lastPrompt);
    expect(ofMax.texts).toEqual(["已选 2/3：偷盗、诈骗\n可以继续回复编号，选好了回复 0。"]);
    expect(renderReply([multi([1])], "en", undefined).texts[0]).toContain("1. 偷盗 ✔");
    expect(renderReply([multi([], true)], "en", first.lastPrompt).texts[0]).toBe("Selected (0): (nothing yet)\nReply with more numbers, or 0 when you are done.");
  });

  it("keeps every message within the byte limit, cut at line boundaries", () => {
    const lines = Array.from({ length: 200 }, (_, i) => `${i + 1}. 第${i + 1}行：群众安全感调查的说明文字`);
    const texts = renderReply([{ kind: "info", text: lines.join("\n") }], "zh-CN", undefined).texts;
    expect(texts.length).toBeGreaterThan(1);
    for (const text of texts) expect(utf8Bytes(text)).toBeLessThanOrEqual(WECHAT_MAX_MESSAGE_BYTES);
    // Nothing lost, nothing cut mid-line.
    expect(texts.join("\n").split("\n")).toEqual(lines);
  });

  it("cuts a single over-long line after punctuation, never inside a character", () => {
    const sentence = "晚上多派人巡逻，路灯坏了要及时修。";
    const line = sentence.repeat(200);
    const pieces = splitText(line, 600);
    for (const piece of pieces) {
      expect(utf8Bytes(piece)).toBeLessThanOrEqual(600);
      expect(piece.endsWith("，") || piece.endsWith("。") || piece === pieces[pieces.length - 1]).toBe(true);
    }
    expect(pieces.join("")).toBe(line);
    const emoji = "🚓".repeat(300);
    expect(splitText(emoji, 100).join("")).toBe(emoji);
  });

  it("packs several engine messages into one WeChat message when they fit", () => {
    expect(packBlocks(["aaa", "bbb", "ccc"], 8)).toEqual(["aaa\n\nbbb", "ccc"]);
    expect(packBlocks(["a", "b"])).toEqual(["a\n\nb"]);
  });
});
