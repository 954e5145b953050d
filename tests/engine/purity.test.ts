/**
 * The engine stays pure: no I/O, clock, randomness, platform SDKs or dynamic code in
 * core/engine/**, and nothing in the project reads the shared docs folder.
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../", import.meta.url));

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

const FORBIDDEN: [RegExp, string][] = [
  [/from\s+["'](node:)?(fs|path|net|http|https|child_process|os|crypto|worker_threads)["']/, "node I/O module"],
  [/\bDate\.now\s*\(|\bnew Date\s*\(/, "the clock"],
  [/\bMath\.random\b/, "randomness"],
  [/\bfetch\s*\(/, "network"],
  [/prisma|grammy|telegraf|wechaty|fastify/i, "platform or storage SDK"],
  [/\beval\s*\(|new Function\s*\(/, "dynamic code"],
  [/\bprocess\./, "process globals"],
  [/\bconsole\./, "logging"],
];

describe("purity", () => {
  it("core/engine uses no I/O, clock, randomness, SDKs or dynamic code", () => {
    const problems: string[] = [];
    for (const file of files(join(root, "core/engine")).filter((f) => f.endsWith(".ts"))) {
      const code = readFileSync(file, "utf8")
        .replace(/\/\*[\s\S]*?\*\//g, "")
        .replace(/\/\/.*$/gm, "");
      for (const [re, what] of FORBIDDEN) if (re.test(code)) problems.push(`${file}: ${what}`);
    }
    expect(problems).toEqual([]);
  });

  it("nothing we own reads /work/shared", () => {
    const owned = [
      ...files(join(root, "core/engine")),
      ...files(join(root, "tests/engine")),
      ...files(join(root, "tests/scenarios")),
      ...["core/definitions/load.ts", "core/definitions/write-schema.ts", "core/definitions/public-safety.yaml"].map((f) => join(root, f)),
      ...["zh-CN", "zh-TW", "en"].map((l) => join(root, `locales/${l}/bot.json`)),
    ];
    const offenders = owned
      .filter((f) => !f.endsWith("purity.test.ts"))
      .filter((f) => readFileSync(f, "utf8").includes("/work/shared"));
    expect(offenders).toEqual([]);
  });
});
