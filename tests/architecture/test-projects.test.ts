/**
 * Every test file is in exactly one of the test projects (tests/projects.ts, tests/vitest.config.ts),
 * as Vitest itself resolves them from the config, and a new file lands somewhere sensible: in a
 * pure folder it is a unit test, named as a crash, rate or browser test it is slow, anywhere else
 * it is an integration test.
 */
import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createVitest, type Vitest } from "vitest/node";
import { TEST_PROJECTS } from "../projects.js";

/** The repository, as an absolute path (Vitest's projects report absolute file names). */
const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** Every `*.test.ts` below tests/, repo-relative, found without any glob. */
function testFilesOnDisk(dir = "tests"): string[] {
  return readdirSync(join(REPO_ROOT, dir), { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? testFilesOnDisk(`${dir}/${entry.name}`) : entry.name.endsWith(".test.ts") ? [`${dir}/${entry.name}`] : []))
    .sort();
}

let vitest: Vitest;
beforeAll(async () => {
  vitest = await createVitest("test", { root: REPO_ROOT, config: join(REPO_ROOT, "tests/vitest.config.ts"), watch: false, run: false });
});
afterAll(async () => {
  await vitest?.close();
});

/** The projects a repo-relative path belongs to, by Vitest's own matching of the config's globs. */
const projectsOf = (path: string): string[] => vitest.projects.filter((project) => project.matchesTestGlob(join(REPO_ROOT, path))).map((project) => project.name);

describe("the test projects", () => {
  it("are unit, integration and slow, as declared", () => {
    expect(vitest.projects.map((project) => project.name)).toEqual(TEST_PROJECTS.map((project) => project.name));
    expect(vitest.projects.map((project) => project.name)).toEqual(["unit", "integration", "slow"]);
  });

  it("hold every test file exactly once", async () => {
    const files = testFilesOnDisk();
    expect(files.length).toBeGreaterThan(80);
    const found = new Map<string, string[]>();
    for (const project of vitest.projects) {
      for (const file of (await project.globTestFiles()).testFiles) {
        const path = relative(REPO_ROOT, file);
        found.set(path, [...(found.get(path) ?? []), project.name]);
      }
    }
    const wrong = files.filter((file) => found.get(file)?.length !== 1).map((file) => `${file}: ${JSON.stringify(found.get(file) ?? [])}`);
    expect(wrong).toEqual([]);
    expect([...found.keys()].sort()).toEqual(files);
  });

  it("put pure folders in unit, crash, rate and browser tests in slow, and the rest in integration", () => {
    const expected: Record<string, string> = {
      "tests/engine/step.test.ts": "unit",
      "tests/stats/weights.test.ts": "unit",
      "tests/architecture/layers.test.ts": "unit",
      "tests/telegram/units.test.ts": "unit",
      "tests/admin/locales.test.ts": "unit",
      "tests/store/new.test.ts": "integration",
      "tests/telegram/new.test.ts": "integration",
      "tests/a-new-folder/new.test.ts": "integration",
      "tests/runner/crash.test.ts": "slow",
      "tests/engine/crash-replay.test.ts": "slow",
      "tests/outreach/rate.test.ts": "slow",
      "tests/web/browser.test.ts": "slow",
      "tests/wechat/chat.browser.test.ts": "slow",
    };
    expect(Object.fromEntries(Object.keys(expected).map((path) => [path, projectsOf(path).join(" + ")]))).toEqual(expected);
  });
});
