/**
 * package.json's `engines.node` tells the truth: no package the lockfile installs declares an
 * `engines.node` range that leaves out the lowest Node version we claim to run on (npm ci would
 * print EBADENGINE, and that package may really need a newer Node). The ranges are checked by a
 * small semver reader of our own (semver is not a dependency of ours); a range it cannot read
 * counts as a failure, so nothing slips through unread.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

type Version = [number, number, number];

/**
 * Installed packages whose range leaves Node 20 out although Anxin runs on it, each with why.
 * Keyed by lockfile path and version, so that an upgrade has to be looked at again.
 */
const KNOWN_EXCEPTIONS: Record<string, string> = {
  // prisma 7.10.0 pins @prisma/dev 0.24.17, which pins @prisma/streams-local 0.1.11; every
  // published version of it (0.1.2-0.1.11) declares node >=22. It is only loaded by `prisma dev`
  // (a local Prisma Postgres server), which Anxin never runs; generate and the clients work on 20.
  "node_modules/@prisma/streams-local@0.1.11": "only used by `prisma dev`",
};

function compare(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/** "20", "20.19", "20.19.1", "20.x", "6.*": the numbers given (wildcards end the list). */
function partial(text: string): number[] {
  if (!/^v?\d+(\.(\d+|x|X|\*)){0,2}$/.test(text)) throw new Error(`cannot read version "${text}"`);
  const numbers: number[] = [];
  for (const part of text.replace(/^v/, "").split(".")) {
    if (!/^\d+$/.test(part)) break;
    numbers.push(Number(part));
  }
  return numbers;
}

function filled(numbers: number[]): Version {
  return [numbers[0] ?? 0, numbers[1] ?? 0, numbers[2] ?? 0];
}

/** The version just above every version that starts with `numbers` ("20" → 21.0.0, "20.19" → 20.20.0). */
function above(numbers: number[]): Version {
  if (numbers.length === 0) return [Infinity, 0, 0];
  const bumped = [...numbers];
  bumped[bumped.length - 1] = (bumped[bumped.length - 1] ?? 0) + 1;
  return filled(bumped);
}

/** Does `version` satisfy one comparator ("^20.19.0", ">=22", "<11", "20.x", "*")? */
function satisfiesComparator(version: Version, comparator: string): boolean {
  if (comparator === "*" || comparator === "x" || comparator === "X") return true;
  const match = /^(>=|<=|>|<|=|\^|~)?(.+)$/.exec(comparator);
  if (!match?.[2]) throw new Error(`cannot read comparator "${comparator}"`);
  const op = match[1] ?? "=";
  const numbers = partial(match[2]);
  const low = filled(numbers);
  switch (op) {
    case ">=":
      return compare(version, low) >= 0;
    case ">":
      return numbers.length < 3 ? compare(version, above(numbers)) >= 0 : compare(version, low) > 0;
    case "<":
      return compare(version, low) < 0;
    case "<=":
      return numbers.length < 3 ? compare(version, above(numbers)) < 0 : compare(version, low) <= 0;
    case "=":
      return compare(version, low) >= 0 && compare(version, above(numbers)) < 0;
    case "^": {
      // Up to the next change of the first non-zero number given.
      const significant = numbers.findIndex((n) => n !== 0);
      const keep = significant < 0 ? numbers.length : significant + 1;
      return compare(version, low) >= 0 && compare(version, above(numbers.slice(0, Math.max(1, keep)))) < 0;
    }
    case "~":
      return compare(version, low) >= 0 && compare(version, above(numbers.slice(0, Math.min(2, Math.max(1, numbers.length))))) < 0;
    default:
      throw new Error(`cannot read comparator "${comparator}"`);
  }
}

/** Does `version` satisfy an npm range ("^20.19.0 || >=22.12.0", ">= 0.4", "1.2 - 2", "node >=0.6")? */
function satisfies(version: Version, range: string): boolean {
  return range
    .replace(/^\s*node\s+/, "")
    .split("||")
    .some((alternative) => {
      const text = alternative.trim().replace(/(>=|<=|>|<|=|\^|~)\s+/g, "$1");
      if (text === "") return true;
      const hyphen = /^(\S+)\s+-\s+(\S+)$/.exec(text);
      if (hyphen?.[1] && hyphen[2]) return satisfiesComparator(version, `>=${hyphen[1]}`) && satisfiesComparator(version, `<=${hyphen[2]}`);
      return text.split(/\s+/).every((comparator) => satisfiesComparator(version, comparator));
    });
}

/** The lowest version a ">=X.Y[.Z]" range admits. */
function lowerBound(range: string): Version {
  const match = /^>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(range.trim());
  if (!match) throw new Error(`package.json engines.node should be ">=X.Y", not "${range}"`);
  return [Number(match[1]), Number(match[2] ?? 0), Number(match[3] ?? 0)];
}

const read = (file: string): unknown => JSON.parse(readFileSync(new URL(`../../${file}`, import.meta.url), "utf8"));

describe("the range reader", () => {
  it("reads the forms found in package-lock.json", () => {
    const v20: Version = [20, 19, 0];
    expect(satisfies(v20, ">=20.19")).toBe(true);
    expect(satisfies(v20, ">=22")).toBe(false);
    expect(satisfies(v20, ">=22.0.0")).toBe(false);
    expect(satisfies(v20, "^20.19.0 || >=22.12.0")).toBe(true);
    expect(satisfies(v20, "^20.19 || ^22.12 || >=24.0")).toBe(true);
    expect(satisfies(v20, "^20.0.0 || ^22.0.0 || >=24.0.0")).toBe(true);
    expect(satisfies(v20, "^20.20.0 || >=22")).toBe(false);
    expect(satisfies(v20, "^18.0.0")).toBe(false);
    expect(satisfies(v20, "20.x || 22.x")).toBe(true);
    expect(satisfies(v20, "6.* || 8.* || >= 10.*")).toBe(true);
    expect(satisfies(v20, ">= 0.4")).toBe(true);
    expect(satisfies(v20, ">=10 <11 || >=12")).toBe(true);
    expect(satisfies(v20, ">=10 <11")).toBe(false);
    expect(satisfies(v20, "node >=0.6.0")).toBe(true);
    expect(satisfies(v20, "*")).toBe(true);
    expect(satisfies(v20, "~20.18.0")).toBe(false);
    expect(satisfies(v20, "18 - 20")).toBe(true);
    expect(satisfies(v20, ">20")).toBe(false);
    expect(() => satisfies(v20, ">=twenty")).toThrow(/cannot read/);
  });
});

describe("package.json engines.node", () => {
  it("admits its lowest version in every installed package's engines.node", () => {
    const pkg = read("package.json") as { engines?: { node?: string } };
    const lowest = lowerBound(pkg.engines?.node ?? "");
    const lock = read("package-lock.json") as { packages: Record<string, { version?: string; engines?: Record<string, string> | string[] }> };
    const refusing: string[] = [];
    for (const [path, entry] of Object.entries(lock.packages)) {
      if (path === "") continue;
      const engines = entry.engines;
      const node = Array.isArray(engines) ? engines.find((e) => /^node\b/.test(e.trim())) : engines?.node;
      if (node === undefined) continue;
      const key = `${path}@${entry.version ?? "?"}`;
      if (!satisfies(lowest, node) && !(key in KNOWN_EXCEPTIONS)) refusing.push(`${key} wants node ${node}`);
    }
    expect(refusing, `these packages do not run on Node ${lowest.join(".")}`).toEqual([]);
  });
});
