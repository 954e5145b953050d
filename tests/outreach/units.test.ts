/**
 * The small pieces of outreach: codes, times, content, audience choices, the rate limiter (on a
 * simulated clock), settings and the locale files.
 */
import { describe, expect, it } from "vitest";
import { PlatformPauses } from "../../core/outreach/pauses.js";
import { formatInvitationCode, INVITATION_ALPHABET, newInvitationCode, parseInvitationCode, signHouseholdCode, verifyHouseholdCode } from "../../core/outreach/codes.js";
import { formatTime, parseWhen } from "../../core/outreach/broadcast-format.js";
import { deliveryMessage, isReadKeyword, langFor, parseAudience, parseContent, parseReadPayload, readPayload, textFor } from "../../core/outreach/content.js";
import { chooseIdentity, planDelivery } from "../../core/outreach/audience.js";
import { LimiterClosedError, RateLimiter, type LimiterClock } from "../../core/outreach/limiter.js";
import { outreachSettings, OutreachSettingsError } from "../../core/outreach/settings.js";
import { OUTREACH_RESOURCES } from "../../core/outreach/i18n.js";
import { tipLibraryFrom } from "../../core/outreach/tip-library.js";
import { invitationLinks } from "../../core/outreach/links.js";
import type { IdentityRecord } from "../../core/model/index.js";

describe("invitation codes", () => {
  it("are 12 symbols of an alphabet without look-alikes, shown with a prefix", () => {
    const code = newInvitationCode();
    expect(code).toMatch(new RegExp(`^[${INVITATION_ALPHABET}]{12}$`));
    expect(INVITATION_ALPHABET).not.toMatch(/[01IO]/);
    expect(formatInvitationCode("K7PMQ2XR9HTD")).toBe("INV-K7PM-Q2XR-9HTD");
  });

  it("are read whatever the case and separators, but only with their prefix", () => {
    for (const text of ["INV-K7PM-Q2XR-9HTD", "inv k7pm q2xr 9htd", "invk7pmq2xr9htd", "邀请码：INV-K7PM-Q2XR-9HTD", " inv_k7pm_q2xr_9htd "]) {
      expect(parseInvitationCode(text), text).toBe("K7PMQ2XR9HTD");
    }
    for (const text of ["K7PM-Q2XR-9HTD", "INV-K7PM-Q2XR-9HT", "INV-K7PM-Q2XR-9HT0", "survey", "inv", "我觉得 INV-K7PM-Q2XR-9HTD 很好"]) {
      expect(parseInvitationCode(text), text).toBeUndefined();
    }
  });
});

describe("household codes", () => {
  const secret = "x".repeat(40);
  it("fit a Telegram start parameter and survive lower-casing", () => {
    const code = signHouseholdCode(secret, "cmx0abc123def456ghi789jkl");
    expect(code.length).toBeLessThanOrEqual(64);
    expect(code).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(verifyHouseholdCode(secret, code)).toBe("cmx0abc123def456ghi789jkl");
    expect(verifyHouseholdCode(secret, code.toUpperCase())).toBe("cmx0abc123def456ghi789jkl");
  });

  it("refuse forgeries, other secrets and other officers", () => {
    const code = signHouseholdCode(secret, "officer1");
    expect(verifyHouseholdCode("y".repeat(40), code)).toBeUndefined();
    expect(verifyHouseholdCode(secret, code.replace("officer1", "officer2"))).toBeUndefined();
    expect(verifyHouseholdCode(secret, `${code.slice(0, -1)}0`)).toBeUndefined();
    expect(verifyHouseholdCode(secret, "survey")).toBeUndefined();
  });
});

describe("links", () => {
  it("offer Telegram and web links where the bot and the address are known", () => {
    expect(invitationLinks({ secret: "s", publicUrl: "https://a.example/", telegramBot: () => "AnxinBot" }, "K7PMQ2XR9HTD")).toEqual({
      code: "INV-K7PM-Q2XR-9HTD",
      telegram: "https://t.me/AnxinBot?start=INV-K7PM-Q2XR-9HTD",
      web: "https://a.example/j/INV-K7PM-Q2XR-9HTD",
    });
    expect(invitationLinks({ secret: "s" }, "K7PMQ2XR9HTD")).toEqual({ code: "INV-K7PM-Q2XR-9HTD" });
  });
});

describe("times to send at", () => {
  // 1 May 2026, 10:30 office time (Asia/Shanghai, UTC+8, the default), whatever the machine's zone.
  const now = new Date("2026-05-01T02:30:00.000Z");
  const office = (day: number, hour: number, minute: number) => new Date(Date.UTC(2026, 4, day, hour - 8, minute));
  it.each([
    ["2026-05-02 09:00", office(2, 9, 0)],
    ["05-02 09:00", office(2, 9, 0)],
    ["11:00", office(1, 11, 0)],
    ["09:00", office(2, 9, 0)],
    ["明天 9:00", office(2, 9, 0)],
    ["tomorrow 9:00", office(2, 9, 0)],
    ["+30m", office(1, 11, 0)],
    ["2小时后", office(1, 12, 30)],
    ["明天 9：00", office(2, 9, 0)],
  ])("read %s", (text, expected) => {
    expect(parseWhen(text, now)).toEqual(expected);
    expect(parseWhen(text, now, "Asia/Shanghai")).toEqual(expected);
  });

  it.each(["2026-04-30 09:00", "今天 9:00", "25:00", "2026-02-30 09:00", "soon", "+0m"])("refuse %s", (text) => {
    expect(parseWhen(text, now)).toBeUndefined();
  });

  it("show in the office's time zone", () => {
    expect(formatTime(office(1, 9, 5))).toBe("2026-05-01 09:05");
    expect(formatTime(office(1, 9, 5), "Europe/Berlin")).toBe("2026-05-01 03:05");
  });
});

describe("broadcast content", () => {
  it("is read defensively", () => {
    expect(parseContent(null)).toEqual({ text: {} });
    expect(parseContent({ text: { "zh-CN": "a", xx: "b", en: " " }, tipId: "t1" })).toEqual({ text: { "zh-CN": "a" }, tipId: "t1" });
    expect(parseAudience({ kind: "households", officerId: "o" })).toEqual({ kind: "households", officerId: "o" });
    expect(parseAudience({ kind: "everybody" })).toBeUndefined();
  });

  it("is shown in the resident's language, else Simplified Chinese, else any", () => {
    const content = { text: { "zh-CN": "中文", en: "English" } };
    expect(textFor(content, "en")).toBe("English");
    expect(textFor(content, "zh-TW")).toBe("中文");
    expect(textFor({ text: { en: "only" } }, "zh-CN")).toBe("only");
    expect(langFor({ text: { en: "only" } }, "zh-CN")).toBe("en");
  });

  it("carries a read button (or the keyword where options are typed)", () => {
    const button = deliveryMessage({ text: { en: "Lock your door" } }, "en", "d1", "button");
    expect(button?.message.options).toEqual([{ key: "1", label: "I've read it ✓", payload: "rd:d1" }]);
    const keyword = deliveryMessage({ text: { "zh-CN": "锁好门", en: "x" }, image: "https://i.example/a.png" }, "zh-CN", "d1", "keyword", { imageAsLink: true });
    expect(keyword?.message.options).toBeUndefined();
    expect(keyword?.message.text).toContain("已读");
    expect(keyword?.message.text).toContain("https://i.example/a.png");
    expect(deliveryMessage({ text: {} }, "en", "d1", "button")).toBeUndefined();
  });

  it("read payloads fit the engine's 40 bytes and round-trip", () => {
    const payload = readPayload("cmx0abc123def456ghi789jkl");
    expect(payload.length).toBeLessThanOrEqual(40);
    expect(parseReadPayload(payload)).toBe("cmx0abc123def456ghi789jkl");
    expect(parseReadPayload("m:survey")).toBeUndefined();
  });

  it.each(["已读", "已讀", "read", "Read", " 已读。", "收到"])("takes %s as a read confirmation", (text) => expect(isReadKeyword(text)).toBe(true));
  it.each(["我已经读了很多", "ready", "1"])("does not take %s for one", (text) => expect(isReadKeyword(text)).toBe(false));
});

describe("audience planning", () => {
  const identity = (platform: string, reachable = true, id = platform): IdentityRecord => ({ id, residentId: "r", platform, platformUserId: id, chatId: id, reachable, lastInboundAt: null });
  const running = new Set(["telegram", "web"]);
  it("prefers a reachable account on a running channel, Telegram first", () => {
    expect(chooseIdentity([identity("web"), identity("telegram")], running)?.platform).toBe("telegram");
    expect(chooseIdentity([identity("telegram", false), identity("web")], running)?.platform).toBe("web");
    expect(chooseIdentity([identity("wechat")], running)).toBeUndefined();
  });
  it("skips opted-out residents, and says why others cannot be reached", () => {
    expect(planDelivery({ residentId: "r", lang: "zh-CN", optedOut: true, identities: [identity("telegram")] }, running)).toMatchObject({ status: "skipped", lastError: "opted out" });
    expect(planDelivery({ residentId: "r", lang: "zh-CN", optedOut: false, identities: [] }, running)).toMatchObject({ status: "undeliverable" });
    expect(planDelivery({ residentId: "r", lang: "zh-CN", optedOut: false, identities: [identity("telegram", false)] }, running)).toMatchObject({ status: "blocked" });
    expect(planDelivery({ residentId: "r", lang: "zh-CN", optedOut: false, identities: [identity("telegram")] }, running)).toMatchObject({ status: "pending", identityId: "telegram" });
  });
});

/** A clock that only moves when someone sleeps. */
function simulatedClock(): LimiterClock & { starts: number[] } {
  let now = 0;
  const starts: number[] = [];
  return {
    starts,
    now: () => now,
    sleep: async (ms) => {
      now += ms;
    },
  };
}

describe("the rate limiter", () => {
  it("grants exactly the configured rate, and never more in any second", async () => {
    const clock = simulatedClock();
    const limiter = new RateLimiter({ perSecond: 100, perChatPerSecond: 1, windowMarginMs: 10 }, clock);
    const starts: number[] = [];
    for (let i = 0; i < 1000; i++) {
      (await limiter.acquire())();
      starts.push(clock.now());
    }
    // 1,000 sends at 100/s: ten seconds (plus the margin once per window).
    expect(starts.at(-1)! - starts[0]!).toBeGreaterThan(9_900);
    expect(starts.at(-1)! - starts[0]!).toBeLessThan(10_100);
    for (let i = 100; i < starts.length; i++) expect(starts[i]! - starts[i - 100]!).toBeGreaterThanOrEqual(1_000);
  });

  it("holds a catch-up burst to the window", async () => {
    let now = 0;
    const clock: LimiterClock = { now: () => now, sleep: async (ms) => void (now += ms) };
    const limiter = new RateLimiter({ perSecond: 10, perChatPerSecond: 0, windowMarginMs: 0 }, clock);
    const starts: number[] = [];
    for (let i = 0; i < 10; i++) {
      (await limiter.acquire())();
      starts.push(now);
    }
    now += 5_000; // a stall: the schedule is far behind
    for (let i = 0; i < 30; i++) {
      (await limiter.acquire())();
      starts.push(now);
    }
    for (let i = 10; i < starts.length; i++) expect(starts[i]! - starts[i - 10]!).toBeGreaterThanOrEqual(1_000);
  });

  it("pauses everything after a retry-after", async () => {
    let now = 0;
    const clock: LimiterClock = { now: () => now, sleep: async (ms) => void (now += ms) };
    const limiter = new RateLimiter({ perSecond: 30, perChatPerSecond: 1 }, clock);
    (await limiter.acquire())();
    limiter.pause(3_000);
    (await limiter.acquire())();
    expect(now).toBeGreaterThanOrEqual(3_000);
  });

  it("counts the window from answers: a slow answer holds the next window back", async () => {
    let now = 0;
    const clock: LimiterClock = { now: () => now, sleep: async (ms) => void (now += ms) };
    const limiter = new RateLimiter({ perSecond: 2, perChatPerSecond: 0, windowMarginMs: 0 }, clock);
    const first = await limiter.acquire();
    now += 300; // the first call is answered 300 ms after it started
    first();
    (await limiter.acquire())();
    await limiter.acquire();
    // The third call may only start a second after the first was answered.
    expect(now).toBeGreaterThanOrEqual(1_300);
  });

  it("spaces sends to one chat", () => {
    let now = 0;
    const limiter = new RateLimiter({ perSecond: 30, perChatPerSecond: 1, windowMarginMs: 10 }, { now: () => now, sleep: async () => undefined });
    expect(limiter.chatWait("a")).toBe(0);
    limiter.noteChat("a");
    now = 400;
    expect(limiter.chatWait("a")).toBe(610);
    expect(limiter.chatWait("b")).toBe(0);
    now = 1_010;
    expect(limiter.chatWait("a")).toBe(0);
  });

  it("refuses slots once closed, also to those already waiting", async () => {
    const limiter = new RateLimiter({ perSecond: 1, perChatPerSecond: 0 });
    (await limiter.acquire())();
    const waiting = limiter.acquire();
    limiter.close();
    await expect(waiting).rejects.toThrow(LimiterClosedError);
    await expect(limiter.acquire()).rejects.toThrow(LimiterClosedError);
  });

  it("does not limit when told not to", async () => {
    const clock = simulatedClock();
    const limiter = new RateLimiter({ perSecond: 0, perChatPerSecond: 0 }, clock);
    for (let i = 0; i < 100; i++) (await limiter.acquire())();
    expect(clock.now()).toBe(0);
    limiter.noteChat("a");
    expect(limiter.chatWait("a")).toBe(0);
  });
});

describe("settings", () => {
  it("default to Telegram's published limits", () => {
    const settings = outreachSettings({});
    expect(settings.limits.telegram).toEqual({ perSecond: 30, perChatPerSecond: 1 });
    expect(settings.senderEnabled).toBe(true);
    expect(settings.leaseMs).toBe(6_000);
  });
  it("read the environment and name a bad variable", () => {
    expect(outreachSettings({ OUTREACH_TELEGRAM_RATE: "100", OUTREACH_SENDER: "off" })).toMatchObject({ senderEnabled: false, limits: { telegram: { perSecond: 100 } } });
    expect(() => outreachSettings({ OUTREACH_TELEGRAM_RATE: "fast" })).toThrow(OutreachSettingsError);
    expect(() => outreachSettings({ OUTREACH_TELEGRAM_RATE: "fast" })).toThrow(/OUTREACH_TELEGRAM_RATE/);
  });
});

describe("the tip library adapter", () => {
  it("reads whatever shape the library has, sync or async", async () => {
    const library = tipLibraryFrom({
      getTip: (id: string) => (id === "a" ? { id: "a", title: { "zh-CN": "标题" }, text: { "zh-CN": "正文", en: "Body" }, quiz: {} } : undefined),
      listTips: async () => [{ id: "a", title: "标题", text: "正文" }, { id: "broken" }],
    });
    expect(await library?.getTip("a")).toEqual({ id: "a", title: { "zh-CN": "标题" }, text: { "zh-CN": "正文", en: "Body" } });
    expect(await library?.getTip("b")).toBeUndefined();
    expect(await library?.listTips()).toEqual([{ id: "a", title: { "zh-CN": "标题" }, text: { "zh-CN": "正文" } }]);
    expect(tipLibraryFrom({})).toBeUndefined();
  });
});

describe("locales", () => {
  it("have the same keys in every language, with the same placeholders", () => {
    const keys = Object.keys(OUTREACH_RESOURCES["zh-CN"]).sort();
    for (const lang of ["zh-TW", "en"] as const) {
      expect(Object.keys(OUTREACH_RESOURCES[lang]).sort()).toEqual(keys);
      for (const key of keys) {
        const vars = (text: string | undefined) => [...(text ?? "").matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();
        expect(vars(OUTREACH_RESOURCES[lang][key]), `${lang} ${key}`).toEqual(vars(OUTREACH_RESOURCES["zh-CN"][key]));
      }
    }
  });
});

describe("the platform-wide retry_after shared by replies and broadcasts", () => {
  it("pauses a platform for the longest retry_after reported, tells every listener, and ends", () => {
    let now = 1_000;
    const pauses = new PlatformPauses(() => now);
    const heard: [string, number][] = [];
    const stop = pauses.onPause((platform, ms) => heard.push([platform, ms]));
    expect(pauses.remaining("telegram")).toBe(0);
    pauses.report("telegram", 2_000);
    pauses.report("telegram", 1_000);
    expect(pauses.remaining("telegram")).toBe(2_000);
    expect(pauses.remaining("wechat")).toBe(0);
    now += 1_500;
    expect(pauses.remaining("telegram")).toBe(500);
    now += 600;
    expect(pauses.remaining("telegram")).toBe(0);
    stop();
    pauses.report("telegram", 1_000);
    expect(heard).toEqual([
      ["telegram", 2_000],
      ["telegram", 1_000],
    ]);
    expect(pauses.reported.get("telegram")).toBe(3);
  });

  it("remembers when a chat was last called outside the outbox (replies), per platform", () => {
    let now = 5_000;
    const pauses = new PlatformPauses(() => now);
    expect(pauses.sinceChat("telegram", "42")).toBeUndefined();
    pauses.noteChat("telegram", "42");
    now += 300;
    expect(pauses.sinceChat("telegram", "42")).toBe(300);
    expect(pauses.sinceChat("wechat", "42")).toBeUndefined();
  });
});
