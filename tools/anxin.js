#!/usr/bin/env node
// The `anxin` command. It runs the compiled build in dist/ (tools/build.mjs, made by npm install)
// so that a start does not transpile TypeScript. The build runs only while every source it was
// made from is unchanged; after an edit (or a git pull) it is rebuilt first, so code that is not
// the checkout's is never run. Where building fails, the sources run through tsx as before, after
// one line on stderr. ANXIN_FROM_SOURCE=1 always runs the sources through tsx.
import { fileURLToPath, pathToFileURL } from "node:url";
import { build, buildProblem, freshness, OUT_DIR, pin } from "./build.mjs";

/** The built entry to run, or undefined when the sources must run through tsx. */
async function builtEntry() {
  if (process.env.ANXIN_FROM_SOURCE === "1") return undefined;
  const fresh = freshness();
  if (fresh.entry) {
    pin(fresh.files);
    return fresh.entry;
  }
  try {
    const manifest = await build();
    pin(manifest.files);
    return fileURLToPath(new URL(`../${OUT_DIR}/${manifest.entry}`, import.meta.url));
  } catch (error) {
    console.error(`anxin: could not build ${OUT_DIR}/ (${fresh.reason}): ${buildProblem(error)}; running the TypeScript sources through tsx`);
    return undefined;
  }
}

const entry = await builtEntry();
let cli;
if (entry) {
  cli = await import(pathToFileURL(entry).href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  cli = await import("../app/cli.ts");
}
await cli.runCli(process.argv);
