/**
 * The officers' `/case` chat command (role officer; the runner refuses residents politely):
 *
 *   /case new <resident code | platform:user-id> <title>     register a case for a resident
 *   /case update <code> <received|investigating|solved|closed> [note]   post progress
 *   /case list                                               the officer's open cases
 *   /case show <code>                                        one case
 *
 * Registering and updating tell the reporter at once (through the {@link CaseNotifier}); the
 * officer learns whether that worked. Chinese sub-command words (登记, 更新, 列表, 查看) work too.
 */
import type { ResidentRecord, AuditLog, CaseStore, ResidentStore } from "../model/index.js";
import { SUPPORTED_LANGS } from "../engine/types.js";
import type { Lang, LocalizedText, OutMessage } from "../engine/types.js";
import type { StaffCommand, StaffReply } from "../survey/staff-commands.js";
import { caseText } from "./cases-i18n.js";
import type { CaseKey } from "./cases-i18n.js";
import { CaseNotifier, DEFAULT_TIME_ZONE, formatDay, newCaseCode, normalizeCaseCode, parseCaseStatus, residentCode, shortTitle, statusLabel } from "./cases.js";
import type { NotifyOutcome } from "./cases.js";

/** Longest case title an officer may give. */
export const MAX_CASE_TITLE = 200;
/** Longest note of an update. */
export const MAX_CASE_NOTE = 1000;

/** Options of {@link caseStaffCommand}. */
export interface CaseCommandOptions {
  store: CaseStore & ResidentStore & AuditLog;
  notifier: CaseNotifier;
  /** Time zone of dates in replies; default Asia/Shanghai. */
  timeZone?: string;
}

const SUBCOMMANDS: Record<string, "new" | "update" | "list" | "show"> = {
  new: "new",
  add: "new",
  登记: "new",
  登記: "new",
  新建: "new",
  update: "update",
  progress: "update",
  更新: "update",
  进展: "update",
  進度: "update",
  list: "list",
  ls: "list",
  列表: "list",
  show: "show",
  查看: "show",
};

/** The `/case` staff command. */
export function caseStaffCommand(options: CaseCommandOptions): StaffCommand {
  const description: LocalizedText = Object.fromEntries(SUPPORTED_LANGS.map((lang) => [lang, caseText(lang, "description")]));
  return {
    name: "case",
    role: "officer",
    description,
    async run({ staff, args, lang, now }) {
      const [word = "", ...rest] = args.split(/\s+/).filter((part) => part !== "");
      const sub = SUBCOMMANDS[word.toLowerCase()];
      const restText = args.slice(args.indexOf(word) + word.length).trim();
      switch (sub) {
        case "new":
          return registerCase(options, staff, restText, lang, now);
        case "update":
          return postUpdate(options, staff, restText, lang, now);
        case "list":
          return listMine(options, staff, lang);
        case "show":
          return showCase(options, rest[0] ?? "", lang);
        default:
          return reply("info", caseText(lang, "usage"));
      }
    },
  };
}

function reply(kind: OutMessage["kind"], text: string): StaffReply {
  return { messages: [{ kind, text }] };
}

const error = (lang: Lang, key: CaseKey, vars?: Record<string, string | number>): StaffReply => reply("error", caseText(lang, key, vars));

/** The resident an officer named: a resident code, or `platform:user-id`. */
async function findResident(store: ResidentStore, who: string): Promise<ResidentRecord | null> {
  const colon = who.indexOf(":");
  if (colon > 0) {
    const identity = await store.findIdentity(who.slice(0, colon).toLowerCase(), who.slice(colon + 1));
    const resident = identity ? await store.getResident(identity.residentId) : null;
    return resident && !resident.deletedAt ? resident : null;
  }
  return store.findResidentByCode(who);
}

async function registerCase(options: CaseCommandOptions, staff: ResidentRecord, args: string, lang: Lang, now: Date): Promise<StaffReply> {
  const [who = "", ...titleWords] = args.split(/\s+/).filter((part) => part !== "");
  if (who === "") return reply("info", caseText(lang, "usage"));
  const title = args.slice(args.indexOf(who) + who.length).trim();
  if (titleWords.length === 0 || title === "") return error(lang, "title_missing");
  if ([...title].length > MAX_CASE_TITLE) return error(lang, "title_too_long", { max: MAX_CASE_TITLE });
  const resident = await findResident(options.store, who);
  if (!resident) return error(lang, "resident_not_found", { who });
  // A taken code is drawn again; eight tries make a failure practically impossible.
  for (let attempt = 0; attempt < 8; attempt++) {
    const created = await options.store.createCase({ code: newCaseCode(), reporterId: resident.id, officerId: staff.id, title, now });
    if (!created) continue;
    await options.store.audit(staff.id, "case.create", created.case.code, { reporterId: resident.id });
    const outcome = await options.notifier.notify(created.case, created.update, { actingResidentId: staff.id });
    return {
      messages: [
        { kind: "info", text: caseText(lang, "created", { code: created.case.code, title, resident: `${who.includes(":") ? who : residentCode(resident.id)}` }) },
        { kind: "info", text: outcomeText(lang, outcome) },
      ],
    };
  }
  throw new Error("could not draw a free case code");
}

async function postUpdate(options: CaseCommandOptions, staff: ResidentRecord, args: string, lang: Lang, now: Date): Promise<StaffReply> {
  const [codeText = "", statusText = ""] = args.split(/\s+/).filter((part) => part !== "");
  if (codeText === "" || statusText === "") return reply("info", caseText(lang, "usage"));
  const code = normalizeCaseCode(codeText);
  if (!code) return error(lang, "case_not_found", { code: codeText });
  const status = parseCaseStatus(statusText);
  if (!status) return error(lang, "bad_status");
  const afterCode = args.slice(args.indexOf(codeText) + codeText.length);
  const note = afterCode.slice(afterCode.indexOf(statusText) + statusText.length).trim();
  if ([...note].length > MAX_CASE_NOTE) return error(lang, "note_too_long", { max: MAX_CASE_NOTE });
  const posted = await options.store.addCaseUpdate({ code, status, note: note === "" ? null : note, authorId: staff.id, now });
  if (!posted) return error(lang, "case_not_found", { code });
  await options.store.audit(staff.id, "case.update", code, { status });
  const outcome = await options.notifier.notify(posted.case, posted.update, { actingResidentId: staff.id });
  return {
    messages: [
      { kind: "info", text: caseText(lang, "updated", { code, status: statusLabel(lang, status) }) },
      { kind: "info", text: outcomeText(lang, outcome) },
    ],
  };
}

function outcomeText(lang: Lang, outcome: NotifyOutcome): string {
  if (outcome.delivered) return caseText(lang, "delivered", { platform: outcome.platform });
  if (outcome.reason === "the case has no reporter") return caseText(lang, "no_reporter");
  return caseText(lang, outcome.retry ? "not_delivered" : "not_delivered_final", { reason: outcome.reason });
}

async function listMine(options: CaseCommandOptions, staff: ResidentRecord, lang: Lang): Promise<StaffReply> {
  const cases = await options.store.listCases({ officerId: staff.id, statuses: ["received", "investigating", "solved"], limit: 50 });
  if (cases.length === 0) return reply("info", caseText(lang, "mine_empty"));
  const lines = cases.map((c) => caseText(lang, "mine_item", { code: c.code, status: statusLabel(lang, c.status), title: shortTitle(c.title, 30) }));
  return reply("info", [caseText(lang, "mine_title"), ...lines].join("\n"));
}

async function showCase(options: CaseCommandOptions, codeText: string, lang: Lang): Promise<StaffReply> {
  const code = normalizeCaseCode(codeText);
  const found = code ? await options.store.getCaseByCode(code) : null;
  if (!found) return error(lang, "case_not_found", { code: codeText });
  const rating = found.rating === null ? caseText(lang, "not_rated") : caseText(lang, "rating_value", { rating: found.rating });
  const text = caseText(lang, "show", { code: found.code, title: found.title, status: statusLabel(lang, found.status), date: formatDay(found.createdAt, options.timeZone ?? DEFAULT_TIME_ZONE), rating });
  return reply("info", found.latest?.note ? `${text}\n${caseText(lang, "list_note", { note: found.latest.note }).trim()}` : text);
}
