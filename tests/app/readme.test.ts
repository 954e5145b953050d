import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CONFIG_HELP } from "../../app/config.js";

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

describe("the README", () => {
  it("keeps the two-command quick start", () => {
    expect(readme).toContain("npm install && npm start");
    expect(readme).toContain("npm test");
  });

  it.each(CONFIG_HELP.map(([name]) => [name]))("documents %s in the configuration table", (name) => {
    expect(readme).toMatch(new RegExp(`^\\| \`${name}\` \\|`, "m"));
  });
});
