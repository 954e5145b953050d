/**
 * What the resident is told before the survey agrees with what happens in it: the intro's number
 * of questions is the progress counter's total (not a hard-coded "about 15"), and the consent
 * names the village or community among what is recorded only when there are regions to ask about
 * (without any, the region question is skipped).
 */
import { describe, expect, it } from "vitest";
import { t } from "../../core/engine/i18n.js";
import { SUPPORTED_LANGS, type Lang } from "../../core/engine/types.js";
import { defaultQuestionnaire, makeCtx, miniQuestionnaire, L, REGIONS, Session } from "./helpers.js";

/** The words of the consent that say where the resident lives is recorded. */
const VILLAGE: Record<Lang, RegExp> = { "zh-CN": /村或社区/, "zh-TW": /村里或社區/, en: /village or community/ };

/** The total of the first "(1/N)" progress prefix in a reply. */
function firstTotal(text: string): number {
  const match = /[（(]1\/(\d+)[）)]/.exec(text);
  if (!match?.[1]) throw new Error(`no progress in: ${text}`);
  return Number(match[1]);
}

describe("the intro's number of questions", () => {
  for (const lang of SUPPORTED_LANGS) {
    it(`${lang}: is the progress counter's total, with and without regions`, () => {
      for (const regions of [REGIONS, []]) {
        const session = new Session(makeCtx(defaultQuestionnaire(), { regions }), lang);
        const text = session.begin().map((m) => m.text).join("\n");
        const total = firstTotal(text);
        const announced = lang === "en" ? /About (\d+) questions/.exec(text) : /大[约約]有(\d+)[个個]/.exec(text);
        expect(announced?.[1], text).toBe(String(total));
        expect(text).not.toContain("{{questions}}");
        expect(text).not.toMatch(/\b15\b/);
      }
    });
  }

  it("counts every question the survey may come to ask, so that the counter never has to grow", () => {
    const qn = miniQuestionnaire([
      { id: "a", type: "yesno", label: L("甲？", "A?") },
      { id: "b", type: "yesno", label: L("乙？", "B?"), relevant: "${a} = 'yes'" },
      { id: "c", type: "yesno", label: L("丙？", "C?") },
    ]);
    const session = new Session(makeCtx({ ...qn, intro: { "zh-CN": "共{{questions}}题", en: "{{ questions }} questions" } }), "en");
    const text = session.begin().map((m) => m.text).join("\n");
    expect(text).toContain("3 questions");
    expect(firstTotal(text)).toBe(3);
    // "No" to a rules b out: the counter goes down, never up.
    expect(session.send("no").find((m) => m.progress)?.progress).toEqual({ index: 2, total: 2 });
  });
});

describe("the consent", () => {
  for (const lang of SUPPORTED_LANGS) {
    it(`${lang}: names the village or community only when there are regions`, () => {
      const withRegions = new Session(makeCtx(defaultQuestionnaire(), { regions: REGIONS }), lang);
      const consent = withRegions.start().find((m) => m.options?.length);
      expect(consent?.text).toBe(t(lang, "consent.text"));
      expect(consent?.text).toMatch(VILLAGE[lang]);

      const without = new Session(makeCtx(defaultQuestionnaire(), { regions: [] }), lang);
      const plain = without.start().find((m) => m.options?.length);
      expect(plain?.text).toBe(t(lang, "consent.text_no_region"));
      expect(plain?.text).not.toMatch(VILLAGE[lang]);
      // Everything else is the same text.
      expect(plain?.text.split("\n").length).toBe(consent?.text.split("\n").length);
      // And the survey then never asks for a place.
      without.send("1");
      const asked: string[] = [];
      for (let i = 0; i < 60 && without.question; i++) {
        const q = without.question;
        asked.push(q.questionId ?? "");
        if (q.multi) {
          without.send("1");
          without.send("0");
        } else {
          // The first option; for a question typed into, its one option is "Skip".
          without.tap(q.options?.[0]?.key ?? "1");
        }
      }
      expect(without.state.survey).toBeNull();
      expect(asked).toContain("phone");
      expect(asked).not.toContain("region");
    });
  }

  it("leaves the village out, regions or not, when the running questionnaire asks for no place", () => {
    const qn = miniQuestionnaire([{ id: "a", type: "yesno", label: L("甲？", "A?") }]);
    const session = new Session(makeCtx(qn, { regions: REGIONS }), "en");
    expect(session.start().find((m) => m.options?.length)?.text).toBe(t("en", "consent.text_no_region"));
  });
});
