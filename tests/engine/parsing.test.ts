import { describe, expect, it } from "vitest";
import { parseCommand } from "../../core/engine/commands.js";
import { cleanText, parseChineseInteger, parseNumberText, parseOrdinal, parseYesNo, splitList } from "../../core/engine/normalize.js";
import { decodePayload, encodePayload, MAX_PAYLOAD_BYTES, parentTag } from "../../core/engine/payload.js";
import { normalizeLang } from "../../core/engine/types.js";

describe("normalizeLang", () => {
  it("maps platform codes", () => {
    expect(normalizeLang("zh-Hant")).toBe("zh-TW");
    expect(normalizeLang("zh-TW")).toBe("zh-TW");
    expect(normalizeLang("zh-hk")).toBe("zh-TW");
    expect(normalizeLang("zh_Hant_CN")).toBe("zh-TW");
    expect(normalizeLang("zh-Hans-HK")).toBe("zh-CN");
    expect(normalizeLang("zh")).toBe("zh-CN");
    expect(normalizeLang("zh-CN")).toBe("zh-CN");
    expect(normalizeLang("en-GB")).toBe("en");
    expect(normalizeLang("en")).toBe("en");
    expect(normalizeLang("fr")).toBe("zh-CN");
    expect(normalizeLang("en_US")).toBe("en");
    expect(normalizeLang("de")).toBe("zh-CN");
    expect(normalizeLang(undefined)).toBe("zh-CN");
    expect(normalizeLang("")).toBe("zh-CN");
  });
});

describe("numbers and ordinals", () => {
  it("parses Chinese integers", () => {
    const cases: [string, number][] = [
      ["一", 1], ["十", 10], ["十二", 12], ["二十", 20], ["六十五", 65], ["一百零五", 105], ["两千", 2000],
      ["二〇二四", 2024], ["三万五千", 35000], ["壹佰贰拾", 120], ["零", 0],
    ];
    for (const [text, n] of cases) expect(parseChineseInteger(text), text).toBe(n);
    expect(parseChineseInteger("你好")).toBeUndefined();
    expect(parseChineseInteger("")).toBeUndefined();
  });

  it("parses option ordinals", () => {
    for (const text of ["2", "２", "二", "第二个", "第2个", "第二項", "选2", "2号", "2.", "2。", "(2)", "（２）", " 2 ", "两"]) {
      expect(parseOrdinal(text), text).toBe(2);
    }
    expect(parseOrdinal("0")).toBe(0);
    expect(parseOrdinal("十二")).toBe(12);
    expect(parseOrdinal("abc")).toBeUndefined();
    expect(parseOrdinal("2 3")).toBeUndefined();
  });

  it("parses typed numbers", () => {
    const cases: [string, number][] = [
      ["65", 65], ["６５", 65], ["65岁", 65], ["六十五", 65], ["六十五岁", 65], ["-3", -3], ["负三", -3], ["3.5", 3.5],
      ["三点五", 3.5], ["1,000", 1000], ["+7", 7], ["0", 0], ["70 years", 70],
    ];
    for (const [text, n] of cases) expect(parseNumberText(text), text).toBe(n);
    for (const bad of ["", "abc", "1,2", "1.2.3", "六十五块钱买的", "Infinity", "1e5", "0x10", "--1"]) {
      expect(parseNumberText(bad), bad).toBeUndefined();
    }
  });

  it("reads yes and no", () => {
    for (const y of ["是", "是的", "对", "對", "有", "yes", "Y", "YES!", "好的", "嗯", "有过", "报了", "听说过"]) expect(parseYesNo(y), y).toBe(true);
    for (const n of ["否", "不是", "不", "没有", "沒有", "no", "N", "没报", "没见过", "不知道"]) expect(parseYesNo(n), n).toBe(false);
    for (const x of ["也许", "maybe", "", "1"]) expect(parseYesNo(x), x).toBeUndefined();
  });

  it("splits typed lists", () => {
    expect(splitList("1 3 5")).toEqual(["1", "3", "5"]);
    expect(splitList("1,3,5")).toEqual(["1", "3", "5"]);
    expect(splitList("1、3、5")).toEqual(["1", "3", "5"]);
    expect(splitList("１，３，５")).toEqual(["1", "3", "5"]);
    expect(splitList("盗窃和诈骗")).toEqual(["盗窃", "诈骗"]);
  });

  it("cleans text", () => {
    expect(cleanText("  ＡＢＣ　１２３ \u200b")).toBe("ABC 123");
    expect(cleanText("18～29")).toBe("18-29");
    expect(cleanText("x".repeat(10_000)).length).toBe(4000);
  });
});

describe("commands", () => {
  it("parses slash commands", () => {
    expect(parseCommand("/start")).toEqual({ name: "start" });
    expect(parseCommand("/start survey")).toEqual({ name: "start", arg: "survey" });
    expect(parseCommand("/menu")).toEqual({ name: "menu" });
    expect(parseCommand("/menu@AnxinBot", "AnxinBot")).toEqual({ name: "menu" });
    expect(parseCommand("/menu@anxinbot", "@AnxinBot")).toEqual({ name: "menu" });
    expect(parseCommand("/menu@OtherBot", "AnxinBot")).toEqual({ name: "unknown", text: "/menu@OtherBot" });
    expect(parseCommand("/lang")).toEqual({ name: "lang" });
    expect(parseCommand("/lang en")).toEqual({ name: "lang", arg: "en" });
    expect(parseCommand("/back")).toEqual({ name: "back" });
    expect(parseCommand("/skip")).toEqual({ name: "skip" });
    expect(parseCommand("/stop")).toEqual({ name: "stop" });
    expect(parseCommand("/help")).toEqual({ name: "help" });
    expect(parseCommand("／ｍｅｎｕ")).toEqual({ name: "menu" });
    expect(parseCommand("/foo")).toEqual({ name: "unknown", text: "/foo" });
  });

  it("parses whole-message keywords only", () => {
    expect(parseCommand("菜单")).toEqual({ name: "menu" });
    expect(parseCommand("選單")).toEqual({ name: "menu" });
    expect(parseCommand("返回")).toEqual({ name: "back" });
    expect(parseCommand("跳过")).toEqual({ name: "skip" });
    expect(parseCommand("跳過")).toEqual({ name: "skip" });
    expect(parseCommand("帮助")).toEqual({ name: "help" });
    expect(parseCommand("退订")).toEqual({ name: "stop" });
    expect(parseCommand("退訂")).toEqual({ name: "stop" });
    expect(parseCommand(" Menu ")).toEqual({ name: "menu" });
    expect(parseCommand("菜单。")).toEqual({ name: "menu" });
    expect(parseCommand("希望菜单多一点")).toBeUndefined();
    expect(parseCommand("2")).toBeUndefined();
    expect(parseCommand("constructor")).toBeUndefined();
    expect(parseCommand("__proto__")).toBeUndefined();
  });
});

describe("payloads", () => {
  it("round-trips and stays short", () => {
    const samples = [
      encodePayload({ op: "answer", version: 12, ck: "abcd", q: 199, option: 39 }),
      encodePayload({ op: "done", version: 1, ck: "0000", q: 3 }),
      encodePayload({ op: "skip", version: 1, ck: "0000", q: 3 }),
      encodePayload({ op: "region", version: 999999, ck: "ffff", q: 199, level: 5, parent: parentTag("110101001001"), child: 999 }),
      encodePayload({ op: "up", version: 1, ck: "0000", q: 3, level: 2 }),
      encodePayload({ op: "menu", item: "privacy" }),
      encodePayload({ op: "consent", accept: true }),
      encodePayload({ op: "lang", lang: "zh-TW" }),
      encodePayload({ op: "privacy", action: "del" }),
      encodePayload({ op: "privacy", action: "tel" }),
    ];
    for (const p of samples) {
      expect(Buffer.byteLength(p), p).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
      expect(p).toMatch(/^[\x21-\x7e]+$/);
      expect(encodePayload(decodePayload(p) as Parameters<typeof encodePayload>[0])).toBe(p);
    }
  });

  it("decodes garbage as invalid", () => {
    for (const bad of ["", "x", "a:1:abcd:0", "a:1:abcd:0:0:0", "a:-1:abcd:0:0", "a:01:abcd:0:0", "a:1:ABCD:0:0", "m:nope", "l:fr", "c:maybe", "a".repeat(100), "p:delete", "p:tel:1", "p:phone"]) {
      expect(decodePayload(bad), bad).toEqual({ op: "invalid" });
    }
    expect(decodePayload(undefined)).toEqual({ op: "invalid" });
    expect(decodePayload(42)).toEqual({ op: "invalid" });
  });
});
