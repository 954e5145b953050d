/**
 * The suggestions' keywords as admins read them: for the whole selection and, when asked, for each
 * region at one level of the tree — a region with fewer suggestions than the minimum group size is
 * not broken out (its suggestions still count in the whole), as small groups are handled elsewhere.
 */
import type { AdminSuggestionRecord, RegionRecord, Store, SuggestionQuery } from "../model/index.js";
import type { Lang } from "../engine/types.js";
import type { Cell, ExportTable } from "../admin/export-writers.js";
import { at } from "../admin/i18n.js";
import { regionName } from "../admin/tables.js";
import { extractKeywords, type Keyword, type KeywordOptions } from "./keywords.js";

/** The keywords of one group of suggestions. */
export interface KeywordGroup {
  /** The region's code; "" for the whole selection. */
  regionCode: string;
  /** The region's name in the admin's language; the "all" label for the whole selection. */
  name: string;
  /** How many suggestions the group holds. */
  suggestions: number;
  keywords: Keyword[];
}

/** Options of {@link keywordGroups}. */
export interface KeywordGroupOptions extends KeywordOptions {
  /** Break down by the regions at this level of the tree (0 = top); absent: the whole selection only. */
  level?: number;
  /** Groups smaller than this are not broken out (default 10). */
  minGroupSize?: number;
}

/** The code of the region at `level` on a region path ("/33/3301/330102/"), or null above it. */
function codeAtLevel(path: string | null, level: number): string | null {
  if (!path) return null;
  return path.split("/").filter((p) => p.length > 0)[level] ?? null;
}

/**
 * The keyword groups of `suggestions`: the whole first, then each region at `level` with enough
 * suggestions, largest first (ties by code).
 */
export function keywordGroups(suggestions: readonly AdminSuggestionRecord[], regions: ReadonlyMap<string, RegionRecord>, lang: Lang, options: KeywordGroupOptions = {}): KeywordGroup[] {
  const groups: KeywordGroup[] = [{ regionCode: "", name: at(lang, "app.all"), suggestions: suggestions.length, keywords: extractKeywords(suggestions, options) }];
  if (options.level === undefined) return groups;
  const minGroupSize = options.minGroupSize ?? 10;
  const byRegion = new Map<string, AdminSuggestionRecord[]>();
  for (const s of suggestions) {
    const code = codeAtLevel(s.regionPath, options.level);
    if (code === null) continue;
    const list = byRegion.get(code) ?? [];
    list.push(s);
    byRegion.set(code, list);
  }
  const shown = [...byRegion.entries()].filter(([, list]) => list.length >= minGroupSize).sort(([a, x], [b, y]) => y.length - x.length || (a < b ? -1 : 1));
  for (const [code, list] of shown) {
    groups.push({ regionCode: code, name: regionName(regions.get(code), lang, code), suggestions: list.length, keywords: extractKeywords(list, options) });
  }
  return groups;
}

/** What {@link suggestionKeywords} found: the groups, and how many suggestions they were taken from. */
export interface SuggestionKeywords {
  groups: KeywordGroup[];
  /** Suggestions read (the newest ones first). */
  read: number;
  /** Whether more suggestions matched than `limit` allowed to read. */
  truncated: boolean;
}

/**
 * Reads the suggestions matching `query` (newest first, at most `limit` when given) and finds
 * their keywords: the whole, and per region when `options.level` is set.
 */
export async function suggestionKeywords(
  store: Pick<Store, "streamSuggestions" | "listRegions">,
  query: Omit<SuggestionQuery, "cursor" | "limit">,
  lang: Lang,
  options: KeywordGroupOptions & { limit?: number } = {},
): Promise<SuggestionKeywords> {
  const suggestions: AdminSuggestionRecord[] = [];
  let truncated = false;
  for await (const s of store.streamSuggestions(query)) {
    if (options.limit !== undefined && suggestions.length >= options.limit) {
      truncated = true;
      break;
    }
    suggestions.push(s);
  }
  const regions = new Map((await store.listRegions()).map((r) => [r.code, r]));
  return { groups: keywordGroups(suggestions, regions, lang, options), read: suggestions.length, truncated };
}

/** The export table of keyword groups: one row per group and keyword, ranked within the group. */
export function keywordsTable(groups: readonly KeywordGroup[], lang: Lang, waveName: string | null): ExportTable {
  const header = (key: string, label: Parameters<typeof at>[1]) => ({ key, header: at(lang, label) });
  return {
    name: at(lang, "keywords.sheet"),
    columns: [
      header("wave", "table.wave"),
      header("region_code", "table.region_code"),
      header("region", "table.region"),
      header("group_suggestions", "keywords.group_suggestions"),
      header("rank", "table.rank"),
      header("keyword", "keywords.keyword"),
      header("suggestions", "keywords.suggestions"),
      header("share", "keywords.share"),
      header("suggestion_ids", "keywords.suggestion_ids"),
    ],
    rows: groups.flatMap((g) =>
      g.keywords.map((k, i) => [waveName, g.regionCode || null, g.name, g.suggestions, i + 1, k.term, k.suggestions, Math.round(k.share * 10_000) / 10_000, k.ids.join(" ")] satisfies Cell[]),
    ),
  };
}
