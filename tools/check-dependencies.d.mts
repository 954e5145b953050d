/** Types of tools/check-dependencies.mjs for the tests that import it. */

/** One advisory: the package, what it is, and the first fixed version of each release line. */
export interface Advisory {
  name: string;
  advisory: string;
  patched: string[];
}

/** One installed copy and its verdict. */
export interface CheckedCopy {
  name: string;
  version: string;
  path: string;
  advisory: string;
  patched: string[];
  ok: boolean;
}

export const ADVISORIES: Advisory[];
export function isPatched(version: string, patched: string[]): boolean;
export function installedPackages(nodeModules: string): { name: string; version: string; path: string }[];
export function checkDependencies(root: string): CheckedCopy[];
