/**
 * Admin chat commands: `/suggestions [region] [since]` and `/stats [region] [clean|all]`. Each
 * declares the admin role (the runner refuses anyone below it) and checks it again itself, so that
 * a wiring mistake can never leak figures or residents' words to a resident or an officer.
 */
import type { RegionRecord, ResidentRecord, Store } from "../model/index.js";
import type { StaffCommand, StaffReply } from "../survey/staff-commands.js";
import type { Lang, OutMessage } from "../engine/types.js";
import { hasRole } from "../model/index.js";
import { formatFigure, isShown } from "../stats/index.js";
import { at } from "./i18n.js";
import { measureName } from "./measures.js";
import { computeReport, ReportRequestError } from "./stats-service.js";
import { reportCharts } from "./charts.js";
import { regionName } from "./tables.js";
import type { AdminSettings } from "./settings.js";
import { computeDriversReport, driversText } from "./drivers.js";
import { DEFAULT_OFFICE_TIME_ZONE, formatLocalDate, parseLocalDateTime } from "../util/time-zone.js";

/** What the admin chat commands need. */
export interface AdminCommandDeps {
  store: Store;
  settings?: Partial<AdminSettings>;
  /** Renders chart SVGs to PNG (the app passes headless Chromium, app/chart-images.ts); without it, or when it returns [], the figures go out as text only. */
  rasterize?: (svgs: { svg: string; width: number; height: number }[]) => Promise<Uint8Array[]>;
  /** How many suggestions a chat reply lists (default 10). */
  suggestionsShown?: number;
  /** The office's time zone (IANA name): dates typed and shown; default Asia/Shanghai. */
  timeZone?: string;
}

const info = (text: string): OutMessage => ({ kind: "info", text });

/** A refusal when the caller is not an admin (defence in depth: the runner checks first). */
function refuse(staff: ResidentRecord, lang: Lang): StaffReply | undefined {
  if (staff.deletedAt || !hasRole(staff.role, "admin")) return { messages: [{ kind: "error", text: at(lang, "chat.forbidden") }] };
  return undefined;
}

/** Finds a region by code or by a name in any language. */
export function findRegion(regions: readonly RegionRecord[], text: string): RegionRecord | undefined {
  const wanted = text.trim().toLowerCase();
  return regions.find((r) => r.code === text.trim()) ?? regions.find((r) => Object.values(r.name).some((n) => n.toLowerCase() === wanted));
}

/**
 * Parses "2026-11-01" (midnight office time in `zone`, default Asia/Shanghai) or "7d" (the last 7
 * days) relative to `now`; undefined when it is neither.
 */
export function parseSince(text: string, now: Date, zone: string = DEFAULT_OFFICE_TIME_ZONE): Date | undefined {
  const days = /^(\d{1,4})d$/i.exec(text);
  if (days?.[1]) return new Date(now.getTime() - Number(days[1]) * 86_400_000);
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    const ms = parseLocalDateTime(text, zone);
    return ms === null ? undefined : new Date(ms);
  }
  return undefined;
}

const looksLikeDate = (token: string): boolean => /^\d{4}-\d{2}-\d{2}$/.test(token) || /^\d{1,4}d$/i.test(token);

/** Splits "[region] [since]" arguments. */
export function parseSuggestionArgs(args: string): { region?: string; since?: string } {
  const tokens = args.split(/\s+/).filter((t) => t !== "");
  const since = tokens.find(looksLikeDate);
  const region = tokens.filter((t) => t !== since).join(" ");
  return { ...(region ? { region } : {}), ...(since ? { since } : {}) };
}

/**
 * The words that choose which responses `/stats` counts, in any of the three languages (an admin
 * may type English in a Chinese session, or the other way round). Compared in lower case.
 */
export const STATS_SCOPE_WORDS = {
  /** Leave out flagged responses (speeders and straight-liners). */
  clean: ["clean", "exclude", "剔除", "剔除可疑", "去除可疑", "不含可疑"],
  /** Every completed response (the default). */
  all: ["all", "全部", "所有", "含可疑"],
} as const;

/** What `/stats` arguments mean, or the words that could not be understood. */
export type StatsArgs = { ok: true; region?: RegionRecord; excludeFlagged: boolean } | { ok: false; unknown: string };

function scopeOf(token: string): "clean" | "all" | undefined {
  const word = token.toLowerCase();
  if ((STATS_SCOPE_WORDS.clean as readonly string[]).includes(word)) return "clean";
  if ((STATS_SCOPE_WORDS.all as readonly string[]).includes(word)) return "all";
  return undefined;
}

/**
 * Parses "[region] [clean|all]" in either order. A Chinese scope word may also be typed straight
 * after the region without a space ("清波街道剔除"), as Chinese is written without spaces.
 */
export function parseStatsArgs(args: string, regions: readonly RegionRecord[]): StatsArgs {
  const tokens = args.split(/\s+/).filter((t) => t !== "");
  const scopes = new Set<"clean" | "all">();
  const rest: string[] = [];
  for (const token of tokens) {
    const scope = scopeOf(token);
    if (scope) scopes.add(scope);
    else rest.push(token);
  }
  // "clean all" asks for two different things: say so rather than guess.
  if (scopes.size > 1) return { ok: false, unknown: tokens.filter((t) => scopeOf(t) !== undefined).join(" ") };
  let excludeFlagged = scopes.has("clean");
  const regionText = rest.join(" ");
  if (regionText === "") return { ok: true, excludeFlagged };
  let region = findRegion(regions, regionText);
  if (!region && scopes.size === 0) {
    for (const [scope, words] of Object.entries(STATS_SCOPE_WORDS) as ["clean" | "all", readonly string[]][]) {
      // Longest word first, so that "剔除可疑" is not read as "剔除" plus a region ending in "可疑".
      for (const word of [...words].filter((w) => /^\p{Script=Han}/u.test(w)).sort((a, b) => b.length - a.length)) {
        if (!regionText.endsWith(word) || regionText.length === word.length) continue;
        const found = findRegion(regions, regionText.slice(0, -word.length));
        if (found) {
          region = found;
          excludeFlagged = scope === "clean";
          break;
        }
      }
      if (region) break;
    }
  }
  return region ? { ok: true, region, excludeFlagged } : { ok: false, unknown: regionText };
}

/** The words that ask `/stats` for the drivers instead of the figures, in any of the three languages. */
export const STATS_DRIVERS_WORDS: readonly string[] = ["drivers", "影响因素", "影響因素"];

/** The rest of `/stats drivers [region]` (the region text, maybe empty), or undefined for other `/stats` arguments. */
export function driversArgs(args: string): string | undefined {
  const [first, ...rest] = args.trim().split(/\s+/);
  return first !== undefined && STATS_DRIVERS_WORDS.includes(first.toLowerCase()) ? rest.join(" ") : undefined;
}

/** At most `max` characters of something the admin typed, for echoing it back in an error. */
function shorten(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join("")}…`;
}

function shortDate(date: Date, zone: string): string {
  return formatLocalDate(date, zone);
}

/** The admin staff commands over a store. */
export function createAdminStaffCommands(deps: AdminCommandDeps): StaffCommand[] {
  const shownCount = deps.suggestionsShown ?? 10;
  const zone = deps.timeZone ?? DEFAULT_OFFICE_TIME_ZONE;
  const suggestions: StaffCommand = {
    name: "suggestions",
    role: "admin",
    description: { "zh-CN": at("zh-CN", "chat.suggestions_description"), "zh-TW": at("zh-TW", "chat.suggestions_description"), en: at("en", "chat.suggestions_description") },
    async run({ staff, args, lang, now }) {
      const refused = refuse(staff, lang);
      if (refused) return refused;
      const parsed = parseSuggestionArgs(args);
      let region: RegionRecord | undefined;
      if (parsed.region) {
        region = findRegion(await deps.store.listRegions(), parsed.region);
        if (!region) return { messages: [{ kind: "error", text: at(lang, "suggestions.chat_unknown_region", { region: parsed.region }) }] };
      }
      const since = parsed.since ? parseSince(parsed.since, now, zone) : undefined;
      if (parsed.since && !since) return { messages: [{ kind: "error", text: at(lang, "suggestions.chat_bad_since", { since: parsed.since }) }] };
      const query = { ...(region ? { regionPath: region.path } : {}), ...(since ? { since } : {}) };
      const total = await deps.store.countSuggestions(query);
      const list = await deps.store.querySuggestions({ ...query, limit: shownCount });
      const where = [region ? regionName(region, lang) : "", since ? `≥ ${shortDate(since, zone)}` : ""].filter((x) => x !== "").join(" ");
      const lines = [at(lang, "suggestions.chat_header", { where: where ? ` (${where})` : "", count: total })];
      if (total === 0) lines.push(at(lang, "suggestions.none"));
      for (const s of list) {
        const place = s.regionName ? (s.regionName[lang] ?? s.regionName["zh-CN"] ?? s.regionCode ?? "") : "";
        lines.push(`• ${shortDate(s.createdAt, zone)}${place ? ` ${place}` : ""} [${at(lang, `status.${s.status}`)}] ${s.text}`);
      }
      if (total > list.length) lines.push(at(lang, "suggestions.chat_more", { count: total - list.length }));
      return { messages: [info(lines.join("\n"))] };
    },
  };

  const stats: StaffCommand = {
    name: "stats",
    role: "admin",
    description: { "zh-CN": at("zh-CN", "chat.stats_description"), "zh-TW": at("zh-TW", "chat.stats_description"), en: at("en", "chat.stats_description") },
    async run({ staff, args, lang, now }) {
      const refused = refuse(staff, lang);
      if (refused) return refused;
      const driversRegion = driversArgs(args);
      if (driversRegion !== undefined) {
        const region = driversRegion === "" ? undefined : findRegion(await deps.store.listRegions(), driversRegion);
        if (driversRegion !== "" && !region) return { messages: [{ kind: "error", text: at(lang, "drivers.chat_bad_args", { words: shorten(driversRegion, 60) }) }] };
        try {
          const report = await computeDriversReport(deps.store, { ...(region ? { regionCode: region.code } : {}), now, ...(deps.settings ? { settings: deps.settings } : {}) });
          return { messages: [info(driversText(report, lang))] };
        } catch (error) {
          if (error instanceof ReportRequestError) return { messages: [info(at(lang, "chat.stats_no_wave"))] };
          throw error;
        }
      }
      const parsed: StatsArgs = args.trim() === "" ? { ok: true, excludeFlagged: false } : parseStatsArgs(args, await deps.store.listRegions());
      if (!parsed.ok) {
        const usage = at(lang, "chat.stats_usage", { clean: STATS_SCOPE_WORDS.clean.join(" / "), all: STATS_SCOPE_WORDS.all.join(" / ") });
        return { messages: [{ kind: "error", text: `${at(lang, "chat.stats_bad_args", { words: shorten(parsed.unknown, 60) })}\n${usage}` }] };
      }
      const { region: chosen, excludeFlagged } = parsed;
      let report;
      try {
        report = await computeReport(deps.store, {
          ...(chosen ? { regionCode: chosen.code } : {}),
          excludeFlagged,
          now,
          ...(deps.settings ? { settings: deps.settings } : {}),
        });
      } catch (error) {
        if (error instanceof ReportRequestError) return { messages: [info(at(lang, "chat.stats_no_wave"))] };
        throw error;
      }
      const min = report.settings.minGroupSize;
      const where = report.region ? ` (${regionName(report.region, lang)})` : "";
      const lines = [at(lang, "chat.stats_header", { where, wave: report.wave.name, n: report.counts.completed ?? `<${min}` })];
      // Which responses the figures count belongs in the header: a forwarded reply must not be
      // mistaken for the other version.
      lines.push(at(lang, report.excludeFlagged ? "chat.stats_scope_clean" : "chat.stats_scope_all"));
      // Below the minimum group size report.quality is null: no count, not even of flags, is shown.
      if (!report.excludeFlagged && report.quality) lines.push(at(lang, "chat.stats_flagged", { ...report.quality }));
      for (const { measure, figure, comparisons } of report.overall) {
        if (!measure.scalar) continue;
        const name = measureName(measure, lang);
        if (!isShown(figure)) {
          lines.push(at(lang, "chat.stats_suppressed", { measure: name, min }));
          continue;
        }
        const [cells] = formatFigure(figure, { decimals: 1 });
        if (!cells) continue;
        lines.push(at(lang, "chat.stats_line", { measure: name, value: cells.value, ci: cells.ci, n: cells.n }));
        for (const c of comparisons) {
          if (c.suppressed) continue;
          const target = measure.spec.kind === "index" ? c.target.toFixed(1) : `${(c.target * 100).toFixed(1)}%`;
          lines.push(at(lang, "chat.stats_target", { label: c.label, target, direction: at(lang, `direction.${c.direction}`) }));
        }
      }
      const charts = reportCharts(report, lang);
      let images: { png: Uint8Array; caption: string }[] = [];
      try {
        const pngs = deps.rasterize ? await deps.rasterize(charts) : [];
        images = pngs.map((png, i) => {
          const title = charts[i]?.title ?? "";
          // An image is often forwarded on its own: its caption too says when flags are left out.
          return { png, caption: report.excludeFlagged ? at(lang, "chat.caption_clean", { title }) : title };
        });
      } catch {
        // Without a browser the figures still go out as text.
        images = [];
      }
      return { messages: [info(lines.join("\n"))], ...(images.length > 0 ? { images } : {}) };
    },
  };
  return [suggestions, stats];
}
