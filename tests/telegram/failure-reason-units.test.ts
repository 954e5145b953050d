/**
 * What the Telegram channel logs and reports about a failed Bot API call: the reason (the network
 * error inside grammY's), never the token its URLs carry.
 */
import { GrammyError, HttpError } from "grammy";
import { describe, expect, it } from "vitest";
import { telegramFailureReason } from "../../bots/telegram/channel.js";

const TOKEN = "123456789:AAsecretPartOfTheTokenThatMustNotLeak";

describe("telegramFailureReason", () => {
  it("gives the network error's cause without the token", () => {
    // As grammY wraps node-fetch's error for a refused connection (its message holds the URL).
    const error = new HttpError("Network request for 'getMe' failed!", new Error(`request to http://127.0.0.1:1/bot${TOKEN}/getMe failed, reason: connect ECONNREFUSED 127.0.0.1:1`));
    const reason = telegramFailureReason(error, TOKEN);
    expect(reason).toBe("Network request for 'getMe' failed! (request to http://127.0.0.1:1/bot<token>/getMe failed, reason: connect ECONNREFUSED 127.0.0.1:1)");
    expect(reason).not.toContain("AAsecretPart");
  });

  it("keeps a Bot API refusal's description", () => {
    const error = new GrammyError("Call to 'getMe' failed!", { ok: false, error_code: 401, description: "Unauthorized" }, "getMe", {});
    expect(telegramFailureReason(error, TOKEN)).toBe("Call to 'getMe' failed! (401: Unauthorized)");
    expect(telegramFailureReason(new Error(`oops at /bot${TOKEN}/x`), "other")).toBe("oops at /bot<token>/x");
  });
});
