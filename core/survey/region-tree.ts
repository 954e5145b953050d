/**
 * The region tree as residents are asked it: built from the stored flat list, and started below
 * the office's own root, since an office that loaded its county (or town) has one top region that
 * everyone lives in — asking for it would be a question with one answer, and would spend one of
 * the question's levels (`depth`) on it instead of on the village.
 */
import type { RegionRecord } from "../model/index.js";
import type { RegionNode } from "../engine/types.js";

/** Builds the engine's region tree from the stored flat list (parents listed before children). */
export function buildRegionTree(regions: readonly RegionRecord[]): RegionNode[] {
  const nodes = new Map<string, RegionNode & { children: RegionNode[] }>();
  const roots: RegionNode[] = [];
  for (const region of regions) {
    const node = { code: region.code, name: region.name, children: [] };
    nodes.set(region.id, node);
    const parent = region.parentId ? nodes.get(region.parentId) : undefined;
    if (parent) parent.children.push(node);
    else roots.push(node);
  }
  return roots;
}

/**
 * The levels a resident chooses from: below every lone top region that has regions under it
 * (a county with its towns, or a city with a single county). A tree with several top regions,
 * or a single region with nothing under it, is asked as it is.
 */
export function askedRegionTree(roots: readonly RegionNode[]): RegionNode[] {
  let level = roots;
  while (level.length === 1 && (level[0]?.children?.length ?? 0) > 0) level = level[0]?.children ?? [];
  return [...level];
}
