/** Runs the admin commands of `anxin` in this process against a test database, capturing what they print. */
import { Command } from "commander";
import { vi } from "vitest";
import { registerAdminCommands } from "../../app/admin-commands.js";
import { registerWaveCommands } from "../../app/wave-command.js";

/** `anxin <args…> --db <url>`: the lines it logged (stderr, e.g. a progress bar, is silenced). */
export async function runAnxin(url: string, ...args: string[]): Promise<string> {
  const program = registerWaveCommands(registerAdminCommands(new Command("anxin").exitOverride()));
  const lines: string[] = [];
  const log = vi.spyOn(console, "log").mockImplementation((...parts: unknown[]) => {
    lines.push(parts.join(" "));
  });
  const err = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  try {
    await program.parseAsync(["node", "anxin", ...args, "--db", url]);
  } finally {
    log.mockRestore();
    err.mockRestore();
  }
  return lines.join("\n");
}
