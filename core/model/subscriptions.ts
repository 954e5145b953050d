/**
 * Residents' consent to notices outside a chat's reply window (WeChat Official Account template
 * and subscription messages): the kinds of notice, the consent record and the notice handed to
 * a channel that can send one.
 */

/** The kinds of notice a resident can subscribe to, each with its own template. */
export const NOTICE_KINDS = ["case_update", "broadcast", "reminder"] as const;

/** One of {@link NOTICE_KINDS}. */
export type NoticeKind = (typeof NOTICE_KINDS)[number];

/** True for a known notice kind. */
export function isNoticeKind(value: string): value is NoticeKind {
  return (NOTICE_KINDS as readonly string[]).includes(value);
}

/**
 * A resident's consent, on one chat account, to one kind of notice: when and how it was given
 * and, if so, withdrawn. `via` names the way: `chat` (a typed command), `wechat-event` (the
 * Official Account's subscription pop-up or settings), `admin` …
 */
export interface NoticeConsentRecord {
  identityId: string;
  residentId: string;
  kind: NoticeKind;
  granted: boolean;
  grantedAt: Date;
  grantedVia: string;
  withdrawnAt: Date | null;
  withdrawnVia: string | null;
}

/** A change of consent, for {@link NoticeConsentStore.setNoticeConsent}. */
export interface NoticeConsentChange {
  identityId: string;
  kind: NoticeKind;
  granted: boolean;
  via: string;
  now: Date;
}

/** The values a notice offers a template's fields (a template maps its field keys to these names). */
export type NoticeValues = Readonly<Record<string, string>>;

/**
 * A notice as a channel sends it outside the reply window: its kind picks the configured
 * template, `values` fill its fields (`text`, the whole message, among them).
 */
export interface TemplateNotice {
  kind: NoticeKind;
  values: NoticeValues;
}

/** How a template or subscription message of one notice kind is sent (from the configuration). */
export interface NoticeTemplate {
  /** `template`: template message (模板消息, message/template/send); `subscribe`: subscription message (订阅通知, message/subscribe/bizsend). */
  api: "template" | "subscribe";
  templateId: string;
  /** Template field key → the notice value it shows (e.g. keyword1 → code). */
  fields: Readonly<Record<string, string>>;
}
