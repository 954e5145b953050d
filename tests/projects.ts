/**
 * The test projects (tests/vitest.config.ts) and which files each holds, declared once: the config
 * builds its projects from these globs, and tests/architecture/test-projects.test.ts checks that
 * every test file lands in exactly one project.
 *
 * - slow: crash tests (child processes killed at random), rate-limit tests (a broadcast held to
 *   the Bot API's limits for about a minute), browser tests (headless Chromium) and the export
 *   memory check (20,000 responses exported in a child process under an RSS limit).
 * - unit: pure tests — no database, child process or network server: whole folders that are pure,
 *   plus pure files named as such (units, locales) elsewhere. Slow files never count as unit.
 * - integration: everything else (databases, HTTP servers, the fake Bot API, the WeChat mock, CLI
 *   child processes), so a new file lands here unless it is in a pure folder or named as slow.
 */

/** Every test file. */
export const ALL_TESTS = ["tests/**/*.test.ts"];

/** Files of the slow project. */
export const SLOW_TESTS = ["tests/**/crash*.test.ts", "tests/**/rate*.test.ts", "tests/**/*browser.test.ts", "tests/**/*-memory.test.ts"];

/** Files of the unit project (less any slow ones). */
export const UNIT_TESTS = [
  // Folders that are pure.
  "tests/architecture/**/*.test.ts",
  "tests/engine/**/*.test.ts",
  "tests/stats/**/*.test.ts",
  // Pure files in the other folders.
  "tests/**/units.test.ts",
  "tests/**/*-units.test.ts",
  "tests/**/*locales.test.ts",
  "tests/app/readme.test.ts",
  "tests/app/commands-documented.test.ts",
  "tests/outreach/tips-{dialogue,library}.test.ts",
  "tests/wechat/render.test.ts",
  "tests/xlsform/{expression,import,unsupported}.test.ts",
];

/** A project's name and files: a file belongs to it if it matches `include` and not `exclude`. */
export interface TestProjectFiles {
  name: "unit" | "integration" | "slow";
  include: string[];
  exclude: string[];
}

/** The projects, in the order they are declared in the config. */
export const TEST_PROJECTS: TestProjectFiles[] = [
  { name: "unit", include: UNIT_TESTS, exclude: SLOW_TESTS },
  { name: "integration", include: ALL_TESTS, exclude: [...UNIT_TESTS, ...SLOW_TESTS] },
  { name: "slow", include: SLOW_TESTS, exclude: [] },
];
