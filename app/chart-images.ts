/**
 * SVG charts → PNG for chat apps that show images but not SVG, with headless Chromium through
 * playwright-core (no extra npm package). The browser is started per call and closed after:
 * `/stats` is rare and a resident-facing process should not keep a browser alive.
 */
import { existsSync } from "node:fs";

/** Where Chromium is looked for (CHROMIUM_PATH first). */
export function chromiumPath(): string | undefined {
  const candidates = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];
  return candidates.find((p): p is string => typeof p === "string" && p !== "" && existsSync(p));
}

/** The launch flags Anxin uses for headless Chromium (no network side channels, no GPU). */
export const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

/** Renders SVG images to PNG bytes (2× for sharp text on phones). Throws when no Chromium is found. */
export async function svgsToPng(svgs: readonly { svg: string; width: number; height: number }[]): Promise<Uint8Array[]> {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error("no Chromium found (set CHROMIUM_PATH) to draw chart images");
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  try {
    const out: Uint8Array[] = [];
    for (const item of svgs) {
      const page = await browser.newPage({ viewport: { width: item.width, height: item.height }, deviceScaleFactor: 2, javaScriptEnabled: false });
      // Offline by construction: the page may load nothing from anywhere.
      await page.route("**/*", (route) => route.abort());
      await page.setContent(`<!doctype html><html><body style="margin:0;background:#fff">${item.svg}</body></html>`);
      out.push(new Uint8Array(await page.screenshot({ type: "png", clip: { x: 0, y: 0, width: item.width, height: item.height } })));
      await page.close();
    }
    return out;
  } finally {
    await browser.close();
  }
}
