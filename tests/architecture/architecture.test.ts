/**
 * The house rules (tools/architecture.ts) hold on the real tree, and each rule does fire when it
 * is broken: every case below is a small made-up tree with one forbidden import.
 */
import { describe, expect, it } from "vitest";
import { checkArchitecture, findCircles, importedNames, importsOf, readSources, REPO_ROOT, type SourceFile } from "../../tools/architecture.js";

const file = (path: string, imports: string[] = [], lines = 10): SourceFile => ({ path, imports, lines });

const rulesBroken = (files: SourceFile[]): string[] => checkArchitecture(files).map((violation) => violation.rule);

describe("the real source tree", () => {
  const files = readSources(REPO_ROOT);

  it("reads every part of the product", () => {
    for (const folder of ["app/", "bots/", "core/", "core/model/", "core/engine/", "prisma/"]) {
      expect(files.some((f) => f.path.startsWith(folder)), folder).toBe(true);
    }
    expect(files.length).toBeGreaterThan(150);
  });

  it("keeps every rule: no circles, core imports nothing outward, store and adapters in their place, no file over 800 lines", () => {
    expect(checkArchitecture(files)).toEqual([]);
  });
});

describe("each rule fires when broken", () => {
  const engine = file("core/engine/step.ts");
  const model = file("core/model/index.ts");
  const adapter = file("bots/telegram/adapter.ts");
  const store = file("prisma/store.ts", ["../core/model/index.js"]);

  it("accepts a tree that keeps the rules", () => {
    expect(rulesBroken([engine, model, adapter, store, file("core/survey/runner.ts", ["../engine/step.js", "../model/index.js"]), file("app/start.ts", ["../bots/telegram/adapter.js", "../prisma/store.js"])])).toEqual([]);
  });

  it("core importing an adapter, the app or the store", () => {
    for (const target of ["../../bots/telegram/adapter.js", "../../app/start.js", "../../prisma/store.js"]) {
      expect(rulesBroken([adapter, store, file("app/start.ts"), file("core/survey/runner.ts", [target])])).toEqual(["core imports no adapter, app or store"]);
    }
  });

  it("core importing a platform, server or database package", () => {
    for (const target of ["grammy", "grammy/types", "telegraf", "wechaty", "fastify", "commander", "@prisma/client", "better-sqlite3", "pino"]) {
      expect(rulesBroken([file("core/outreach/sender.ts", [target])]), target).toEqual(["core imports no platform, server or database package"]);
    }
    expect(rulesBroken([file("core/outreach/sender.ts", ["zod", "yaml", "node:crypto"])])).toEqual([]);
  });

  it("the model importing the rest of the core", () => {
    expect(rulesBroken([engine, file("core/model/ports.ts", ["../engine/step.js"])])).toEqual(["core/model imports nothing outside itself"]);
  });

  it("the engine doing I/O or leaning on the rest of the core", () => {
    expect(rulesBroken([file("core/engine/step.ts", ["node:fs"])])).toEqual(["the engine does no I/O"]);
    expect(rulesBroken([file("core/survey/runner.ts"), file("core/engine/step.ts", ["../survey/runner.js"])])).toEqual(["the engine imports only itself, core/util and the locales"]);
  });

  it("the store reaching past the model, or into an adapter or the app", () => {
    expect(rulesBroken([file("core/survey/runner.ts"), file("prisma/store.ts", ["../core/survey/runner.js"])])).toEqual(["the store takes only the model, the ports and core/util from the core"]);
    expect(rulesBroken([adapter, file("prisma/store.ts", ["../bots/telegram/adapter.js"])])).toEqual(["the store imports no adapter or app"]);
  });

  it("an adapter reaching past the app's contract modules", () => {
    expect(rulesBroken([file("app/config.ts"), file("bots/web/staff.ts", ["../../app/config.js"])])).toEqual([]);
    expect(rulesBroken([file("app/database.ts"), file("bots/wechat/puppets.ts", ["../../app/database.js"])])).toEqual(["adapters take from app/ only its contract modules"]);
  });

  it("an adapter opening the store", () => {
    expect(rulesBroken([store, model, file("bots/web/channel.ts", ["../../prisma/store.js"])])).toEqual(["adapters never open the store"]);
  });

  it("an adapter holding the Store port, by name or through the ports module", () => {
    const ports = file("core/model/ports.ts");
    const named = (names: string[]): SourceFile => ({ ...file("bots/dashboard/deps.ts", ["../../core/model/index.js"]), names: { "../../core/model/index.js": names } });
    expect(rulesBroken([model, ports, named(["Store"])])).toEqual(["adapters never hold the Store port"]);
    expect(rulesBroken([model, ports, file("bots/telegram/channel.ts", ["../../core/model/ports.js"])])).toEqual(["adapters never hold the Store port"]);
    // Records and the narrow ports are theirs to name; the core and the app may hold the whole store.
    expect(rulesBroken([model, ports, named(["WaveRecord", "BroadcastStore"]), { ...file("app/start.ts", ["../core/model/index.js"]), names: { "../core/model/index.js": ["Store"] } }])).toEqual([]);
    expect(importedNames('import { type Store as S, WaveRecord } from "./m.js";\nexport type { Store } from "./p.js";\nimport * as all from "./n.js";')).toEqual({ "./m.js": ["Store", "WaveRecord"], "./p.js": ["Store"] });
  });

  it("an import circle, also through type-only imports", () => {
    const a = file("core/stats/breakdown.ts", ["./tally.js"]);
    const b = file("core/stats/tally.ts", ["./breakdown.js"]);
    expect(checkArchitecture([a, b])).toEqual([{ rule: "no import circles", file: "core/stats/breakdown.ts", detail: "core/stats/breakdown.ts -> core/stats/tally.ts" }]);
    expect(importsOf('import type { GroupBy } from "./breakdown.js";')).toEqual(["./breakdown.js"]);
  });

  it("a file over 800 lines", () => {
    expect(rulesBroken([file("bots/dashboard/mount.ts", [], 801)])).toEqual(["no source file over 800 lines"]);
  });

  it("reads imports as TypeScript does, not as text", () => {
    const text = [
      'import a from "./a.js";',
      'export { b } from "./b.js";',
      'const c = await import("./c.js");',
      '// import d from "./d.js";',
      'const e = "import f from \'./f.js\'";',
    ].join("\n");
    expect(importsOf(text)).toEqual(["./a.js", "./b.js", "./c.js"]);
  });

  it("finds every circle, long ones and self-imports included", () => {
    const edges = new Map<string, string[]>([
      ["a", ["b"]],
      ["b", ["c"]],
      ["c", ["a", "d"]],
      ["d", []],
      ["e", ["e"]],
    ]);
    expect(findCircles(edges)).toEqual([["a", "b", "c"], ["e"]]);
  });
});
