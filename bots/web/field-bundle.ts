/**
 * Builds /field/static/engine.js: the dialogue engine and core/field/interview.ts for the browser,
 * so the phone page can run an interview with no network. Built once per process on first
 * request (a few hundred milliseconds) from the source the server itself runs: the page and the
 * server's replay can never be two versions of the engine.
 */
import { build } from "esbuild";
import { fileURLToPath } from "node:url";

const ENTRY = fileURLToPath(new URL("./field-browser-entry.ts", import.meta.url));

let bundle: Promise<{ code: string; etag: string }> | undefined;

/** The bundled script and a tag that changes with it (for the service worker's cache). */
export function interviewBundle(): Promise<{ code: string; etag: string }> {
  bundle ??= buildBundle().catch((error: unknown) => {
    // A failed build is retried on the next request rather than cached.
    bundle = undefined;
    throw error;
  });
  return bundle;
}

async function buildBundle(): Promise<{ code: string; etag: string }> {
  const result = await build({
    entryPoints: [ENTRY],
    bundle: true,
    write: false,
    format: "iife",
    platform: "browser",
    target: ["es2020"],
    minify: true,
    legalComments: "none",
    logLevel: "silent",
  });
  const file = result.outputFiles[0];
  if (!file) throw new Error("the interview bundle came out empty");
  const { createHash } = await import("node:crypto");
  return { code: file.text, etag: createHash("sha256").update(file.text).digest("hex").slice(0, 16) };
}
