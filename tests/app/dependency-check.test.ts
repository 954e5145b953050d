/**
 * tools/check-dependencies.mjs, the advisory check CI runs after `npm ci`: it passes on this
 * install (package.json's overrides lift every named package) and fails, naming the copy, when a
 * vulnerable version is pinned back — simulated with a node_modules tree laid out as npm would.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ADVISORIES, isPatched } from "../../tools/check-dependencies.mjs";

const SCRIPT = join(import.meta.dirname, "../../tools/check-dependencies.mjs");
const ROOT = join(import.meta.dirname, "../..");

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [SCRIPT, ...args], { encoding: "utf8" });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A project folder whose node_modules holds the given packages (folder path → name@version). */
function tree(packages: Record<string, { name: string; version: string }>): string {
  const root = mkdtempSync(join(tmpdir(), "anxin-deps-"));
  made.push(root);
  mkdirSync(join(root, "node_modules"));
  for (const [folder, manifest] of Object.entries(packages)) {
    const dir = join(root, "node_modules", folder);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "package.json"), JSON.stringify(manifest));
  }
  return root;
}

describe("dependency advisory check", () => {
  it("passes on this project's own install", () => {
    const result = run([]);
    expect(result.stdout).toContain("dependency check passed");
    expect(result.status).toBe(0);
    const listed = JSON.parse(run(["--json"]).stdout) as { ok: boolean; copies: { name: string }[] };
    expect(listed.ok).toBe(true);
    // The packages the overrides lifted are really there and were judged, not silently missed.
    for (const name of ["form-data", "xml2js", "tough-cookie", "axios"]) expect(listed.copies.map((c) => c.name)).toContain(name);
  });

  it("fails and names each copy pinned back below its fix, nested ones included", () => {
    const root = tree({
      "form-data": { name: "form-data", version: "4.0.6" },
      "unirest/node_modules/form-data": { name: "form-data", version: "2.3.3" },
      "wechaty/node_modules/xml2js": { name: "xml2js", version: "0.4.23" },
      "@scope/thing/node_modules/nth-check": { name: "nth-check", version: "1.0.2" },
      "localtunnel/node_modules/axios": { name: "axios", version: "0.21.4" },
    });
    const result = run(["--root", root]);
    expect(result.status).toBe(1);
    expect(result.stdout).toContain("VULNERABLE form-data@2.3.3  node_modules/unirest/node_modules/form-data");
    expect(result.stdout).toContain("VULNERABLE xml2js@0.4.23");
    expect(result.stdout).toContain("VULNERABLE nth-check@1.0.2  node_modules/@scope/thing/node_modules/nth-check");
    expect(result.stdout).toContain("VULNERABLE axios@0.21.4");
    expect(result.stdout).toContain("ok         form-data@4.0.6");
    expect(result.stdout).toContain("dependency check FAILED: 4 vulnerable copies");
  });

  it("refuses request in any version, and judges an alias by the package it really is", () => {
    const bad = run(["--root", tree({ "open-graph/node_modules/request": { name: "request", version: "2.88.2" } })]);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain("no fixed version: must not be installed");
    const aliased = run(["--root", tree({ request: { name: "@cypress/request", version: "3.0.10" } })]);
    expect(aliased.status).toBe(0);
  });

  it("says so when there is nothing to check", () => {
    const empty = mkdtempSync(join(tmpdir(), "anxin-deps-"));
    made.push(empty);
    const result = run(["--root", empty]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("run npm install first");
  });

  it("compares within each release line", () => {
    const formData = ADVISORIES.find((a) => a.name === "form-data")!.patched;
    expect(isPatched("2.5.4", formData)).toBe(true);
    expect(isPatched("2.5.3", formData)).toBe(false);
    expect(isPatched("3.0.3", formData)).toBe(false);
    expect(isPatched("4.0.10", formData)).toBe(true);
    expect(isPatched("0.2.0", formData)).toBe(false);
    expect(isPatched("5.0.0", formData)).toBe(true);
  });
});

it("CI runs the check", () => {
  const ci = spawnSync("grep", ["-c", "node tools/check-dependencies.mjs", join(ROOT, ".ci/run")], { encoding: "utf8" });
  expect(ci.stdout.trim()).toBe("1");
});
