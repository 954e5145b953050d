import { configDefaults, defineConfig } from "vitest/config";
import { TEST_PROJECTS } from "./projects.js";

/**
 * Three projects (see projects.ts): `unit`, `integration` and `slow`. `vitest run` runs them all;
 * `--project <name>` (npm run test:unit, test:integration, test:slow) runs one. Each project
 * inherits the options below (`extends: true`).
 */
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    projects: TEST_PROJECTS.map(({ name, include, exclude }) => ({
      extends: true,
      test: {
        name,
        include,
        exclude: [...configDefaults.exclude, ...exclude],
        // The browser suites live in the slow project: one line, once, when they will be skipped.
        ...(name === "slow" ? { globalSetup: ["tests/support/browser-notice.ts"] } : {}),
      },
    })),
  },
});
