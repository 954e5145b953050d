#!/usr/bin/env node
/**
 * Lists every installed copy of the packages with known advisories that reach the production tree
 * through wechaty and the Official Account puppet, and fails when one is below its patched version.
 * package.json's `overrides` lift them; this check keeps a lock-file change or a new dependency
 * from quietly bringing an old copy back. CI runs it after `npm ci`.
 *
 *   node tools/check-dependencies.mjs [--root <folder holding node_modules>] [--json]
 *
 * Exit 0: every copy patched. Exit 1: at least one vulnerable copy (each is named with its path).
 * Exit 2: the folder has no node_modules.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The advisories checked. `patched` holds the first fixed version of each release line that has
 * one: a copy is safe when a patched version of its own major line is at or below it, or when its
 * major line is newer than every listed one. An empty list means no fixed version exists at all
 * (request is deprecated), so any copy fails — `overrides` replace it with @cypress/request.
 */
export const ADVISORIES = [
  { name: "form-data", advisory: "CVE-2025-7783 (unsafe random multipart boundary)", patched: ["2.5.4", "3.0.4", "4.0.4"] },
  { name: "axios", advisory: "CVE-2023-45857, CVE-2025-27152, CVE-2025-58754", patched: ["0.30.2", "1.12.0"] },
  { name: "request", advisory: "CVE-2023-28155 (SSRF via cross-protocol redirect); deprecated, never fixed", patched: [] },
  { name: "tough-cookie", advisory: "CVE-2023-26136 (prototype pollution)", patched: ["4.1.3"] },
  { name: "xml2js", advisory: "CVE-2023-0842 (prototype pollution)", patched: ["0.5.0"] },
  { name: "fast-xml-parser", advisory: "CVE-2023-26920, CVE-2023-34104, CVE-2024-41818", patched: ["4.4.1"] },
  { name: "nth-check", advisory: "CVE-2021-3803 (ReDoS)", patched: ["2.0.1"] },
];

/** "1.2.3-rc.1" → [1, 2, 3] (pre-release tags are ignored: none of the patched lines has one). */
function parts(version) {
  return version.split("-")[0].split(".").map((n) => Number.parseInt(n, 10) || 0);
}

function compare(a, b) {
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < 3; i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
}

/** Whether `version` is at or above the fix of its release line (see {@link ADVISORIES}). */
export function isPatched(version, patched) {
  if (patched.length === 0) return false;
  const major = parts(version)[0];
  const sameLine = patched.find((p) => parts(p)[0] === major);
  if (sameLine) return compare(version, sameLine) >= 0;
  return patched.every((p) => parts(p)[0] < major);
}

/**
 * Every installed package under `nodeModules`, nested copies included, by the name in its own
 * package.json (an alias such as `request` → @cypress/request counts as what it really is).
 */
export function installedPackages(nodeModules) {
  const found = [];
  const visit = (folder) => {
    let entries;
    try {
      entries = readdirSync(folder, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (!entry.isDirectory() || entry.name.startsWith(".")) continue;
      const path = join(folder, entry.name);
      if (entry.name.startsWith("@")) {
        visit(path);
        continue;
      }
      const manifest = join(path, "package.json");
      if (existsSync(manifest)) {
        try {
          const { name, version } = JSON.parse(readFileSync(manifest, "utf8"));
          if (typeof name === "string" && typeof version === "string") found.push({ name, version, path });
        } catch {
          // A package.json that does not parse is not a package this check can judge.
        }
      }
      const nested = join(path, "node_modules");
      if (existsSync(nested)) visit(nested);
    }
  };
  visit(nodeModules);
  return found;
}

/** The checked copies under `root`, each with its advisory and verdict. */
export function checkDependencies(root) {
  const nodeModules = join(root, "node_modules");
  const byName = new Map(ADVISORIES.map((a) => [a.name, a]));
  return installedPackages(nodeModules)
    .filter((p) => byName.has(p.name))
    .map((p) => {
      const advisory = byName.get(p.name);
      return { ...p, path: relative(root, p.path), advisory: advisory.advisory, patched: advisory.patched, ok: isPatched(p.version, advisory.patched) };
    })
    .sort((a, b) => a.name.localeCompare(b.name) || a.path.localeCompare(b.path));
}

function main(argv) {
  const rootAt = argv.indexOf("--root");
  const root = rootAt >= 0 ? argv[rootAt + 1] : join(fileURLToPath(new URL(".", import.meta.url)), "..");
  if (!root || !existsSync(join(root, "node_modules"))) {
    console.error(`check-dependencies: no node_modules in ${root ?? "(missing --root value)"} — run npm install first`);
    return 2;
  }
  const copies = checkDependencies(root);
  const bad = copies.filter((c) => !c.ok);
  if (argv.includes("--json")) {
    console.log(JSON.stringify({ ok: bad.length === 0, copies }, null, 2));
  } else {
    for (const c of copies) {
      const fix = c.patched.length > 0 ? `fixed in ${c.patched.join(" / ")}` : "no fixed version: must not be installed";
      console.log(`${c.ok ? "ok        " : "VULNERABLE"} ${c.name}@${c.version}  ${c.path}${c.ok ? "" : `  — ${c.advisory}; ${fix}`}`);
    }
    const missing = ADVISORIES.filter((a) => !copies.some((c) => c.name === a.name)).map((a) => a.name);
    if (missing.length > 0) console.log(`not installed: ${missing.join(", ")}`);
    console.log(bad.length === 0 ? `dependency check passed: ${copies.length} copies checked` : `dependency check FAILED: ${bad.length} vulnerable ${bad.length === 1 ? "copy" : "copies"}`);
  }
  return bad.length === 0 ? 0 : 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = main(process.argv.slice(2));
}
