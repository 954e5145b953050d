/**
 * The pure parts of spot checks re-asked in chat: which questions (reproducible from the spot
 * check's seed and id, closed and answered only), which account, the settings, and the
 * re-check strings in three languages (same keys and placeholders, Traditional characters).
 */
import { describe, expect, it } from "vitest";
import { accountsFor, chatRecheckSettings, ChatRecheckSettingsError, chooseRecheckQuestions, DEFAULT_CHAT_RECHECK_SETTINGS, recheckKey } from "../../core/admin/spot-check-chat.js";
import { loadDefaultQuestionnaire } from "../../core/definitions/load.js";
import { RECHECK_RESOURCES } from "../../core/engine/recheck-i18n.js";
import { SUPPORTED_LANGS } from "../../core/engine/types.js";
import type { IdentityRecord } from "../../core/model/index.js";

const qn = loadDefaultQuestionnaire();

/** Every question answered (the first option, "yes", some text), as a completed response stores them. */
const ALL: Record<string, unknown> = {
  safety_overall: { kind: "choice", option: "safe" },
  safety_trend: { kind: "choice", option: "better" },
  safety_night: { kind: "choice", option: "safe" },
  hot_issues: { kind: "choices", options: ["fraud"] },
  victim: { kind: "bool", value: true },
  reported: { kind: "bool", value: true },
  solved: { kind: "choice", option: "solved" },
  kept_informed: { kind: "bool", value: false },
  heard_campaign: { kind: "bool", value: true },
  seen_publicity: { kind: "bool", value: false },
  sat_police: { kind: "choice", option: "satisfied" },
  sat_conduct: { kind: "choice", option: "satisfied" },
  patrols: { kind: "choice", option: "often" },
  region: { kind: "region", code: "330102", path: ["330102"] },
  suggestion: { kind: "text", value: "多装路灯" },
};

describe("chooseRecheckQuestions", () => {
  it("is reproducible from seed and id, and differs between spot checks", () => {
    const a = chooseRecheckQuestions(qn, ALL, recheckKey({ seed: "2026-H2", id: "c1" }));
    expect(chooseRecheckQuestions(qn, ALL, recheckKey({ seed: "2026-H2", id: "c1" }))).toEqual(a);
    expect(a).toHaveLength(2);
    const picks = new Set(Array.from({ length: 40 }, (_, i) => chooseRecheckQuestions(qn, ALL, recheckKey({ seed: "2026-H2", id: `c${i}` })).map((q) => q.id).join("+")));
    expect(picks.size).toBeGreaterThan(10);
  });

  it("takes closed questions the resident answered, never free text, multiple choice or a region, in questionnaire order", () => {
    const order = qn.questions.map((q) => q.id);
    const allowed = new Set(qn.questions.filter((q) => q.type === "single" || q.type === "scale5" || q.type === "yesno").map((q) => q.id));
    for (let i = 0; i < 200; i++) {
      const chosen = chooseRecheckQuestions(qn, ALL, `s:${i}`);
      expect(chosen).toHaveLength(2);
      for (const q of chosen) {
        expect(allowed.has(q.id)).toBe(true);
        expect(q.original).toEqual(ALL[q.id]);
      }
      expect(order.indexOf(chosen[0]?.id ?? "")).toBeLessThan(order.indexOf(chosen[1]?.id ?? ""));
    }
  });

  it("leaves out questions not asked, answers that do not fit, and asks what there is", () => {
    const few = { victim: { kind: "bool", value: false }, safety_overall: { kind: "choice", option: "no-such-option" }, suggestion: { kind: "text", value: "x" } };
    expect(chooseRecheckQuestions(qn, few, "k")).toEqual([{ id: "victim", original: { kind: "bool", value: false } }]);
    expect(chooseRecheckQuestions(qn, { suggestion: { kind: "text", value: "x" } }, "k")).toEqual([]);
    expect(chooseRecheckQuestions(qn, {}, "k")).toEqual([]);
  });
});

describe("accountsFor", () => {
  const identity = (platform: string, reachable: boolean, lastInbound: number | null): IdentityRecord => ({
    id: `${platform}${lastInbound}`,
    residentId: "r",
    platform,
    platformUserId: `${platform}-u`,
    chatId: `${platform}-c`,
    reachable,
    lastInboundAt: lastInbound === null ? null : new Date(lastInbound),
  });

  it("prefers the channel the survey was answered on, then the most recently active; reachable and running only", () => {
    const identities = [identity("web", true, 5), identity("telegram", true, 1), identity("wechat", true, 9), identity("telegram", false, 10)];
    const response = { id: "x", residentId: "r", channel: "telegram", status: "completed", questionnaireKey: "q", questionnaireVersion: 1, questionnaireDefinition: null };
    expect(accountsFor({ identities, response }, ["telegram", "web", "wechat"]).map((i) => i.id)).toEqual(["telegram1", "wechat9", "web5"]);
    expect(accountsFor({ identities, response }, ["web"]).map((i) => i.id)).toEqual(["web5"]);
    expect(accountsFor({ identities, response }, [])).toEqual([]);
  });
});

describe("chatRecheckSettings", () => {
  it("reads the environment with defaults and names a bad variable", () => {
    expect(chatRecheckSettings({})).toEqual(DEFAULT_CHAT_RECHECK_SETTINGS);
    expect(chatRecheckSettings({ SPOT_CHECK_CHAT_DAYS: "14", SPOT_CHECK_CHAT_QUIET_MINUTES: "0", SPOT_CHECK_CHAT_INTERVAL_SECONDS: "30" })).toEqual({ replyDays: 14, quietMinutes: 0, intervalSeconds: 30 });
    expect(() => chatRecheckSettings({ SPOT_CHECK_CHAT_DAYS: "0" })).toThrow(ChatRecheckSettingsError);
    expect(() => chatRecheckSettings({ SPOT_CHECK_CHAT_DAYS: "week" })).toThrow(/^SPOT_CHECK_CHAT_DAYS: must be a number from 1 to 90/);
  });
});

describe("re-check locales", () => {
  const leaves = (node: unknown, prefix = ""): Map<string, string> => {
    const out = new Map<string, string>();
    for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
      if (typeof value === "string") out.set(`${prefix}${key}`, value);
      else for (const [k, v] of leaves(value, `${prefix}${key}.`)) out.set(k, v);
    }
    return out;
  };
  const vars = (s: string) => [...s.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]).sort();
  const reference = leaves(RECHECK_RESOURCES["zh-CN"]);

  it.each(SUPPORTED_LANGS)("%s has the keys and placeholders of zh-CN, none empty, no markdown", (lang) => {
    const mine = leaves(RECHECK_RESOURCES[lang]);
    expect([...mine.keys()].sort()).toEqual([...reference.keys()].sort());
    for (const [key, text] of mine) {
      expect(text.trim(), key).not.toBe("");
      expect(text, key).not.toMatch(/\*\*|__|`|\[[^\]]*\]\(/);
      expect(vars(text), key).toEqual(vars(reference.get(key) ?? ""));
    }
  });

  it("zh-TW is written in Traditional characters", () => {
    for (const [key, value] of leaves(RECHECK_RESOURCES["zh-TW"])) expect(value, key).not.toMatch(/[这们说问选择语设删数据还过时请让为么边认应复质检调]/);
  });
});
