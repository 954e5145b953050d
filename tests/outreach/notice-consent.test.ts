/**
 * Notices outside the reply window (issue 19, point 5), on SQLite and PostgreSQL: consent records
 * (given, withdrawn, given again; per account and kind), the subscription commands in all three
 * languages, and the fallback of the case notifier and the outbox's push transport to a template
 * message — only with consent and a configured template, every other refusal carrying its reason.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PushResult } from "../../core/channel.js";
import type { Lang, OutMessage } from "../../core/engine/types.js";
import type { IdentityRecord, NoticeKind, Store, TemplateNotice } from "../../core/model/index.js";
import { CaseNotifier } from "../../core/outreach/cases.js";
import { createSubscriptionInterceptor, noticePushVia, type NoticeChannel } from "../../core/outreach/subscriptions.js";
import { PushOutboxTransport } from "../../core/outreach/transports/push.js";
import type { SendJob } from "../../core/outreach/sender.js";
import type { InterceptRequest } from "../../core/survey/runner.js";
import { migrate } from "../../prisma/migrate.js";
import { openStore } from "../../prisma/store.js";
import { BACKENDS, type TestDatabase } from "../support/databases.js";

const t0 = new Date("2026-12-01T02:00:00Z");
const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);
const OUTSIDE = "outside the 48-hour customer-service window";

/** A channel whose pushes WeChat refuses outside the window (or not), recording template sends. */
class WindowChannel implements NoticeChannel {
  readonly platform = "wechat";
  readonly pushes: string[] = [];
  readonly notices: { chatId: string; notice: TemplateNotice }[] = [];
  open = false;
  templateAnswer: PushResult = { ok: true, viaTemplate: true, platformMessageId: "200042" };
  constructor(private readonly kinds: NoticeKind[]) {}
  async push(chatId: string, _lang: Lang, messages: OutMessage[]): Promise<PushResult> {
    this.pushes.push(`${chatId}: ${messages.map((m) => m.text).join(" | ")}`);
    return this.open ? { ok: true } : { ok: false, permanent: true, outsideWindow: true, error: OUTSIDE };
  }
  async sendNotice(chatId: string, notice: TemplateNotice): Promise<PushResult> {
    this.notices.push({ chatId, notice });
    return this.templateAnswer;
  }
  noticeKinds(): ReadonlySet<NoticeKind> {
    return new Set(this.kinds);
  }
}

describe.each(BACKENDS)("notices outside the reply window on $name", ({ create }) => {
  let db: TestDatabase;
  let store: Store;

  const account = async (id: string, lang = "zh-CN"): Promise<IdentityRecord> => (await store.resolveIdentity({ platform: "wechat", platformUserId: id, chatId: id, lang })).identity;
  const typed = (identity: IdentityRecord, text: string, lang: Lang = "zh-CN", now = t0): InterceptRequest =>
    ({ message: { platform: "wechat", platformUserId: identity.platformUserId, chatId: identity.chatId, input: { kind: "text", text } }, residentId: identity.residentId, lang, state: {}, now }) as unknown as InterceptRequest;
  const replyText = (result: Awaited<ReturnType<ReturnType<typeof createSubscriptionInterceptor>["intercept"]>>): string => {
    if (!result || !("reply" in result)) throw new Error(`no reply: ${JSON.stringify(result)}`);
    return result.reply.messages.map((m) => m.text).join("\n");
  };

  beforeAll(async () => {
    db = await create();
    await migrate(db.target);
    store = await openStore(db.target);
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  it("records consent per account and kind: when and how it was given, withdrawn, and given again", async () => {
    const a = await account("oConsentA");
    expect(await store.noticeConsent(a.id, "case_update")).toBeNull();
    // Withdrawing what was never given records nothing.
    expect(await store.setNoticeConsent({ identityId: a.id, kind: "case_update", granted: false, via: "chat", now: t0 })).toBeNull();
    expect(await store.setNoticeConsent({ identityId: "no-such-account", kind: "case_update", granted: true, via: "chat", now: t0 })).toBeNull();
    const given = await store.setNoticeConsent({ identityId: a.id, kind: "case_update", granted: true, via: "chat", now: at(1) });
    expect(given).toEqual({ identityId: a.id, residentId: a.residentId, kind: "case_update", granted: true, grantedAt: at(1), grantedVia: "chat", withdrawnAt: null, withdrawnVia: null });
    const withdrawn = await store.setNoticeConsent({ identityId: a.id, kind: "case_update", granted: false, via: "wechat-event", now: at(2) });
    expect(withdrawn).toMatchObject({ granted: false, grantedAt: at(1), grantedVia: "chat", withdrawnAt: at(2), withdrawnVia: "wechat-event" });
    // A second withdrawal keeps the first one's time.
    expect(await store.setNoticeConsent({ identityId: a.id, kind: "case_update", granted: false, via: "chat", now: at(3) })).toMatchObject({ withdrawnAt: at(2) });
    expect(await store.setNoticeConsent({ identityId: a.id, kind: "case_update", granted: true, via: "chat", now: at(4) })).toMatchObject({ granted: true, grantedAt: at(4), withdrawnAt: null });
    await store.setNoticeConsent({ identityId: a.id, kind: "reminder", granted: true, via: "chat", now: at(5) });
    expect((await store.noticeConsentsOf(a.residentId)).map((r) => [r.kind, r.granted])).toEqual([
      ["case_update", true],
      ["reminder", true],
    ]);
    expect(await store.noticeConsent(a.id, "broadcast")).toBeNull();
  });

  it("takes the subscription commands in all three languages and answers in the resident's", async () => {
    const hook = createSubscriptionInterceptor({ store, timeZone: "Asia/Shanghai" });
    const b = await account("oConsentB");
    expect(replyText(await hook.intercept(typed(b, "订阅进展通知")))).toContain("已为您订阅案件进展通知");
    expect(replyText(await hook.intercept(typed(b, " 订阅 进展通知 ")))).toContain("您已经订阅了案件进展通知");
    expect(replyText(await hook.intercept(typed(b, "訂閱全部", "zh-TW", at(1))))).toContain("已為您訂閱安全提示和通知、提醒");
    const status = replyText(await hook.intercept(typed(b, "subscriptions", "en")));
    expect(status).toContain("✓ case progress notices: subscribed (2026-12-01 10:00)");
    expect(status).toContain("✓ reminders: subscribed (2026-12-01 10:01)");
    expect(replyText(await hook.intercept(typed(b, "Unsubscribe case updates", "en", at(2))))).toContain("You are unsubscribed from case progress notices");
    expect(await store.noticeConsent(b.id, "case_update")).toMatchObject({ granted: false, withdrawnVia: "chat", withdrawnAt: at(2) });
    expect(replyText(await hook.intercept(typed(b, "退订全部", "zh-CN", at(3))))).toContain("已为您退订安全提示和通知、提醒");
    expect(replyText(await hook.intercept(typed(b, "取消订阅提醒")))).toContain("您没有订阅提醒");
    // Not commands: sentences, other words, buttons.
    for (const text of ["我想订阅一下你们的公众号文章", "订阅报纸", "subscribe me to the newsletter please", "已读", "2"]) expect(await hook.intercept(typed(b, text))).toBeUndefined();
    const unknown = { ...typed(b, "订阅进展通知"), message: { platform: "wechat", platformUserId: "nobody", chatId: "nobody", input: { kind: "text", text: "订阅进展通知" } } } as InterceptRequest;
    expect(replyText(await hook.intercept(unknown))).toContain("没能记下");
  });

  it("sends a case update outside the window as a template message only with consent and a template, and says why otherwise", async () => {
    const reporter = await account("oReporter");
    const officerAccount = await account("oOfficer");
    const channel = new WindowChannel(["case_update"]);
    const notifier = new CaseNotifier({ store, push: noticePushVia(() => [channel], store), now: () => at(10), timeZone: "Asia/Shanghai" });
    const created = await store.createCase({ code: "CASE0001", reporterId: reporter.residentId, officerId: officerAccount.residentId, title: "电动车被盗", now: at(10) });
    if (!created) throw new Error("case not created");
    const refused = await notifier.notify(created.case, created.update);
    expect(refused).toEqual({ delivered: false, retry: false, reason: `wechat: ${OUTSIDE}; the resident has not subscribed to case_update notices` });
    expect(channel.notices).toEqual([]);

    await store.setNoticeConsent({ identityId: reporter.id, kind: "case_update", granted: true, via: "chat", now: at(11) });
    const posted = await store.addCaseUpdate({ code: "CASE0001", status: "solved", note: "已抓获嫌疑人", authorId: officerAccount.residentId, now: at(12) });
    if (!posted) throw new Error("update not posted");
    expect(await notifier.notify(posted.case, posted.update)).toEqual({ delivered: true, platform: "wechat" });
    expect(channel.notices).toEqual([
      {
        chatId: "oReporter",
        notice: { kind: "case_update", values: { code: "CASE0001", title: "电动车被盗", status: "已破案", note: "已抓获嫌疑人", date: "2026-12-01 10:12", text: expect.stringContaining("已抓获嫌疑人") as unknown as string } },
      },
    ]);
    expect((await store.pendingCaseUpdates({ since: t0 })).map(({ update }) => update.status)).toEqual(["received"]);

    // WeChat refuses the template for a passing reason: retried later, the reason kept.
    channel.templateAnswer = { ok: false, permanent: false, error: "WeChat was busy (errcode 45047) 4 times in a row; gave up for now" };
    const again = await store.addCaseUpdate({ code: "CASE0001", status: "closed", note: null, authorId: officerAccount.residentId, now: at(13) });
    if (!again) throw new Error("update not posted");
    expect(await notifier.notify(again.case, again.update)).toEqual({ delivered: false, retry: true, reason: `wechat: ${OUTSIDE}; the case_update template message failed too: WeChat was busy (errcode 45047) 4 times in a row; gave up for now` });

    // No template for the kind: nothing tried, the setting named.
    const bare = new WindowChannel([]);
    const bareNotifier = new CaseNotifier({ store, push: noticePushVia(() => [bare], store) });
    expect(await bareNotifier.notify(again.case, again.update)).toMatchObject({ delivered: false, retry: false, reason: `wechat: ${OUTSIDE}; no template is configured for case_update notices (WECHAT_OA_TEMPLATE_CASE_UPDATE)` });
    expect(bare.notices).toEqual([]);
  });

  it("falls back in the outbox's push transport for broadcasts, by the delivery's account", async () => {
    const member = await account("oMember");
    const channel = new WindowChannel(["broadcast", "reminder"]);
    const transport = new PushOutboxTransport(channel, "keyword", { consents: store, timeZone: "Asia/Shanghai", kindOf: (job) => (job.content.tipId === "reminder-demo" ? "reminder" : "broadcast") });
    const job = (content: SendJob["content"]): SendJob => ({
      delivery: { id: "d1", broadcastId: "b1", residentId: member.residentId, identityId: member.id, status: "pending", attempts: 0, platformMessageId: null, possiblyDuplicated: false, broadcastStatus: "sending", resident: { lang: "zh-CN", optedOut: false, deleted: false }, identity: member },
      identity: member,
      content,
    });
    const notice = { text: { "zh-CN": "今晚有大风\n请收好阳台上的东西。" } };
    expect(await transport.send(job(notice))).toEqual({ kind: "failed", error: `${OUTSIDE}; the resident has not subscribed to broadcast notices` });
    await store.setNoticeConsent({ identityId: member.id, kind: "broadcast", granted: true, via: "wechat-event", now: t0 });
    expect(await transport.send(job(notice))).toEqual({ kind: "sent", messageId: "200042" });
    expect(channel.notices.at(-1)?.notice).toMatchObject({ kind: "broadcast", values: { title: "今晚有大风", text: "今晚有大风\n请收好阳台上的东西。" } });
    expect(await transport.send(job({ ...notice, tipId: "reminder-demo" }))).toEqual({ kind: "failed", error: `${OUTSIDE}; the resident has not subscribed to reminder notices` });
    // Without kindOf, a reminder's content marker picks the reminder template.
    const plain = new PushOutboxTransport(channel, "keyword", { consents: store });
    expect(await plain.send(job({ ...notice, reminder: true } as SendJob["content"]))).toEqual({ kind: "failed", error: `${OUTSIDE}; the resident has not subscribed to reminder notices` });
    await store.setNoticeConsent({ identityId: member.id, kind: "reminder", granted: true, via: "chat", now: t0 });
    expect(await plain.send(job({ ...notice, reminder: true } as SendJob["content"]))).toEqual({ kind: "sent", messageId: "200042" });
    expect(channel.notices.at(-1)?.notice.kind).toBe("reminder");
    // Inside the window the push itself goes; no template.
    channel.open = true;
    const before = channel.notices.length;
    expect(await transport.send(job(notice))).toEqual({ kind: "sent" });
    expect(channel.notices).toHaveLength(before);
  });
});
