/**
 * Template messages (模板消息, `message/template/send`) and subscription messages (订阅通知,
 * `message/subscribe/bizsend`) of the Official Account: how a notice the core hands over
 * (core/channel.ts `sendNotice`) becomes WeChat's request, and what WeChat's answer means.
 *
 * The puppet has no API for either, so they go through the puppet's own HTTP helper with its
 * current access token (`oa.simpleUnirest`, `oa.accessToken`, checked at run time like
 * oa-access-token.ts does): the same client, proxy settings and token as its customer-service
 * messages.
 */
import type { PushResult } from "../../core/channel.js";
import type { NoticeKind, NoticeTemplate, TemplateNotice } from "../../core/model/index.js";
import { OfficialAccountApiError, WECHAT_ERRCODE } from "./oa-errcodes.js";

/** WeChat's codes of template and subscription sends that Anxin explains. */
export const TEMPLATE_ERRCODE = {
  invalidTemplateId: 40037,
  subscriptionRefused: 43101,
  argumentInvalid: 47003,
} as const;

/**
 * Longest value per field type of a subscription message (the field key's letters: thing2 is a
 * "thing"), as WeChat documents them; values are cut to fit (WeChat refuses a longer one with
 * 47003). Template messages' keywords allow 200 characters.
 */
const FIELD_LIMITS: [prefix: string, max: number][] = [
  ["character_string", 32],
  ["phone_number", 17],
  ["car_number", 8],
  ["thing", 20],
  ["number", 32],
  ["letter", 32],
  ["symbol", 5],
  ["phrase", 5],
  ["name", 10],
];
const DEFAULT_LIMIT = 200;

/** The request WeChat gets for `notice` to `openId`, or undefined when no template is configured for its kind. */
export function templateRequest(templates: Partial<Record<NoticeKind, NoticeTemplate>>, openId: string, notice: TemplateNotice): { endpoint: string; body: Record<string, unknown> } | undefined {
  const template = templates[notice.kind];
  if (!template) return undefined;
  const data: Record<string, { value: string }> = {};
  for (const [key, name] of Object.entries(template.fields)) data[key] = { value: fit(key, notice.values[name] ?? "") };
  return {
    endpoint: template.api === "template" ? "message/template/send" : "message/subscribe/bizsend",
    body: { touser: openId, template_id: template.templateId, data },
  };
}

/** A value cut to its field's length ("…" marks the cut); an empty one becomes "—" (WeChat refuses empty fields). */
function fit(key: string, value: string): string {
  const max = FIELD_LIMITS.find(([prefix]) => key.toLowerCase().startsWith(prefix))?.[1] ?? DEFAULT_LIMIT;
  const chars = [...value.replace(/\s+/g, " ").trim()];
  if (chars.length === 0) return "—";
  return chars.length > max ? `${chars.slice(0, max - 1).join("")}…` : chars.join("");
}

type Thenable = { then(onFulfilled: (value: unknown) => unknown, onRejected?: (error: unknown) => unknown): unknown };
type JsonRequest = { type(kind: string): { send(body: unknown): Thenable } };

/**
 * Posts the request with the puppet's helper and token; resolves with WeChat's msgid (as text)
 * and throws {@link OfficialAccountApiError} for an errcode.
 */
export async function postTemplate(puppet: object, request: { endpoint: string; body: Record<string, unknown> }): Promise<string | undefined> {
  const oa: unknown = (puppet as { oa?: unknown }).oa;
  const helper: unknown = typeof oa === "object" && oa !== null ? (oa as { simpleUnirest?: unknown }).simpleUnirest : undefined;
  const post: unknown = typeof helper === "object" && helper !== null ? (helper as { post?: unknown }).post : undefined;
  if (typeof post !== "function") throw new Error("this puppet cannot send template messages (no Official Account API helper)");
  const token = (oa as { accessToken?: unknown }).accessToken;
  if (typeof token !== "string") throw new Error("the Official Account has no access token yet");
  const pending = (post as (url: string) => JsonRequest).call(helper, `${request.endpoint}?access_token=${encodeURIComponent(token)}`).type("json").send(request.body);
  const answer = (await new Promise<unknown>((resolve, reject) => pending.then(resolve, reject))) as { body?: { errcode?: unknown; errmsg?: unknown; msgid?: unknown } };
  const errcode = answer.body?.errcode;
  if (typeof errcode === "number" && errcode !== 0) throw new OfficialAccountApiError(errcode, new Error(String(answer.body?.errmsg ?? "")));
  if (answer.body === undefined) throw new Error("WeChat gave no answer to the template message");
  const msgid = answer.body.msgid;
  return typeof msgid === "number" || typeof msgid === "string" ? String(msgid) : undefined;
}

/** A failed template or subscription send as the caller records it, in words an officer can act on. */
export function templateFailure(notice: TemplateNotice, template: NoticeTemplate | undefined, error: unknown): Extract<PushResult, { ok: false }> {
  if (error instanceof OfficialAccountApiError) {
    const id = template?.templateId ?? "?";
    switch (error.errcode) {
      case TEMPLATE_ERRCODE.subscriptionRefused:
        return { ok: false, permanent: true, error: `the resident has not accepted subscription message ${id} in WeChat, or used up their acceptance (errcode 43101)` };
      case TEMPLATE_ERRCODE.invalidTemplateId:
        return { ok: false, permanent: true, error: `WeChat does not know template ${id} of ${notice.kind} notices (errcode 40037): check its WECHAT_OA_TEMPLATE_ setting` };
      case TEMPLATE_ERRCODE.argumentInvalid:
        return { ok: false, permanent: true, error: `WeChat refused the fields of template ${id} (errcode 47003): check the field keys of its WECHAT_OA_TEMPLATE_ setting` };
      case WECHAT_ERRCODE.unfollowed:
        return { ok: false, permanent: true, blocked: true, error: "the resident unfollowed the Official Account" };
      default:
        return { ok: false, permanent: false, error: error.message };
    }
  }
  return { ok: false, permanent: false, error: error instanceof Error ? error.message : String(error) };
}
