/**
 * Browser suites (headless Chromium through playwright-core) on a machine without Chromium: the
 * README's `npm install && npm test` does not install a browser, so there they are skipped and
 * one line says what to install (browser-notice.ts); CI installs Chromium and sets
 * ANXIN_BROWSER_TESTS=required, which turns a missing browser into a failure instead.
 */
import { describe, it } from "vitest";
import { chromiumPath } from "../../app/chart-images.js";

/** Where Chromium is (CHROMIUM_PATH, else Debian's and the usual places), or undefined. */
export const CHROMIUM = chromiumPath();

/** CI's setting: a browser suite that cannot run is a failure, not a skip. */
export const BROWSER_REQUIRED = process.env.ANXIN_BROWSER_TESTS === "required";

/** What to do about a missing browser, in one line. */
export const INSTALL_HINT =
  "browser tests skipped: Chromium not found — install it (Debian/Ubuntu: apt-get install chromium fonts-wqy-microhei) or set CHROMIUM_PATH";

/**
 * `describe` for a suite that drives Chromium: runs where Chromium is; skipped where it is not,
 * unless CI requires it, where the suite fails with the hint.
 */
export function describeInBrowser(name: string, body: (executablePath: string) => void): void {
  if (CHROMIUM) {
    const path = CHROMIUM;
    describe(name, () => body(path));
  } else if (BROWSER_REQUIRED) {
    describe(name, () => {
      it("needs Chromium", () => {
        throw new Error(`ANXIN_BROWSER_TESTS=required but ${INSTALL_HINT.replace("browser tests skipped: ", "")}`);
      });
    });
  } else {
    describe.skip(name, () => body(""));
  }
}
