/**
 * The outreach chat commands, checked by the runner before the engine and refused below their
 * role: `/invite`, `/staff`, `/revoke` (admins), `/broadcast`, `/coverage`, `/link` (officers and
 * admins).
 */
import type { ResidentRecord, Store } from "../model/index.js";
import type { Lang, OutMessage } from "../engine/types.js";
import type { StaffCommand, StaffReply } from "../survey/staff-commands.js";
import { formatInvitationCode, parseInvitationCode } from "./codes.js";
import { describeAudience, formatTime } from "./broadcast-format.js";
import { parseAudience } from "./content.js";
import { coverageReport, villageName, type CoverageCounts, type CoverageReport, type CoverageTotals } from "./coverage.js";
import { outreachText, type OutreachKey } from "./i18n.js";
import { createInvitation, InvitationError, parseAccount, type StaffDirectory } from "./invitations.js";
import { householdTelegramLink, invitationLinks, type LinkContext } from "./links.js";

/** What the commands need. */
export interface OutreachCommandDeps {
  store: Store;
  links: LinkContext;
  staff: StaffDirectory;
  /** A signed link to the officer's printable web leaflet (with its QR code), where the web chat can make one. */
  leafletLink?: (staff: ResidentRecord, regionCode: string, now: Date) => string | undefined;
  /** Validity of invitations made in chat; default 7 days. */
  invitationDays?: number;
  /** The office's time zone (IANA name) of times in replies; default Asia/Shanghai. */
  timeZone?: string;
}

/** Most lines one list reply shows (chat messages should stay short). */
const MAX_LINES = 30;

/** The outreach staff commands. */
export function createOutreachCommands(deps: OutreachCommandDeps): StaffCommand[] {
  const { store } = deps;
  return [
    {
      name: "invite",
      role: "admin",
      description: { "zh-CN": "邀请民警（/invite officer 地区代码）", "zh-TW": "邀請民警（/invite officer 地區代碼）", en: "invite an officer (/invite officer <region code>)" },
      async run({ staff, args, lang, now }) {
        const [first = "", second] = args.split(/\s+/).filter(Boolean);
        const roleWord = first.toLowerCase();
        const role = ["admin", "管理员", "管理員"].includes(roleWord) ? "admin" : ["officer", "民警", "警官"].includes(roleWord) ? "officer" : undefined;
        // "/invite 330102001" is read as an officer of that region.
        const regionCode = role ? second : first || undefined;
        if (!regionCode && role !== "admin") return say(lang, "invite.usage");
        try {
          const { invitation, region } = await createInvitation(store, { role: role ?? "officer", regionCode: regionCode ?? null, createdById: staff.id, days: deps.invitationDays, now });
          const links = invitationLinks(deps.links, invitation.code);
          const lines = [outreachText(lang, "invite.link_wechat", { code: links.code })];
          if (links.telegram) lines.unshift(outreachText(lang, "invite.link_telegram", { url: links.telegram }));
          if (links.web) lines.splice(links.telegram ? 1 : 0, 0, outreachText(lang, "invite.link_web", { url: links.web }));
          const regionName = region ? (region.name[lang] ?? region.name["zh-CN"] ?? region.code) : "—";
          return say(lang, invitation.role === "admin" ? "invite.created_admin" : "invite.created", {
            region: regionName,
            code: links.code,
            links: lines.join("\n"),
            expires: formatTime(invitation.expiresAt, deps.timeZone),
          });
        } catch (error) {
          if (error instanceof InvitationError) return say(lang, error.reason === "region" ? "invite.no_region" : "invite.usage", { code: regionCode ?? "" });
          throw error;
        }
      },
    },
    {
      name: "staff",
      role: "admin",
      description: { "zh-CN": "工作人员和未用的邀请", "zh-TW": "工作人員和未用的邀請", en: "staff and open invitations" },
      async run({ lang, now }) {
        const [members, invitations] = await Promise.all([store.listStaff(), store.listInvitations({ open: true, now, limit: MAX_LINES })]);
        const lines = [outreachText(lang, "staff.header", { count: members.length })];
        for (const member of members.slice(0, MAX_LINES)) {
          lines.push(
            outreachText(lang, "staff.line", {
              role: outreachText(lang, member.role === "admin" ? "role.admin" : "role.officer"),
              name: member.displayName ?? "—",
              region: member.regionCode ?? "—",
              households: member.households,
              accounts: member.accounts.join(", ") || "—",
            }),
          );
        }
        if (members.length > MAX_LINES) lines.push(outreachText(lang, "list.more", { count: members.length - MAX_LINES }));
        if (invitations.length > 0) {
          lines.push("", outreachText(lang, "staff.invites_header"));
          for (const invitation of invitations) {
            lines.push(outreachText(lang, "staff.invite_line", { code: formatInvitationCode(invitation.code), role: outreachText(lang, invitation.role === "admin" ? "role.admin" : "role.officer"), region: invitation.regionCode ?? "—", expires: formatTime(invitation.expiresAt, deps.timeZone) }));
          }
        }
        return { messages: [{ kind: "info", text: lines.join("\n") }] };
      },
    },
    {
      name: "revoke",
      role: "admin",
      description: { "zh-CN": "撤销工作人员或邀请码", "zh-TW": "撤銷工作人員或邀請碼", en: "revoke a staff member or an invitation" },
      async run({ staff, args, lang, now }) {
        const code = parseInvitationCode(args);
        if (code) {
          const revoked = await store.revokeInvitation(code, staff.id, now);
          return say(lang, revoked ? "revoke.invite_done" : "revoke.invite_unknown", { code: formatInvitationCode(code) });
        }
        const account = parseAccount(args);
        if (!account) return say(lang, "revoke.usage");
        const accountText = `${account.platform}:${account.userId}`;
        const identity = await store.findIdentity(account.platform, account.userId);
        if (identity?.residentId === staff.id) return say(lang, "revoke.self");
        const revoked = await store.revokeStaff(account.platform, account.userId, staff.id, now);
        deps.staff.invalidate();
        return say(lang, revoked ? "revoke.staff_done" : "revoke.staff_unknown", { account: accountText });
      },
    },
    {
      name: "broadcast",
      role: "officer",
      description: { "zh-CN": "给联系户发送安全提示", "zh-TW": "給聯繫戶發送安全提示", en: "send a safety notice to your households" },
      async run({ staff, args, lang, now }) {
        const [sub = "", rest = ""] = splitFirst(args);
        switch (sub.toLowerCase()) {
          case "list":
          case "列表":
            return listBroadcasts(store, staff, lang, deps.timeZone);
          case "cancel":
          case "取消":
            return rest ? cancelBroadcast(store, staff, rest, lang, now) : toDialogue(args);
          case "help":
          case "帮助":
          case "幫助":
            return say(lang, "broadcast.help");
          default:
            // Writing a notice (or discarding the one being written) is a dialogue the engine runs.
            return toDialogue(args);
        }
      },
    },
    {
      name: "coverage",
      role: "officer",
      description: { "zh-CN": "入户走访和宣传覆盖情况", "zh-TW": "入戶走訪和宣傳覆蓋情況", en: "door-to-door visits and publicity coverage" },
      async run({ staff, args, lang, now }) {
        if (staff.role === "admin") {
          const regionCode = args.trim() || undefined;
          if (regionCode && !(await store.getRegionByCode(regionCode))) return say(lang, "invite.no_region", { code: regionCode });
          return { messages: [{ kind: "info", text: adminCoverageText(await coverageReport(store, { now, ...(regionCode ? { regionCode } : {}) }), lang) }] };
        }
        const report = await coverageReport(store, { officerId: staff.id, now });
        return { messages: [{ kind: "info", text: officerCoverageText(report, lang) }] };
      },
    },
    {
      name: "link",
      role: "officer",
      description: { "zh-CN": "我的入户链接和二维码", "zh-TW": "我的入戶連結和二維碼", en: "my household link and QR code" },
      async run({ staff, lang, now }) {
        const telegram = householdTelegramLink(deps.links, staff.id);
        const regions = staff.regionId ? await store.listRegions() : [];
        const area = regions.find((region) => region.id === staff.regionId);
        const leaflet = area ? deps.leafletLink?.(staff, area.code, now) : undefined;
        const lines = [outreachText(lang, "link.header")];
        if (telegram) lines.push(outreachText(lang, "link.telegram", { url: telegram }));
        if (leaflet) lines.push(outreachText(lang, "link.leaflet", { url: leaflet }));
        if (!telegram && !leaflet) lines.push(outreachText(lang, area ? "link.none" : "link.no_region"));
        return { messages: [{ kind: "info", text: lines.join("\n") }] };
      },
    },
  ];
}

async function listBroadcasts(store: Store, staff: ResidentRecord, lang: Lang, timeZone?: string): Promise<StaffReply> {
  const list = await store.listBroadcasts({ ...(staff.role === "admin" ? {} : { authorId: staff.id }), limit: 10 });
  if (list.length === 0) return say(lang, "list.none");
  const lines = [outreachText(lang, "list.header")];
  for (const broadcast of list) {
    const c = broadcast.counts;
    lines.push(
      outreachText(lang, "list.line", {
        id: broadcast.id,
        status: outreachText(lang, `status.${broadcast.status}` as OutreachKey),
        when: formatTime(broadcast.scheduledAt ?? broadcast.createdAt, timeZone),
        audience: describeAudience(parseAudience(broadcast.audience), lang),
        total: c.total,
        sent: c.sent,
        read: c.read,
        waiting: c.pending + c.sending,
        failed: c.failed + c.undeliverable,
        blocked: c.blocked,
        skipped: c.skipped,
      }),
    );
    if (c.possiblyDuplicated > 0) lines.push(outreachText(lang, "list.duplicates", { count: c.possiblyDuplicated }));
  }
  return { messages: [{ kind: "info", text: lines.join("\n") }] };
}

async function cancelBroadcast(store: Store, staff: ResidentRecord, id: string, lang: Lang, now: Date): Promise<StaffReply> {
  const broadcast = await store.getBroadcast(id.trim());
  // An officer cancels their own broadcasts only; an admin anyone's.
  if (!broadcast || (staff.role !== "admin" && broadcast.authorId !== staff.id)) return say(lang, "cancel.unknown", { id });
  const cancelled = await store.cancelBroadcast(broadcast.id, staff.id, now);
  return say(lang, cancelled ? "cancel.done" : "cancel.unknown", { id: broadcast.id });
}

/**
 * An officer's own coverage: per village a line of the chat figures (households / reached /
 * confirmed) and one of the door-to-door ones (visited, material, surveyed self / interviewer).
 */
export function officerCoverageText(report: CoverageReport, lang: Lang): string {
  const mine = report.officers[0];
  if (!mine || mine.villages.length === 0) return outreachText(lang, "coverage.none");
  const lines = [outreachText(lang, "coverage.header")];
  // Two lines per village: half as many villages keep the reply as short as the other lists.
  const shown = Math.floor(MAX_LINES / 2);
  for (const village of mine.villages.slice(0, shown)) lines.push(villageLine(village, report.minimumPerVillage, lang), fieldLine(village, report.minimumPerVillage, lang));
  if (mine.villages.length > shown) lines.push(outreachText(lang, "list.more", { count: mine.villages.length - shown }));
  lines.push(outreachText(lang, "coverage.total", { assigned: mine.totals.assigned, reached: mine.totals.reached, confirmed: mine.totals.confirmed, missing: mine.totals.missing }));
  lines.push(fieldTotal(mine.totals, report, lang));
  return lines.join("\n");
}

/** Every officer's totals, for admins. */
export function adminCoverageText(report: CoverageReport, lang: Lang): string {
  if (report.officers.length === 0) return outreachText(lang, "coverage.none_admin");
  const lines = [outreachText(lang, "coverage.header_admin", { officers: report.officers.length })];
  const shown = Math.floor(MAX_LINES / 2);
  for (const officer of report.officers.slice(0, shown)) {
    const t = officer.totals;
    lines.push(
      outreachText(lang, "coverage.officer_line", {
        name: officer.officerName ?? officer.officerId,
        villages: t.villages,
        assigned: t.assigned,
        reached: t.reached,
        confirmed: t.confirmed,
        below: t.villagesBelowMinimum,
      }),
      outreachText(lang, "coverage.officer_field_line", { ...fieldVars(t), below: t.villagesBelowVisitMinimum, min: report.minimumPerVillage }),
    );
  }
  if (report.officers.length > shown) lines.push(outreachText(lang, "list.more", { count: report.officers.length - shown }));
  const t = report.totals;
  lines.push(outreachText(lang, "coverage.total", { assigned: t.assigned, reached: t.reached, confirmed: t.confirmed, missing: t.missing }));
  lines.push(fieldTotal(t, report, lang));
  return lines.join("\n");
}

type Village = CoverageReport["officers"][number]["villages"][number];

function villageLine(village: Village, minimum: number, lang: Lang): string {
  const flags: string[] = [];
  if (!village.meetsMinimum) flags.push(outreachText(lang, "coverage.below_minimum", { min: minimum }));
  flags.push(village.complete ? outreachText(lang, "coverage.complete") : outreachText(lang, "coverage.missing", { missing: village.missing }));
  return outreachText(lang, "coverage.line", { village: villageName(village, lang), assigned: village.assigned, reached: village.reached, confirmed: village.confirmed, flags: flags.join(" ") });
}

function fieldVars(counts: CoverageCounts): Record<string, number> {
  return { visited: counts.visited, material: counts.materialDelivered, surveyed: counts.surveyed, self: counts.surveyedSelf, interviewer: counts.surveyedInterviewer };
}

function fieldLine(village: Village, minimum: number, lang: Lang): string {
  const flags = village.visitsMeetMinimum ? "" : outreachText(lang, "coverage.below_visit_minimum", { min: minimum });
  return outreachText(lang, "coverage.field_line", { ...fieldVars(village), flags });
}

function fieldTotal(totals: CoverageTotals, report: CoverageReport, lang: Lang): string {
  return outreachText(lang, "coverage.field_total", {
    ...fieldVars(totals),
    wave: report.wave?.name ?? outreachText(lang, "coverage.no_wave"),
    below: totals.villagesBelowVisitMinimum,
    min: report.minimumPerVillage,
  });
}

/** Hands `/broadcast <args>` to the engine's /broadcast dialogue (core/engine/compose.ts). */
function toDialogue(args: string): StaffReply {
  return { messages: [], input: { kind: "text", text: args ? `/broadcast ${args}` : "/broadcast" } };
}

function splitFirst(text: string): [string, string] {
  const trimmed = text.trim();
  const at = trimmed.search(/\s/);
  return at < 0 ? [trimmed, ""] : [trimmed.slice(0, at), trimmed.slice(at + 1).trim()];
}

function say(lang: Lang, key: OutreachKey, vars?: Record<string, string | number>): StaffReply {
  const message: OutMessage = { kind: "info", text: outreachText(lang, key, vars) };
  return { messages: [message] };
}
