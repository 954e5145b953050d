/**
 * The overview's headline and charts as served: one h1, the security and satisfaction cards with
 * their gaps to the targets in words in every language (no bare "*"), the sections grouped behind
 * an in-page navigation, and chart text at least 14 px, dark, outside the bars.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminEnv, type AdminEnv } from "./support.js";
import { headlineMeasureIds } from "../../core/admin/headline.js";
import { measuresFromDefinition } from "../../core/admin/measures.js";
import { loadDefaultQuestionnaire } from "../../core/definitions/load.js";
import type { Questionnaire } from "../../core/engine/types.js";

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe("the overview's headline", () => {
  let env: AdminEnv;
  beforeAll(async () => {
    env = await adminEnv();
  });
  afterAll(async () => {
    await env?.close();
  });

  const overview = async (lang: string): Promise<string> => {
    const res = await env.app.inject({ url: `/admin?lang=${lang}&wave=${env.fx.w2.id}&level=2`, headers: bearer(env.tokens.admin) });
    expect(res.statusCode).toBe(200);
    return res.body;
  };

  it("puts the security rate first with its interval and each target's gap in words, in every language", async () => {
    const expected = {
      "zh-CN": ["82.1%", "95% 置信区间 67.3%–91.0%，共 39 份有效回答", "低于省均 85.0，差 2.9 个百分点", "差异不显著：省均在 95% 置信区间之内"],
      "zh-TW": ["82.1%", "95% 信賴區間 67.3%–91.0%，共 39 份有效回答", "低於省均 85.0，差 2.9 個百分點", "差異不顯著：省均在 95% 信賴區間之內"],
      en: ["82.1%", "95% confidence interval 67.3%–91.0%, 39 valid answers", "below 省均 85.0 by 2.9 percentage points", "Not a clear difference: 省均 lies inside the 95% confidence interval"],
    } as const;
    for (const [lang, texts] of Object.entries(expected)) {
      const page = await overview(lang);
      expect(page.match(/<h1[ >]/g)?.length, lang).toBe(1);
      const card = /<article class="headline-card" id="headline-security"[\s\S]*?<\/article>/.exec(page)?.[0] ?? "";
      for (const text of texts) expect(card, `${lang}: ${text}`).toContain(text);
      // The headline comes before everything else on the page but the h1.
      expect(page.indexOf('id="headline"'), lang).toBeLessThan(page.indexOf('id="filters"'));
      // The satisfaction rate has too few answers in the fixture: said so, no number.
      const satisfaction = /<article class="headline-card" id="headline-satisfaction"[\s\S]*?<\/article>/.exec(page)?.[0] ?? "";
      expect(satisfaction, lang).toContain('<p class="headline-value suppressed">—</p>');
      // Significance in words in the rates table too, never a bare asterisk.
      const rates = /<table class="figures" id="rates-table">[\s\S]*?<\/table>/.exec(page)?.[0] ?? "";
      expect(rates, lang).not.toContain("*");
    }
  });

  it("groups the sections and links each from the in-page navigation", async () => {
    const page = await overview("zh-CN");
    const nav = /<nav class="jump no-print"[\s\S]*?<\/nav>/.exec(page)?.[0] ?? "";
    for (const id of ["group-figures", "group-problems", "group-outreach", "group-quality", "rates", "trend", "regions", "hot", "coverage", "awareness", "case-satisfaction", "quality"]) {
      expect(nav, id).toContain(`href="#${id}"`);
      expect(page, id).toContain(`id="${id}"`);
    }
  });

  it("draws every chart with text of at least 14 px, dark, and no value in white on a bar", async () => {
    const page = await overview("zh-CN");
    const svgs = [...page.matchAll(/src="data:image\/svg\+xml;base64,([^"]+)"/g)].map((m) => Buffer.from(m[1] ?? "", "base64").toString("utf8"));
    expect(svgs.length).toBeGreaterThanOrEqual(5);
    for (const svg of svgs) {
      const sizes = [...svg.matchAll(/font-size[:=]\s*"?(\d+(?:\.\d+)?)px/g)].map((m) => Number(m[1]));
      expect(sizes.length).toBeGreaterThan(0);
      expect(Math.min(...sizes)).toBeGreaterThanOrEqual(14);
      expect(svg).not.toMatch(/<text[^>]*fill="(#fff|#ffffff|white)"/i);
    }
    // The hot problems' values are written beside their bars: "50%" for fraud, as the table says.
    const hot = svgs.find((svg) => svg.includes("电信网络诈骗")) ?? "";
    expect(hot).toContain(">50%<");
  });
});

describe("which measures make the headline", () => {
  const measures = measuresFromDefinition(loadDefaultQuestionnaire());

  it("takes the first scale rate as security and the first rate of the satisfaction section as satisfaction", () => {
    expect(headlineMeasureIds(measures, loadDefaultQuestionnaire())).toEqual({ security: "safety_overall.rate", satisfaction: "sat_police.rate" });
  });

  it("falls back to a question named sat… without sections, and leaves satisfaction out when there is none", () => {
    const questionnaire = loadDefaultQuestionnaire();
    const unsectioned: Questionnaire = { ...questionnaire, questions: questionnaire.questions.map(({ section: _section, ...q }) => q as Questionnaire["questions"][number]) };
    expect(headlineMeasureIds(measures, unsectioned).satisfaction).toBe("sat_police.rate");
    const noSatisfaction = measures.filter((m) => !m.questionId.startsWith("sat"));
    expect(headlineMeasureIds(noSatisfaction, questionnaire)).toEqual({ security: "safety_overall.rate" });
  });
});
