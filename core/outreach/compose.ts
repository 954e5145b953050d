/**
 * The `/broadcast` dialogue for officers and admins: write the notice (in one or more languages,
 * or pick a tip from the library), optionally add an image, choose the audience, preview, then
 * send now or schedule. The draft — and the dialogue's step — is a Broadcast row in status
 * `draft`, so the dialogue survives restarts and works whichever process gets the next message.
 *
 * Buttons carry `bc:<op>` payloads; text typed while the dialogue waits for text (the notice,
 * an image address, a region code, a time) is routed here by the outreach interceptor.
 */
import type { BroadcastRecord, ResidentRecord, Store } from "../../prisma/store.js";
import { SUPPORTED_LANGS, isLang, type Lang, type OutMessage, type OutOption } from "../engine/types.js";
import type { StaffReply } from "../survey/staff-commands.js";
import { countAudience, mayAddress } from "./audience.js";
import { deliveryMessage, finalContent, MAX_BROADCAST_TEXT, MAX_CAPTION_TEXT, parseAudience, parseContent, type Audience, type BroadcastContent, type ComposeStep } from "./content.js";
import { outreachText, type OutreachKey } from "./i18n.js";
import { tipTitle, type TipLibrary } from "./tip-library.js";

/** What the dialogue needs. */
export interface ComposeDeps {
  store: Store;
  tips: () => TipLibrary;
  /** Platforms broadcasts can go out on now (for the preview's count). */
  platforms: () => ReadonlySet<string>;
  /** Wakes the sender after a broadcast was scheduled. */
  notify?: () => void;
  /**
   * A draft started longer ago than this is forgotten (so an abandoned dialogue does not keep
   * catching the officer's ordinary messages). Default 6 h.
   */
  draftTtlMs?: number;
}

/** The payload prefix of the dialogue's buttons. */
export const COMPOSE_PREFIX = "bc:";

const TIPS_SHOWN = 10;

/** See the module comment. */
export class ComposeDialogue {
  private readonly ttl: number;

  constructor(private readonly deps: ComposeDeps) {
    this.ttl = deps.draftTtlMs ?? 6 * 3600 * 1000;
  }

  /** The staff member's open draft, if any. */
  draft(staffId: string, now: Date): Promise<BroadcastRecord | null> {
    return this.deps.store.findDraft(staffId, new Date(now.getTime() - this.ttl));
  }

  /**
   * What typed text means to an open draft: the text it waits for, the option with that key
   * (staff on WeChat type "1"), or nothing (the text is not the dialogue's).
   */
  static routeText(draft: BroadcastRecord, text: string): { kind: "text" } | { kind: "button"; payload: string } | undefined {
    const compose = parseContent(draft.content).compose;
    const step = compose?.step;
    if (step === "text" || step === "image" || step === "region" || step === "schedule") return { kind: "text" };
    const op = compose?.keys?.[text.trim()];
    return op ? { kind: "button", payload: `${COMPOSE_PREFIX}${op}` } : undefined;
  }

  /** `/broadcast [text]`: starts a draft (or resumes the open one); with text, that is the notice. */
  async start(staff: ResidentRecord, args: string, lang: Lang, now: Date): Promise<StaffReply> {
    let draft = await this.draft(staff.id, now);
    if (!draft) {
      await this.deps.store.deleteDrafts(staff.id);
      draft = await this.deps.store.createBroadcast({ authorId: staff.id, content: { text: {}, compose: { step: "text", lang } }, audience: null, now });
    }
    const content = parseContent(draft.content);
    if (args !== "") {
      // "/broadcast <text>": the text is the notice in the writer's language, whatever step the draft was at.
      const writing = await this.save(draft, { ...content, compose: { step: "text", lang } });
      return this.text(staff, writing, args, lang, now);
    }
    if (Object.keys(content.text).length > 0) return this.menu(draft, content, lang, "compose.resumed");
    return this.askText(draft, content, lang, lang);
  }

  /** Text typed while the draft waits for it. */
  async text(staff: ResidentRecord, draft: BroadcastRecord, text: string, lang: Lang, now: Date): Promise<StaffReply> {
    const content = parseContent(draft.content);
    const step: ComposeStep = content.compose ?? { step: "text", lang };
    const typed = text.trim();
    switch (step.step) {
      case "text": {
        const textLang = step.lang ?? lang;
        if (typed === "") return this.askText(draft, content, textLang, lang);
        const max = content.image ? MAX_CAPTION_TEXT : MAX_BROADCAST_TEXT;
        if ([...typed].length > max) return reply([info(lang, "compose.too_long", { max })]);
        content.text[textLang] = typed;
        // A typed text replaces a chosen tip: the notice is no longer the library's.
        delete content.tipId;
        return this.menu(draft, content, lang, "compose.saved_text", { lang: langName(lang, textLang) });
      }
      case "image": {
        if (isSkip(typed)) return this.menu(draft, content, lang);
        if (!/^https?:\/\/[^\s]{3,500}$/i.test(typed)) return reply([info(lang, "compose.bad_image")]);
        if (Object.values(content.text).some((body) => body !== undefined && [...body].length > MAX_CAPTION_TEXT)) {
          return reply([info(lang, "compose.image_text_too_long", { max: MAX_CAPTION_TEXT })]);
        }
        content.image = typed;
        return this.menu(draft, content, lang, "compose.image_saved");
      }
      case "region": {
        const region = await this.deps.store.getRegionByCode(typed);
        const audience: Audience | undefined = region ? { kind: "region", regionCode: region.code, regionPath: region.path } : undefined;
        if (!audience || !(await mayAddress(this.deps.store, staff, audience))) return reply([info(lang, "compose.bad_region", { code: typed })]);
        return this.preview(draft, content, audience, lang, now);
      }
      case "schedule": {
        const at = parseWhen(typed, now);
        if (!at) return reply([info(lang, "compose.bad_time")]);
        return this.schedule(staff, draft, at, lang, now);
      }
      default:
        return this.menu(draft, content, lang);
    }
  }

  /** A `bc:` button. */
  async button(staff: ResidentRecord, payload: string, lang: Lang, now: Date): Promise<StaffReply> {
    const op = payload.slice(COMPOSE_PREFIX.length);
    const draft = await this.draft(staff.id, now);
    if (!draft) return reply([info(lang, "compose.nothing")]);
    const content = parseContent(draft.content);
    const [head, arg] = splitOp(op);
    switch (head) {
      case "x":
        await this.deps.store.deleteDrafts(staff.id);
        return reply([info(lang, "compose.cancelled")]);
      case "menu":
        return this.menu(draft, content, lang);
      case "lang":
        if (!isLang(arg)) return this.menu(draft, content, lang);
        return this.askText(draft, content, arg, lang);
      case "img":
        await this.save(draft, { ...content, compose: { step: "image" } });
        return reply([info(lang, "compose.ask_image")]);
      case "tip":
        return arg ? this.chooseTip(draft, content, arg, lang) : this.listTips(draft, content, lang);
      case "aud":
        return arg ? this.audience(staff, draft, content, arg, lang, now) : this.audienceMenu(staff, draft, content, lang);
      case "send":
        return this.schedule(staff, draft, now, lang, now);
      case "sched":
        await this.save(draft, { ...content, compose: { step: "schedule" } });
        return reply([info(lang, "compose.ask_schedule")]);
      default:
        return this.menu(draft, content, lang);
    }
  }

  /** `/broadcast cancel` without an id: drops the open draft. */
  async dropDraft(staff: ResidentRecord, lang: Lang): Promise<StaffReply> {
    const dropped = await this.deps.store.deleteDrafts(staff.id);
    return reply([info(lang, dropped > 0 ? "compose.cancelled" : "compose.nothing")]);
  }

  // ---------------------------------------------------------------------------------- steps

  private async askText(draft: BroadcastRecord, content: BroadcastContent, textLang: Lang, lang: Lang): Promise<StaffReply> {
    const options: OutOption[] = [];
    if (Object.keys(content.text).length === 0 && (await this.deps.tips().listTips()).length > 0) options.push(option("1", outreachText(lang, "compose.btn_tip"), "tip"));
    options.push(option("0", outreachText(lang, "compose.btn_cancel"), "x"));
    return this.offer(draft, content, { step: "text", lang: textLang }, outreachText(lang, "compose.ask_text", { lang: langName(lang, textLang), max: MAX_BROADCAST_TEXT }), options);
  }

  private async menu(draft: BroadcastRecord, content: BroadcastContent, lang: Lang, lead?: OutreachKey, vars?: Record<string, string | number>): Promise<StaffReply> {
    const options: OutOption[] = [];
    let key = 1;
    if (Object.keys(content.text).length > 0) options.push(option(String(key++), outreachText(lang, "compose.btn_audience"), "aud"));
    for (const other of SUPPORTED_LANGS) if (!content.text[other]) options.push(option(String(key++), outreachText(lang, "compose.btn_lang", { lang: langName(lang, other) }), `lang:${other}`));
    if (!content.image && Object.keys(content.text).length > 0) options.push(option(String(key++), outreachText(lang, "compose.btn_image"), "img"));
    options.push(option("0", outreachText(lang, "compose.btn_cancel"), "x"));
    const text = outreachText(lang, Object.keys(content.text).length > 0 ? "compose.menu" : "compose.empty");
    return this.offer(draft, content, { step: "menu" }, text, options, lead ? [info(lang, lead, vars)] : []);
  }

  /** Saves the step with the keys of the options shown, and shows them. */
  private async offer(draft: BroadcastRecord, content: BroadcastContent, step: ComposeStep, text: string, options: OutOption[], before: OutMessage[] = []): Promise<StaffReply> {
    const keys = Object.fromEntries(options.map((o) => [o.key, o.payload.slice(COMPOSE_PREFIX.length)]));
    await this.save(draft, { ...content, compose: { ...step, keys } });
    return { messages: [...before, { kind: "menu", text, options }] };
  }

  private async listTips(draft: BroadcastRecord, content: BroadcastContent, lang: Lang): Promise<StaffReply> {
    const tips = (await this.deps.tips().listTips()).filter((tip) => `${COMPOSE_PREFIX}tip:${tip.id}`.length <= 40).slice(0, TIPS_SHOWN);
    if (tips.length === 0) return reply([info(lang, "compose.no_tips")]);
    const options = tips.map((tip, i) => option(String(i + 1), tipTitle(tip, lang), `tip:${tip.id}`));
    options.push(option("0", outreachText(lang, "compose.btn_back"), "menu"));
    return this.offer(draft, content, { step: "choose" }, outreachText(lang, "compose.tips_header"), options);
  }

  private async chooseTip(draft: BroadcastRecord, content: BroadcastContent, id: string, lang: Lang): Promise<StaffReply> {
    const tip = await this.deps.tips().getTip(id);
    if (!tip) return this.listTips(draft, content, lang);
    const next: BroadcastContent = { ...content, text: { ...tip.text }, tipId: tip.id };
    return this.menu(draft, next, lang, "compose.tip_chosen", { title: tipTitle(tip, lang) });
  }

  private async audienceMenu(staff: ResidentRecord, draft: BroadcastRecord, content: BroadcastContent, lang: Lang): Promise<StaffReply> {
    if (Object.keys(content.text).length === 0) return this.menu(draft, content, lang);
    const options = [
      option("1", outreachText(lang, "compose.aud_households"), "aud:h"),
      option("2", outreachText(lang, "compose.aud_unfinished"), "aud:u"),
      option("3", outreachText(lang, "compose.aud_region"), "aud:r"),
    ];
    if (staff.role === "admin") options.push(option("4", outreachText(lang, "compose.aud_everyone"), "aud:e"));
    options.push(option("0", outreachText(lang, "compose.btn_back"), "menu"));
    return this.offer(draft, content, { step: "choose" }, outreachText(lang, "compose.audience"), options);
  }

  private async audience(staff: ResidentRecord, draft: BroadcastRecord, content: BroadcastContent, choice: string, lang: Lang, now: Date): Promise<StaffReply> {
    let audience: Audience;
    switch (choice) {
      case "h":
        audience = { kind: "households", officerId: staff.id };
        break;
      case "u":
        audience = staff.role === "admin" ? { kind: "unfinished" } : { kind: "unfinished", officerId: staff.id };
        break;
      case "e":
        audience = { kind: "everyone" };
        break;
      case "r":
        await this.save(draft, { ...content, compose: { step: "region" } });
        return reply([info(lang, "compose.ask_region")]);
      default:
        return this.audienceMenu(staff, draft, content, lang);
    }
    if (!(await mayAddress(this.deps.store, staff, audience))) return reply([info(lang, "compose.not_allowed_audience")]);
    return this.preview(draft, content, audience, lang, now);
  }

  private async preview(draft: BroadcastRecord, content: BroadcastContent, audience: Audience, lang: Lang, now: Date): Promise<StaffReply> {
    const saved = await this.deps.store.updateDraft(draft.id, { audience });
    if (!saved) return reply([info(lang, "compose.nothing")]);
    const { reach, not } = await countAudience(this.deps.store, audience, this.deps.platforms(), now);
    const shown = deliveryMessage(content, lang, "preview", "button", { imageAsLink: true });
    const messages: OutMessage[] = [info(lang, "compose.preview", { count: reach, skipped: not, audience: describeAudience(audience, lang) })];
    if (shown) messages.push({ kind: "info", text: `${shown.message.text}\n\n[${outreachText(shown.lang, "notice.read_button")}]` });
    const others = SUPPORTED_LANGS.filter((l) => content.text[l] && l !== shown?.lang);
    if (others.length > 0) messages.push(info(lang, "compose.preview_langs", { langs: others.map((l) => langName(lang, l)).join(", ") }));
    const options = [
      option("1", outreachText(lang, "compose.btn_send"), "send"),
      option("2", outreachText(lang, "compose.btn_schedule"), "sched"),
      option("3", outreachText(lang, "compose.btn_edit"), "menu"),
      option("0", outreachText(lang, "compose.btn_cancel"), "x"),
    ];
    return this.offer(saved, content, { step: "preview" }, outreachText(lang, "compose.confirm"), options, messages);
  }

  private async schedule(staff: ResidentRecord, draft: BroadcastRecord, at: Date, lang: Lang, now: Date): Promise<StaffReply> {
    const current = await this.deps.store.getBroadcast(draft.id);
    const audience = parseAudience(current?.audience);
    const content = parseContent(current?.content);
    if (!current || current.status !== "draft") return reply([info(lang, "compose.nothing")]);
    if (!audience) return this.audienceMenu(staff, current, content, lang);
    if (Object.keys(content.text).length === 0) return this.menu(current, content, lang);
    // Checked again at the last moment: the staff member's role or area may have changed.
    if (!(await mayAddress(this.deps.store, staff, audience))) return reply([info(lang, "compose.not_allowed_audience")]);
    await this.deps.store.updateDraft(current.id, { content: finalContent(content) });
    const scheduled = await this.deps.store.scheduleBroadcast(current.id, at, staff.id, now);
    if (!scheduled) return reply([info(lang, "compose.nothing")]);
    this.deps.notify?.();
    if (at.getTime() <= now.getTime()) return reply([info(lang, "compose.sending", { id: scheduled.id })]);
    return reply([info(lang, "compose.scheduled", { id: scheduled.id, at: formatTime(at) })]);
  }

  private async save(draft: BroadcastRecord, content: BroadcastContent): Promise<BroadcastRecord> {
    return (await this.deps.store.updateDraft(draft.id, { content })) ?? draft;
  }
}

/** A short description of an audience for previews and lists. */
export function describeAudience(audience: Audience | undefined, lang: Lang): string {
  switch (audience?.kind) {
    case "households":
      return outreachText(lang, "compose.aud_households");
    case "unfinished":
      return outreachText(lang, "compose.aud_unfinished");
    case "everyone":
      return outreachText(lang, "compose.aud_everyone");
    case "region":
      return outreachText(lang, "compose.aud_region_code", { code: audience.regionCode });
    default:
      return "—";
  }
}

/**
 * Reads a time to send at, in the server's time zone: "2026-05-01 09:00", "05-01 09:00",
 * "09:00" (today, or tomorrow once past), "明天 9:00" / "tomorrow 9:00", "+30m", "+2h",
 * "30分钟后", "2小时后". Undefined when unreadable or in the past.
 */
export function parseWhen(text: string, now: Date): Date | undefined {
  const s = text.trim().toLowerCase().replace(/：/g, ":").replace(/\s+/g, " ");
  const relative = /^\+?\s*(\d{1,4})\s*(m|min|分钟|分鐘|h|hour|hours|小时|小時)\s*(后|後)?$/.exec(s);
  if (relative?.[1] && relative[2]) {
    const n = Number(relative[1]);
    const minutes = /^(m|min|分钟|分鐘)$/.test(relative[2]) ? n : n * 60;
    return minutes > 0 ? new Date(now.getTime() + minutes * 60_000) : undefined;
  }
  const full = /^(?:(\d{4})-)?(\d{1,2})-(\d{1,2})[ t](\d{1,2}):(\d{2})$/.exec(s);
  if (full) {
    const year = full[1] ? Number(full[1]) : now.getFullYear();
    const at = new Date(year, Number(full[2]) - 1, Number(full[3]), Number(full[4]), Number(full[5]));
    if (Number.isNaN(at.getTime()) || at.getMonth() !== Number(full[2]) - 1) return undefined;
    return at.getTime() > now.getTime() ? at : undefined;
  }
  const clock = /^(明天|tomorrow|今天|today)? ?(\d{1,2}):(\d{2})$/.exec(s);
  if (clock?.[2] && clock[3]) {
    const hour = Number(clock[2]);
    const minute = Number(clock[3]);
    if (hour > 23 || minute > 59) return undefined;
    const at = new Date(now.getFullYear(), now.getMonth(), now.getDate(), hour, minute);
    const tomorrow = clock[1] === "明天" || clock[1] === "tomorrow";
    const today = clock[1] === "今天" || clock[1] === "today";
    if (tomorrow || (!today && at.getTime() <= now.getTime())) at.setDate(at.getDate() + 1);
    return at.getTime() > now.getTime() ? at : undefined;
  }
  return undefined;
}

/** "2026-05-01 09:00" in the server's time zone. */
export function formatTime(at: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())} ${pad(at.getHours())}:${pad(at.getMinutes())}`;
}

/** A language's name, in the reader's language. */
export function langName(reader: Lang, lang: Lang): string {
  return outreachText(reader, lang === "zh-CN" ? "lang.zh-CN" : lang === "zh-TW" ? "lang.zh-TW" : "lang.en");
}

function splitOp(op: string): [string, string | undefined] {
  const at = op.indexOf(":");
  return at < 0 ? [op, undefined] : [op.slice(0, at), op.slice(at + 1)];
}

function isSkip(text: string): boolean {
  return /^(跳过|跳過|skip|不要|no|none|无|無|0)$/i.test(text.trim());
}

function option(key: string, label: string, op: string): OutOption {
  return { key, label, payload: `${COMPOSE_PREFIX}${op}` };
}

function info(lang: Lang, key: OutreachKey, vars?: Record<string, string | number>): OutMessage {
  return { kind: "info", text: outreachText(lang, key, vars) };
}

function reply(messages: OutMessage[]): StaffReply {
  return { messages };
}
