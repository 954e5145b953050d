/**
 * `anxin start` (what `npm start` runs) on a fresh machine with no bot token: the web chat is
 * served at `/` and its address is printed.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startAnxin } from "../support/anxin-process.js";

describe("anxin start without a bot token", () => {
  it("serves the web chat at / and prints where", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "anxin-web-start-"));
    const app = await startAnxin({ cwd, env: { LOG_LEVEL: "info" } });
    try {
      expect(app.url).toMatch(/^http:\/\/localhost:\d+$/);
      const page = await fetch(`${app.url}/`);
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain('<script src="/web/static/chat.js" defer></script>');
      expect(html).toContain("公众安全感和满意度调查");
      expect(app.output()).toContain(`"url":"${app.url}/"`);
      expect(app.output()).toMatch(/"msg":"web chat ready"/);
    } finally {
      await app.stop();
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});
