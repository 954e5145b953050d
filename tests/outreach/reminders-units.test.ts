/**
 * The pure parts of the reminders to residents: office hours in the office's zone, WeChat's
 * window, which account a reminder goes to, how a reminder looks on each kind of channel in each
 * language, and its settings (REMINDER_DELAY_HOURS, ABANDON_AFTER_DAYS).
 */
import { describe, expect, it } from "vitest";
import { inReminderHours, reminderAccounts, reminderContent, withinWindow, WINDOW_MARGIN_MS } from "../../core/outreach/reminders.js";
import { deliveryMessage, parseContent } from "../../core/outreach/content.js";
import { ConfigError, loadConfig } from "../../app/config.js";
import type { IdentityRecord, ReminderCandidate } from "../../core/model/index.js";

const HOUR = 3_600_000;

function identity(platform: string, extra: Partial<IdentityRecord> = {}): IdentityRecord {
  return { id: `${platform}-1`, residentId: "r1", platform, platformUserId: `${platform}-user`, chatId: `${platform}-chat`, reachable: true, lastInboundAt: null, ...extra };
}

function candidate(channel: string, identities: IdentityRecord[]): ReminderCandidate {
  return { responseId: "resp", residentId: "r1", waveId: "w1", channel, resident: { lang: "zh-CN", optedOut: false }, identities };
}

describe("office hours", () => {
  it("are 08:00 to before 21:00 in the office's zone", () => {
    // Shanghai is UTC+8.
    expect(inReminderHours(new Date("2026-03-02T23:59:00Z"), "Asia/Shanghai")).toBe(false); // 07:59
    expect(inReminderHours(new Date("2026-03-03T00:00:00Z"), "Asia/Shanghai")).toBe(true); // 08:00
    expect(inReminderHours(new Date("2026-03-03T12:59:00Z"), "Asia/Shanghai")).toBe(true); // 20:59
    expect(inReminderHours(new Date("2026-03-03T13:00:00Z"), "Asia/Shanghai")).toBe(false); // 21:00
  });

  it("follow daylight saving time where the office has it", () => {
    // Berlin: 08:00 is 07:00 UTC in winter and 06:00 UTC in summer.
    expect(inReminderHours(new Date("2026-01-15T06:30:00Z"), "Europe/Berlin")).toBe(false);
    expect(inReminderHours(new Date("2026-07-15T06:30:00Z"), "Europe/Berlin")).toBe(true);
  });
});

describe("the platform's window", () => {
  const now = new Date("2026-03-04T02:00:00Z");
  it("is 48 hours since the resident's last message on WeChat, less the margin for sending", () => {
    expect(withinWindow(identity("wechat", { lastInboundAt: new Date(now.getTime() - 47 * HOUR) }), now)).toBe(true);
    expect(withinWindow(identity("wechat", { lastInboundAt: new Date(now.getTime() - 48 * HOUR + WINDOW_MARGIN_MS) }), now)).toBe(true);
    expect(withinWindow(identity("wechat", { lastInboundAt: new Date(now.getTime() - 48 * HOUR + WINDOW_MARGIN_MS - 1) }), now)).toBe(false);
    expect(withinWindow(identity("wechat", { lastInboundAt: new Date(now.getTime() - 49 * HOUR) }), now)).toBe(false);
    // Never heard from on WeChat: nothing may be sent.
    expect(withinWindow(identity("wechat"), now)).toBe(false);
  });

  it("does not exist on Telegram and the web chat", () => {
    expect(withinWindow(identity("telegram", { lastInboundAt: new Date(now.getTime() - 30 * 24 * HOUR) }), now)).toBe(true);
    expect(withinWindow(identity("web"), now)).toBe(true);
  });
});

describe("the account a reminder goes to", () => {
  const all = new Set(["telegram", "wechat", "web"]);
  it("is on the channel the response was started on", () => {
    const accounts = reminderAccounts(candidate("web", [identity("telegram"), identity("web")]), all);
    expect(accounts.map((a) => a.platform)).toEqual(["web", "telegram"]);
  });

  it("leaves out unreachable accounts and platforms that are not running", () => {
    expect(reminderAccounts(candidate("wechat", [identity("wechat", { reachable: false }), identity("web")]), all).map((a) => a.platform)).toEqual(["web"]);
    expect(reminderAccounts(candidate("telegram", [identity("telegram")]), new Set(["web"]))).toEqual([]);
  });
});

describe("how a reminder looks", () => {
  const content = parseContent(JSON.parse(JSON.stringify(reminderContent())));

  it("keeps its kind through storage", () => {
    expect(content.reminder).toBe(true);
    expect(Object.keys(content.text).sort()).toEqual(["en", "zh-CN", "zh-TW"]);
  });

  it("offers a button that continues the survey, in the resident's language", () => {
    const cases = [
      ["zh-CN", "【安心 · 问卷提醒】", "您之前开始填写的问卷还没有填完", "继续答问卷"],
      ["zh-TW", "【安心 · 問卷提醒】", "您之前開始填寫的問卷還沒有填完", "繼續答問卷"],
      ["en", "[Anxin · Survey reminder]", "You started the survey but have not finished it yet.", "Continue the survey"],
    ] as const;
    for (const [lang, header, body, button] of cases) {
      const shown = deliveryMessage(content, lang, "d1", "button");
      expect(shown?.lang).toBe(lang);
      expect(shown?.message.text.startsWith(header)).toBe(true);
      expect(shown?.message.text).toContain(body);
      expect(shown?.message.options).toEqual([{ key: "1", label: button, payload: "m:survey", primary: true }]);
      // Not a notice: no "I've read it".
      expect(shown?.message.text).not.toMatch(/已读|已讀|read it/);
    }
  });

  it("names the keyword to type where options are typed (WeChat), and how to stop", () => {
    const cases = [
      ["zh-CN", "回复“问卷”", "退订"],
      ["zh-TW", "回覆「問卷」", "退訂"],
      ["en", "Reply \"survey\"", "\"stop\""],
    ] as const;
    for (const [lang, keyword, stop] of cases) {
      const shown = deliveryMessage(content, lang, "d1", "keyword");
      expect(shown?.message.options).toBeUndefined();
      expect(shown?.message.text).toContain(keyword);
      expect(shown?.message.text).toContain(stop);
    }
  });
});

describe("settings", () => {
  it("default to a reminder after 24 hours and abandoned after 7 days", () => {
    expect(loadConfig({}).reminders).toEqual({ delayMs: 24 * HOUR, abandonMs: 7 * 24 * HOUR });
  });

  it("take hours and days, and 0 or off turns either off", () => {
    expect(loadConfig({ REMINDER_DELAY_HOURS: "36", ABANDON_AFTER_DAYS: "10" }).reminders).toEqual({ delayMs: 36 * HOUR, abandonMs: 10 * 24 * HOUR });
    expect(loadConfig({ REMINDER_DELAY_HOURS: "off", ABANDON_AFTER_DAYS: "0" }).reminders).toEqual({ delayMs: null, abandonMs: null });
    expect(loadConfig({ REMINDER_DELAY_HOURS: "0.5" }).reminders.delayMs).toBe(HOUR / 2);
  });

  it("refuse a bad value, naming the variable", () => {
    expect(() => loadConfig({ REMINDER_DELAY_HOURS: "soon" })).toThrow(ConfigError);
    expect(() => loadConfig({ REMINDER_DELAY_HOURS: "soon" })).toThrow(/^REMINDER_DELAY_HOURS: must be a number of hours/);
    expect(() => loadConfig({ ABANDON_AFTER_DAYS: "-3" })).toThrow(/^ABANDON_AFTER_DAYS: /);
  });

  it("refuse abandoning before the reminder is due", () => {
    expect(() => loadConfig({ REMINDER_DELAY_HOURS: "48", ABANDON_AFTER_DAYS: "2" })).toThrow(/^ABANDON_AFTER_DAYS: must be longer than the reminder delay/);
    expect(loadConfig({ REMINDER_DELAY_HOURS: "off", ABANDON_AFTER_DAYS: "1" }).reminders).toEqual({ delayMs: null, abandonMs: 24 * HOUR });
  });
});
