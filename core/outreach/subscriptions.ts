/**
 * Notices outside a chat's reply window. WeChat lets an Official Account message a follower
 * freely only within 48 hours of their last message; after that, only template messages (模板消息)
 * and subscription messages (订阅通知) get through. Anxin sends one of those only when
 *
 * - the resident consented, on that account, to that kind of notice (case progress, safety tips
 *   and notices, reminders) — by typing 订阅进展通知 / 訂閱進度通知 / "subscribe case updates" …
 *   (and withdrew by 退订进展通知 … / 退订全部), or through WeChat's own subscription pop-up (the
 *   channel reports it) — recorded with when and how ({@link NoticeConsentStore}), and
 * - the channel has a template configured for that kind.
 *
 * Otherwise the refusal is returned with the reason added, for the sender to record where the
 * officer sees it (the case's delivery outcome, the broadcast's failed deliveries): never dropped.
 */
import zhCN from "../../locales/zh-CN/subscriptions.json" with { type: "json" };
import zhTW from "../../locales/zh-TW/subscriptions.json" with { type: "json" };
import en from "../../locales/en/subscriptions.json" with { type: "json" };
import type { PushResult } from "../channel.js";
import type { Lang, OutMessage } from "../engine/types.js";
import { NOTICE_KINDS, type NoticeConsentRecord, type NoticeConsentStore, type NoticeKind, type NoticeValues, type ResidentStore, type TemplateNotice } from "../model/index.js";
import type { InboundInterceptor } from "../survey/runner.js";
import { createTranslator, type TextVars } from "../util/translator.js";
import { DEFAULT_OFFICE_TIME_ZONE, formatLocalDateTime } from "../util/time-zone.js";
import { NOTICE_TEMPLATE_VARIABLES } from "./notice-templates.js";

/** A key of locales/zh-CN/subscriptions.json. */
export type SubscriptionKey = keyof typeof zhCN;

/** The resources, for the test that checks every language has every key. */
export const SUBSCRIPTION_RESOURCES: Record<Lang, Record<string, string>> = { "zh-CN": zhCN, "zh-TW": zhTW, en };

const translate = createTranslator<SubscriptionKey>("subscriptions", SUBSCRIPTION_RESOURCES, { flatKeys: true });

/** The subscription string `key` in `lang`. */
export function subscriptionText(lang: Lang, key: SubscriptionKey, vars?: TextVars): string {
  return translate(lang, key, vars);
}

// ---------------------------------------------------------------------------------------------
// Consent in chat
// ---------------------------------------------------------------------------------------------

/** What a resident typed about their subscriptions. */
export type ConsentCommand = { action: "grant" | "withdraw"; kinds: readonly NoticeKind[] } | { action: "status" };

// Longer words first: 取消订阅 must not be read as 订阅, "unsubscribe" not as "subscribe".
const WITHDRAW_WORDS = ["取消订阅", "取消訂閱", "unsubscribe", "退订", "退訂"];
const GRANT_WORDS = ["subscribe", "订阅", "訂閱"];
const KIND_WORDS: [readonly NoticeKind[], readonly string[]][] = [
  [["case_update"], ["进展通知", "案件进展", "案件进展通知", "进展", "進度通知", "案件進度", "案件進度通知", "進度", "進展通知", "caseupdates", "caseupdate", "cases", "case", "progress"]],
  [["broadcast"], ["安全提示", "通知公告", "提示", "notices", "notice", "tips", "safetytips"]],
  [["reminder"], ["提醒", "reminders", "reminder"]],
  [NOTICE_KINDS, ["全部", "所有", "所有通知", "全部通知", "all"]],
];

const STATUS_COMMANDS = ["订阅状态", "訂閱狀態", "我的订阅", "我的訂閱", "subscriptions", "subscriptionstatus", "mysubscriptions"];

/**
 * The subscription command in `text`, or undefined when it is none. Only whole commands count
 * (a sentence that happens to contain 订阅 is the dialogue's), and the word after 订阅 / 退订 must
 * name a kind (全部 / all for every kind) or ask for the status (订阅状态, "subscriptions"):
 * 订阅 and 退订 alone stay the engine's (receiving safety notices at all, or not).
 */
export function parseConsentCommand(text: string): ConsentCommand | undefined {
  const compact = text.normalize("NFKC").toLowerCase().replace(/[\s,，.。!！、:：]+/g, "");
  if (compact.length > 24) return undefined;
  if (STATUS_COMMANDS.includes(compact)) return { action: "status" };
  for (const word of WITHDRAW_WORDS) {
    if (!compact.startsWith(word)) continue;
    const kinds = kindsOf(compact.slice(word.length));
    return kinds ? { action: "withdraw", kinds } : undefined;
  }
  for (const word of GRANT_WORDS) {
    if (!compact.startsWith(word)) continue;
    const kinds = kindsOf(compact.slice(word.length));
    return kinds ? { action: "grant", kinds } : undefined;
  }
  return undefined;
}

function kindsOf(word: string): readonly NoticeKind[] | undefined {
  return KIND_WORDS.find(([, words]) => words.includes(word))?.[0];
}

/** Options of {@link createSubscriptionInterceptor}. */
export interface SubscriptionInterceptorOptions {
  store: Pick<ResidentStore, "findIdentity"> & NoticeConsentStore;
  /** Time zone of the dates in the status reply; default Asia/Shanghai. */
  timeZone?: string;
}

/**
 * The runner hook of the subscription commands: consent given or withdrawn on the account the
 * resident writes from (`via` "chat"), answered in their language.
 */
export function createSubscriptionInterceptor(options: SubscriptionInterceptorOptions): InboundInterceptor {
  const { store } = options;
  const timeZone = options.timeZone ?? DEFAULT_OFFICE_TIME_ZONE;
  return {
    name: "subscriptions",
    async intercept({ message, lang, now }) {
      if (message.input.kind !== "text") return undefined;
      const command = parseConsentCommand(message.input.text);
      if (!command) return undefined;
      const identity = await store.findIdentity(message.platform, message.platformUserId);
      if (!identity) return { reply: { messages: [say(lang, "error", "no_account")] } };
      if (command.action === "status") {
        const records = new Map((await store.noticeConsentsOf(identity.residentId)).filter((r) => r.identityId === identity.id).map((r) => [r.kind, r]));
        const lines = NOTICE_KINDS.map((kind) => {
          const record = records.get(kind);
          return record?.granted
            ? subscriptionText(lang, "status_line_on", { kind: kindName(lang, kind), date: formatLocalDateTime(record.grantedAt, timeZone) })
            : subscriptionText(lang, "status_line_off", { kind: kindName(lang, kind) });
        });
        return { reply: { messages: [say(lang, "info", "status", { lines: lines.join("\n") })] } };
      }
      const changed: NoticeKind[] = [];
      for (const kind of command.kinds) {
        const before = await store.noticeConsent(identity.id, kind);
        if (command.action === "grant" ? before?.granted === true : before?.granted !== true) continue;
        await store.setNoticeConsent({ identityId: identity.id, kind, granted: command.action === "grant", via: "chat", now });
        changed.push(kind);
      }
      const kinds = kindList(lang, changed.length > 0 ? changed : command.kinds);
      const key: SubscriptionKey = command.action === "grant" ? (changed.length > 0 ? "granted" : "already") : changed.length > 0 ? "withdrawn" : "not_subscribed";
      return { reply: { messages: [say(lang, "info", key, { kinds })] } };
    },
  };
}

function say(lang: Lang, kind: OutMessage["kind"], key: SubscriptionKey, vars?: TextVars): OutMessage {
  return { kind, text: subscriptionText(lang, key, vars) };
}

function kindName(lang: Lang, kind: NoticeKind): string {
  return subscriptionText(lang, `kind_${kind}`);
}

function kindList(lang: Lang, kinds: readonly NoticeKind[]): string {
  return kinds.map((kind) => kindName(lang, kind)).join(subscriptionText(lang, "separator"));
}

// ---------------------------------------------------------------------------------------------
// Sending outside the window
// ---------------------------------------------------------------------------------------------

/** What a channel that can send notices outside the reply window offers (see core/channel.ts). */
export interface NoticeChannel {
  readonly platform: string;
  push(chatId: string, lang: Lang, messages: OutMessage[]): Promise<PushResult>;
  /** Sends the notice as the template or subscription message configured for its kind. */
  sendNotice?(chatId: string, notice: TemplateNotice): Promise<PushResult>;
  /** The kinds that have a template configured. */
  noticeKinds?(): ReadonlySet<NoticeKind>;
}

/** Whom a notice is for and what it says, for the fallback after a push refused outside the window. */
export interface NoticeTarget {
  /** The chat account (consent is recorded per account). */
  identityId: string;
  notice: TemplateNotice;
}

/**
 * After `refused` (a push the platform refused outside its reply window): the notice as a
 * template or subscription message when the resident consented and a template is configured;
 * otherwise the refusal with the reason it could not be sent that way either. Permanent unless
 * the template send itself failed in a way worth retrying.
 */
export async function sendOutsideWindow(consents: Pick<NoticeConsentStore, "noticeConsent">, channel: NoticeChannel, chatId: string, target: NoticeTarget, refused: Extract<PushResult, { ok: false }>): Promise<PushResult> {
  const kind = target.notice.kind;
  if (!channel.sendNotice || !channel.noticeKinds) return refused;
  if (!channel.noticeKinds().has(kind)) return { ...refused, permanent: true, error: `${refused.error}; no template is configured for ${kind} notices (${NOTICE_TEMPLATE_VARIABLES[kind]})` };
  const consent = await consents.noticeConsent(target.identityId, kind);
  if (!consent?.granted) return { ...refused, permanent: true, error: `${refused.error}; ${consentMissing(kind, consent)}` };
  const sent = await channel.sendNotice(chatId, target.notice);
  if (sent.ok) return sent;
  return { ...sent, error: `${refused.error}; the ${kind} template message failed too: ${sent.error}` };
}

function consentMissing(kind: NoticeKind, consent: NoticeConsentRecord | null): string {
  if (consent?.withdrawnAt) return `the resident withdrew consent to ${kind} notices (${consent.withdrawnAt.toISOString()}, ${consent.withdrawnVia ?? "?"})`;
  return `the resident has not subscribed to ${kind} notices`;
}

/**
 * A push over the running channels that falls back to {@link sendOutsideWindow} when given a
 * target (the case notifier's `push`).
 */
export function noticePushVia(
  channels: () => readonly NoticeChannel[],
  consents: Pick<NoticeConsentStore, "noticeConsent">,
): (platform: string, chatId: string, lang: Lang, messages: OutMessage[], target?: NoticeTarget) => Promise<PushResult> {
  return async (platform, chatId, lang, messages, target) => {
    const channel = channels().find((c) => c.platform === platform);
    if (!channel) return { ok: false, error: `no ${platform} channel is running`, permanent: false };
    const result = await channel.push(chatId, lang, messages);
    if (result.ok || !result.outsideWindow || !target) return result;
    return sendOutsideWindow(consents, channel, chatId, target, result);
  };
}

/** The values of a broadcast (or reminder) for a template: its first line, the whole text, the date. */
export function broadcastNoticeValues(text: string, at: Date, timeZone: string = DEFAULT_OFFICE_TIME_ZONE): NoticeValues {
  const first = text.split("\n").map((line) => line.trim()).find((line) => line !== "") ?? "";
  return { title: first, text, date: formatLocalDateTime(at, timeZone) };
}

/** A consent change a channel learned from its platform (WeChat's subscription pop-up or settings). */
export interface PlatformConsentChange {
  platform: string;
  platformUserId: string;
  kind: NoticeKind;
  granted: boolean;
  /** How, e.g. "wechat-event". */
  via: string;
  now: Date;
}

/** Records a {@link PlatformConsentChange}; resolves false for an account Anxin does not know. */
export type NoticeConsentRecorder = (change: PlatformConsentChange) => Promise<boolean>;

/** The {@link NoticeConsentRecorder} over the store (handed to channels by app/start.ts, so no adapter holds the store). */
export function noticeConsentRecorder(store: Pick<ResidentStore, "findIdentity"> & Pick<NoticeConsentStore, "setNoticeConsent">): NoticeConsentRecorder {
  return async (change) => {
    const identity = await store.findIdentity(change.platform, change.platformUserId);
    if (!identity) return false;
    await store.setNoticeConsent({ identityId: identity.id, kind: change.kind, granted: change.granted, via: change.via, now: change.now });
    return true;
  };
}
