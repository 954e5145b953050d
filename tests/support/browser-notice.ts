/**
 * Global set-up of the slow project: says once, at the start of the run, when the browser suites
 * will be skipped for want of Chromium (see browser.ts).
 */
import { BROWSER_REQUIRED, CHROMIUM, INSTALL_HINT } from "./browser.js";

/** Prints the one line when Chromium is missing and not required. */
export default function browserNotice(): void {
  if (!CHROMIUM && !BROWSER_REQUIRED) console.warn(INSTALL_HINT);
}
