/**
 * Configuration errors name the setting and what is wrong with it, and never print a credential:
 * secrets by their length only, URLs without their password or query.
 */
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, shownValue } from "../../app/config.js";

/** The one line `anxin` prints for this environment. */
function errorOf(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error("no configuration error");
}

describe("configuration errors", () => {
  it.each([
    ["APP_SECRET", "short-but-secret"],
    ["TELEGRAM_BOT_TOKEN", "12345:not-a-real-token"],
    ["TELEGRAM_WEBHOOK_SECRET", "bad secret with spaces"],
  ])("say what is wrong with %s without showing it", (name, value) => {
    const message = errorOf({ [name]: value });
    expect(message.startsWith(`${name}: `)).toBe(true);
    expect(message).not.toContain(value);
    expect(message).toContain(`a value of ${value.length} characters, not shown`);
  });

  it("shows a database URL without its password, even one too broken to parse", () => {
    const message = errorOf({ DATABASE_URL: "mysql://anxin:hunter2-secret@db.example/anxin" });
    expect(message).toContain("DATABASE_URL: ");
    expect(message).not.toContain("hunter2-secret");
    expect(shownValue("DATABASE_URL", "postgresql://anxin:s3cret@[bad/anxin")).not.toContain("s3cret");
    expect(shownValue("X", "https://proxy.example/token?key=abc")).toBe('"https://proxy.example/token?…"');
  });

  it("still quotes ordinary values, cut when long", () => {
    expect(errorOf({ PORT: "eighty" })).toBe('PORT: must be a port number (got "eighty")');
    expect(shownValue("HOST", "x".repeat(200))).toBe(`"${"x".repeat(40)}…"`);
  });
});
