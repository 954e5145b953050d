/**
 * Runs one `anxin` subcommand in this process (no child process: fast) and returns what it
 * printed with console.log. For the CLI tests of commands that take `--db <url>`.
 */
import { Command } from "commander";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { vi } from "vitest";

/** `anxin <name> <args…> --db <url>` with the commands `register` adds; what it printed. */
export async function runInProcess(register: (program: Command) => Command, name: string, args: readonly string[], url: string): Promise<string> {
  const program = register(new Command("anxin").exitOverride());
  const lines: string[] = [];
  const log = vi.spyOn(console, "log").mockImplementation((...parts: unknown[]) => {
    lines.push(parts.join(" "));
  });
  try {
    await program.parseAsync(["node", "anxin", name, ...args, "--db", url]);
  } finally {
    log.mockRestore();
  }
  return lines.join("\n");
}

/** A folder for a test's input files, and a way to write one into it (its path is returned). */
export function inputFiles(prefix: string): { dir: string; file: (name: string, text: string) => string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    file(name, text) {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    },
  };
}
