/**
 * Walking the region tree of the context (district → town → village …).
 */
import { localize } from "./definition.js";
import type { Lang, RegionNode } from "./types.js";

/** The name of a region node in `lang` (one name for all languages is allowed). */
export function regionName(node: RegionNode, lang: Lang): string {
  const name = typeof node.name === "string" ? node.name : localize(node.name, lang, ["zh-CN", "zh-TW", "en"]);
  // A nameless node in a hand-made tree still needs a visible button.
  return name.trim() || node.code || "?";
}

/** Every spelling of a node's name (for matching what residents type). */
export function regionNames(node: RegionNode): string[] {
  return typeof node.name === "string" ? [node.name] : Object.values(node.name).filter((n): n is string => typeof n === "string");
}

/**
 * The nodes along `path` (codes from the top level down); undefined when the path does not exist
 * in the tree (e.g. the tree changed since the resident started picking).
 */
export function nodesAlong(regions: readonly RegionNode[], path: readonly string[]): RegionNode[] | undefined {
  const out: RegionNode[] = [];
  let level: readonly RegionNode[] = regions;
  for (const code of path) {
    const node = level.find((n) => n.code === code);
    if (!node) return undefined;
    out.push(node);
    level = node.children ?? [];
  }
  return out;
}

/** The choices offered after picking `path` (the top level for an empty path). */
export function childrenAt(regions: readonly RegionNode[], path: readonly string[]): readonly RegionNode[] | undefined {
  if (path.length === 0) return regions;
  const nodes = nodesAlong(regions, path);
  return nodes ? (nodes[nodes.length - 1]?.children ?? []) : undefined;
}
