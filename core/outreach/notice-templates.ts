/**
 * Which WeChat template or subscription message carries each kind of notice outside the 48-hour
 * customer-service window, as configured (WECHAT_OA_TEMPLATE_CASE_UPDATE, …_BROADCAST,
 * …_REMINDER), and the values a notice offers a template's fields.
 *
 *   template:<template id>?first=title&keyword1=code&keyword2=status&keyword3=date&remark=note
 *   subscribe:<template id>?character_string1=code&thing2=title&phrase3=status&time4=date
 *
 * `template` sends a template message (模板消息, any follower), `subscribe` a subscription
 * message (订阅通知, only to a follower who accepted that template). Each field of the template
 * (its key as the WeChat back end shows it, e.g. `keyword1` or `thing2`) names the notice value it
 * shows; the values each kind offers are {@link NOTICE_VALUES}.
 */
import { NOTICE_KINDS, type NoticeKind, type NoticeTemplate } from "../model/index.js";

/** The values each kind of notice offers a template's fields. */
export const NOTICE_VALUES: Readonly<Record<NoticeKind, readonly string[]>> = {
  // The case code, its title, the new status, the officer's note, the update's date, the whole message.
  case_update: ["code", "title", "status", "note", "date", "text"],
  // The first line of the notice, the whole notice, the date it was sent.
  broadcast: ["title", "text", "date"],
  reminder: ["title", "text", "date"],
};

/** The configuration variable of each kind. */
export const NOTICE_TEMPLATE_VARIABLES: Readonly<Record<NoticeKind, string>> = {
  case_update: "WECHAT_OA_TEMPLATE_CASE_UPDATE",
  broadcast: "WECHAT_OA_TEMPLATE_BROADCAST",
  reminder: "WECHAT_OA_TEMPLATE_REMINDER",
};

/** A template setting that cannot be used; the message says why and what is accepted. */
export class NoticeTemplateError extends Error {}

const FIELD_KEY = /^[A-Za-z][A-Za-z0-9_]{0,31}$/;
const TEMPLATE_ID = /^[A-Za-z0-9_-]{1,128}$/;
const SHAPE = "template:<template id>?<field>=<value>&… or subscribe:<template id>?<field>=<value>&…";

/**
 * Reads one kind's setting.
 * @throws NoticeTemplateError naming what is wrong (never echoing more than the offending part)
 */
export function parseNoticeTemplate(kind: NoticeKind, text: string): NoticeTemplate {
  const value = text.trim();
  const match = /^(template|subscribe):([^?]*)(?:\?(.*))?$/.exec(value);
  if (!match) throw new NoticeTemplateError(`must be ${SHAPE}`);
  const api = match[1] as NoticeTemplate["api"];
  const templateId = match[2] ?? "";
  if (!TEMPLATE_ID.test(templateId)) throw new NoticeTemplateError(`the template id must be the id the Official Account's back end shows (letters, digits, _ and -), got ${JSON.stringify(templateId)}`);
  const query = match[3] ?? "";
  if (query.trim() === "") throw new NoticeTemplateError(`needs at least one field after "?", e.g. ${api}:${templateId}?${api === "template" ? "keyword1" : "thing1"}=${NOTICE_VALUES[kind][0]} (values: ${NOTICE_VALUES[kind].join(", ")})`);
  const fields: Record<string, string> = {};
  for (const pair of query.split("&")) {
    const equals = pair.indexOf("=");
    const key = (equals < 0 ? pair : pair.slice(0, equals)).trim();
    const name = (equals < 0 ? "" : pair.slice(equals + 1)).trim();
    if (!FIELD_KEY.test(key)) throw new NoticeTemplateError(`${JSON.stringify(key)} is not a template field key (a letter, then letters, digits or _, e.g. keyword1 or thing2)`);
    if (Object.hasOwn(fields, key)) throw new NoticeTemplateError(`the field ${key} is given twice`);
    if (!NOTICE_VALUES[kind].includes(name)) throw new NoticeTemplateError(`the field ${key} must show one of ${NOTICE_VALUES[kind].join(", ")} (got ${JSON.stringify(name)})`);
    fields[key] = name;
  }
  return { api, templateId, fields };
}

/**
 * Every kind's setting from the environment; kinds without a variable have no template (their
 * notices cannot be sent outside the window).
 * @throws NoticeTemplateError whose message starts with the variable's name
 */
export function noticeTemplatesFrom(env: Readonly<Record<string, string | undefined>>): Partial<Record<NoticeKind, NoticeTemplate>> {
  const templates: Partial<Record<NoticeKind, NoticeTemplate>> = {};
  for (const kind of NOTICE_KINDS) {
    const name = NOTICE_TEMPLATE_VARIABLES[kind];
    const value = env[name];
    if (value === undefined || value.trim() === "") continue;
    try {
      templates[kind] = parseNoticeTemplate(kind, value);
    } catch (error) {
      if (error instanceof NoticeTemplateError) throw new NoticeTemplateError(`${name}: ${error.message}`);
      throw error;
    }
  }
  return templates;
}
