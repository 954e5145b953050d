/**
 * Every command of `anxin` is documented: each full invocation (`anxin wave open`, `anxin chat` …)
 * appears in README.md or docs/*.md as `npx anxin <path>`, and every `npx anxin …` the docs show
 * is a command that exists (so a renamed or removed command cannot linger in the docs).
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { describe, expect, it } from "vitest";
import { buildCli } from "../../app/cli.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const DOC_FILES = ["README.md", ...readdirSync(join(ROOT, "docs")).filter((name) => name.endsWith(".md")).map((name) => `docs/${name}`)];
const DOCS = DOC_FILES.map((path) => readFileSync(join(ROOT, path), "utf8")).join("\n");

/** Commander marks `.command(name, { hidden: true })` commands in a private field. */
const isHidden = (command: Command): boolean => Boolean((command as unknown as { _hidden?: boolean })._hidden);

/** Every visible command below `command` with its path of names; help commands are not in `.commands`. */
function walk(command: Command, path: string[] = []): { path: string[]; command: Command }[] {
  return command.commands
    .filter((sub) => !isHidden(sub) && sub.name() !== "help")
    .flatMap((sub) => {
      const here = [...path, sub.name()];
      return [{ path: here, command: sub }, ...walk(sub, here)];
    });
}

const program = await buildCli();
const COMMANDS = walk(program);
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

describe("the command reference", () => {
  it("finds the commands", () => {
    expect(COMMANDS.map((c) => c.path.join(" "))).toEqual(expect.arrayContaining(["start", "chat", "wave open", "staff invite"]));
  });

  it.each(COMMANDS.map(({ path }) => [`anxin ${path.join(" ")}`]))("`npx %s` appears in README.md or docs/*.md", (invocation) => {
    const documented = new RegExp(`npx ${escape(invocation)}(?![\\w-])`).test(DOCS);
    expect(documented, `npx ${invocation} is not in README.md or docs/*.md (add it to the command reference in docs/operations.md)`).toBe(true);
  });

  it("names no `npx anxin` command that does not exist", () => {
    const unknown = new Set<string>();
    for (const match of DOCS.matchAll(/npx anxin((?: [a-z][a-z-]*)+)/g)) {
      const words = (match[1] ?? "").trim().split(" ");
      let command: Command = program;
      const path: string[] = [];
      for (const word of words) {
        // A group needs one of its subcommands; a leaf command's next word is an argument.
        if (command !== program && command.commands.length === 0) break;
        const sub = command.commands.find((c) => c.name() === word);
        if (!sub) {
          unknown.add(`anxin ${[...path, word].join(" ")}`);
          break;
        }
        command = sub;
        path.push(word);
      }
    }
    expect([...unknown].sort()).toEqual([]);
  });
});
