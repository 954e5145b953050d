import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { CONFIG_HELP } from "../../app/config.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const read = (path: string) => readFileSync(join(ROOT, path), "utf8");

const readme = read("README.md");
const configuration = read("docs/configuration.md");

/** README.md and every docs/*.md, by path from the project root. */
const DOCS = ["README.md", ...readdirSync(join(ROOT, "docs")).filter((name) => name.endsWith(".md")).map((name) => `docs/${name}`)];

/** The targets of a Markdown text's inline links and images, code spans and fenced blocks left out. */
function linkTargets(markdown: string): string[] {
  const prose = markdown.replace(/^```[\s\S]*?^```/gm, "").replace(/`[^`\n]*`/g, "");
  return [...prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((match) => match[1] ?? "");
}

describe("the README", () => {
  it("keeps the two-command quick start", () => {
    expect(readme).toContain("npm install && npm start");
    expect(readme).toContain("npm test");
  });

  it("is a front page of at most 160 lines (the reference is in docs/)", () => {
    expect(readme.split("\n").length).toBeLessThanOrEqual(160);
  });
});

describe("docs/configuration.md", () => {
  it.each(CONFIG_HELP.map(([name]) => [name]))("documents %s in the configuration table", (name) => {
    expect(configuration).toMatch(new RegExp(`^\\| \`${name}\` \\|`, "m"));
  });
});

describe("links in README.md and docs/*.md", () => {
  it.each(DOCS.map((path) => [path]))("every relative link of %s points to a file of the project", (path) => {
    const broken: string[] = [];
    for (const target of linkTargets(read(path))) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith("#")) continue; // https:, mailto:, an anchor
      const file = resolve(ROOT, dirname(path), decodeURI(target.split("#")[0] ?? ""));
      const inside = !relative(ROOT, file).startsWith("..");
      if (!inside || !existsSync(file)) broken.push(`${target}${inside ? "" : " (outside the project)"}`);
    }
    expect(broken, `${path}: links to missing files`).toEqual([]);
  });
});
