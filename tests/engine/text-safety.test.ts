/**
 * What residents type keeps its emoji whole (a zero-width joiner is part of 👮‍♀️) and never
 * carries half a surrogate pair into the state, the store or a reply.
 */
import { describe, expect, it } from "vitest";
import { cleanText, matchKey, parseOrdinal, parseYesNo, tidyFreeText, wellFormed } from "../../core/engine/normalize.js";
import { adapterInput } from "../../core/survey/engine-requests.js";
import type { EngineEvent } from "../../core/engine/types.js";
import { defaultQuestionnaire, makeCtx, Session } from "./helpers.js";

const ZWJ = "\u200d";
const POLICEWOMAN = "👮‍♀️"; // 1F46E ZWJ 2640 FE0F
const FAMILY = "👨‍👩‍👧";
const RAINBOW_FLAG = "🏳️‍🌈"; // 1F3F3 FE0F ZWJ 1F308: the joiner follows a variation selector
const TECHNOLOGIST = "👩🏽‍💻"; // the joiner follows a skin tone
const FLAGS = "🇨🇳🇭🇰🏴󠁧󠁢󠁳󠁣󠁴󠁿"; // regional indicators and a tag sequence
const EMOJI = [POLICEWOMAN, FAMILY, RAINBOW_FLAG, TECHNOLOGIST, FLAGS, "❤️", "☺︎"];

const LONE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe("emoji sequences", () => {
  it.each(EMOJI)("%s is kept whole by tidyFreeText and cleanText", (emoji) => {
    expect(tidyFreeText(`谢谢 ${emoji} 民警`)).toBe(`谢谢 ${emoji} 民警`);
    expect(cleanText(`谢谢 ${emoji}`)).toBe(`谢谢 ${emoji}`);
  });

  it("keeps the joiners of 👮‍♀️ and 👨‍👩‍👧 (they were stripped into 👮♀️ and 👨👩👧)", () => {
    expect([...tidyFreeText(POLICEWOMAN)].filter((c) => c === ZWJ)).toHaveLength(1);
    expect([...tidyFreeText(FAMILY)].filter((c) => c === ZWJ)).toHaveLength(2);
    expect(tidyFreeText(POLICEWOMAN)).not.toBe("👮♀️");
  });

  it("still strips a joiner that joins no emoji: between Chinese characters, at the ends, before text", () => {
    // Pasted invisibles must not make "是" unreadable or a free text differ from what is seen.
    expect(cleanText(`是${ZWJ}`)).toBe("是");
    expect(parseYesNo(`是${ZWJ}的`)).toBe(true);
    expect(tidyFreeText(`治${ZWJ}安`)).toBe("治安");
    expect(tidyFreeText(`${ZWJ}好`)).toBe("好");
    expect(tidyFreeText(`👮${ZWJ}好`)).toBe("👮好");
    expect(tidyFreeText(`好${ZWJ}👮`)).toBe("好👮");
    expect(tidyFreeText(`a\u200b\u200c\u2060\ufeffb`)).toBe("ab");
    expect(parseOrdinal(`2${ZWJ}`)).toBe(2);
  });

  it("leaves matching alone: an emoji never makes a label match or fail", () => {
    expect(matchKey(`同意 ${POLICEWOMAN}`)).toBe(matchKey("同意"));
  });
});

describe("lone surrogates", () => {
  it("become U+FFFD; whole pairs are untouched", () => {
    expect(wellFormed("\uD800")).toBe("\uFFFD");
    expect(wellFormed("a\uDC00b")).toBe("a\uFFFDb");
    expect(wellFormed("\uDC00\uD800")).toBe("\uFFFD\uFFFD");
    expect(wellFormed(`${FAMILY}\uD83D`)).toBe(`${FAMILY}\uFFFD`);
    for (const emoji of EMOJI) expect(wellFormed(emoji)).toBe(emoji);
  });

  it("never come out of tidyFreeText or cleanText, even where a cut would split a pair", () => {
    for (const raw of ["\uD800", "a\uDC00b", "说明\uD83D", `${"好".repeat(3999)}😀`]) {
      expect(tidyFreeText(raw)).not.toMatch(LONE);
      expect(cleanText(raw)).not.toMatch(LONE);
    }
    expect(tidyFreeText("a\uDC00b")).toBe("a\uFFFDb");
  });

  it("are replaced in a typed input before staff commands or the engine read it", () => {
    expect(adapterInput({ kind: "text", text: "a\uDC00b" })).toEqual({ kind: "text", text: "a\uFFFDb" });
    const fine = { kind: "text" as const, text: POLICEWOMAN };
    expect(adapterInput(fine)).toBe(fine);
  });
});

/** Answers the default survey up to its suggestion question. */
function atSuggestion(): Session {
  const s = new Session(makeCtx(defaultQuestionnaire()));
  s.begin();
  let previous = "";
  for (let i = 0; i < 40; i++) {
    const id = (s.question as { questionId?: string } | undefined)?.questionId;
    if (id === "suggestion") return s;
    // A multiple choice stays open after a pick: "0" is "done".
    s.send(id === "hot_issues" && previous === id ? "0" : id === "victim" ? "否" : "1");
    previous = id ?? "";
  }
  throw new Error(`never reached the suggestion question: ${s.text}`);
}

const suggestions = (events: EngineEvent[]) => events.flatMap((e) => (e.type === "SuggestionSubmitted" ? [e.text] : []));
const everything = (s: Session) => JSON.stringify([s.state, s.events, s.history]);
/** JSON.stringify writes a lone surrogate (and only a lone one) as a \uXXXX escape. */
const ESCAPED_SURROGATE = /\\ud[89a-f][0-9a-f]{2}/i;

describe("through the engine", () => {
  it("a suggestion with emoji is recorded exactly as typed", () => {
    const typed = `多派${POLICEWOMAN}巡逻，${FAMILY}晚上散步放心 ${FLAGS}`;
    const s = atSuggestion();
    s.send(typed);
    expect(suggestions(s.events)).toEqual([typed]);
    expect(s.answers.suggestion).toEqual({ kind: "text", value: typed });
  });

  it("a joiner between Chinese characters is dropped from the suggestion", () => {
    const s = atSuggestion();
    s.send(`路灯${ZWJ}太暗`);
    expect(suggestions(s.events)).toEqual(["路灯太暗"]);
  });

  it.each([["\uD800"], ["a\uDC00b"], [`晚上${"\uD83D"}`]])("%j leaves no lone surrogate in state, events or replies", (typed) => {
    const s = atSuggestion();
    s.send(typed);
    expect(everything(s)).not.toMatch(ESCAPED_SURROGATE);
    const recorded = suggestions(s.events);
    if (recorded.length > 0) expect(recorded[0]).toContain("\uFFFD");
  });

  it("a lone surrogate typed anywhere else (the menu, a start parameter) is harmless too", () => {
    const s = new Session(makeCtx(defaultQuestionnaire()));
    s.start("survey\uD800");
    s.send("\uDC00");
    s.send("菜单\uD800");
    expect(everything(s)).not.toMatch(ESCAPED_SURROGATE);
  });
});
