import { describe, expect, it } from "vitest";
import { AccessTokenGuard, officialAccountTokenRenewer } from "../../bots/wechat/oa-access-token.js";
import { OfficialAccountApiError, OfficialAccountErrcodes } from "../../bots/wechat/oa-errcodes.js";
import { quietLogger } from "./harness.js";

/** A send that fails while the token is stale, as the puppet does (its error carries no errcode). */
function fakeAccount() {
  const account = {
    token: 1,
    validToken: 1,
    renewals: 0,
    sends: [] as string[],
    async send(text: string): Promise<string> {
      if (account.token !== account.validToken) throw new Error("OfficialAccount sendCustomMessage() can send message <…>");
      account.sends.push(text);
      return text;
    },
    async renew(): Promise<boolean> {
      account.renewals++;
      account.token = account.validToken;
      return true;
    },
  };
  return account;
}

describe("renewing the Official Account's access token when a send fails", () => {
  it("renews once and sends again when the token stopped working", async () => {
    const account = fakeAccount();
    let clock = 1_000_000;
    const guard = new AccessTokenGuard({ renewer: () => account.renew, logger: quietLogger, now: () => clock });
    expect(await guard.send(() => account.send("a"))).toBe("a");
    account.validToken = 2;
    expect(await guard.send(() => account.send("b"))).toBe("b");
    expect(account.renewals).toBe(1);
    expect(guard.renewals).toBe(1);
    expect(account.sends).toEqual(["a", "b"]);

    // Soon after a renewal a failure is not the token's: no second renewal, the error stands.
    account.token = 0;
    clock += 10_000;
    await expect(guard.send(() => account.send("c"))).rejects.toThrow(/can send message/);
    expect(account.renewals).toBe(1);
    // Later it is tried again.
    clock += 60_000;
    expect(await guard.send(() => account.send("d"))).toBe("d");
    expect(account.renewals).toBe(2);
  });

  it("renews once for sends that fail together", async () => {
    const account = fakeAccount();
    account.validToken = 2;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const guard = new AccessTokenGuard({
      renewer: () => async () => {
        await gate;
        return account.renew();
      },
      logger: quietLogger,
    });
    const sending = Promise.all(["x", "y", "z"].map((text) => guard.send(() => account.send(text))));
    release();
    expect(await sending).toEqual(["x", "y", "z"]);
    expect(account.renewals).toBe(1);
  });

  it("passes the error on when the token cannot be renewed, or on another puppet", async () => {
    const account = fakeAccount();
    account.validToken = 2;
    const failing = new AccessTokenGuard({ renewer: () => async () => false, logger: quietLogger });
    await expect(failing.send(() => account.send("a"))).rejects.toThrow(/can send message/);
    const throwing = new AccessTokenGuard({ renewer: () => async () => Promise.reject(new Error("token server down")), logger: quietLogger });
    await expect(throwing.send(() => account.send("a"))).rejects.toThrow(/can send message/);
    const other = new AccessTokenGuard({ renewer: () => undefined, logger: quietLogger });
    await expect(other.send(() => account.send("a"))).rejects.toThrow(/can send message/);
    expect(account.sends).toEqual([]);
  });

  it("finds the renewal of a started PuppetOA only", async () => {
    expect(officialAccountTokenRenewer({})).toBeUndefined();
    expect(officialAccountTokenRenewer({ oa: undefined })).toBeUndefined();
    expect(officialAccountTokenRenewer({ oa: { updateAccessToken: "no" } })).toBeUndefined();
    const oa = {
      renewed: 0,
      async updateAccessToken(this: { renewed: number }) {
        this.renewed++;
        return true;
      },
    };
    const renew = officialAccountTokenRenewer({ oa });
    expect(await renew?.()).toBe(true);
    expect(oa.renewed).toBe(1);
  });
});

describe("WeChat's errcode of the puppet's failed sends", () => {
  /** A PuppetOA-shaped object whose API helper answers like unirest (a request awaited through `then`). */
  function puppetAnswering(errcodeFor: (url: string) => number) {
    const request = (url: string) => {
      const answer = { body: { errcode: errcodeFor(url), errmsg: "…" } };
      // Like unirest: the builder methods return the request itself.
      const built = {
        type: () => built,
        send: () => built,
        then: (onFulfilled: (result: unknown) => unknown) => new Promise((resolve) => setImmediate(() => resolve(onFulfilled(answer)))),
      };
      return built;
    };
    const oa = {
      simpleUnirest: { get: request, post: request },
      // As the puppet does: throws a message without the code.
      async sendCustomMessage(touser: string): Promise<string> {
        const ret = (await oa.simpleUnirest.post(`message/custom/send?touser=${touser}`).type().send()) as { body: { errcode: number } };
        if (ret.body.errcode) throw new Error("OfficialAccount sendCustomMessage() can send message <…>");
        return "ok";
      },
    };
    return { oa };
  }

  it("tells each concurrent send the code WeChat gave it", async () => {
    const codes: Record<string, number> = { oOutside: 45015, oGone: 43004, oFine: 0 };
    const puppet = puppetAnswering((url) => codes[new URL(url, "https://x/").searchParams.get("touser") ?? ""] ?? -1);
    const errcodes = new OfficialAccountErrcodes();
    expect(errcodes.install(puppet)).toBe(true);
    expect(errcodes.install(puppet)).toBe(true);
    const results = await Promise.allSettled(["oOutside", "oGone", "oFine"].map((openId) => errcodes.observe(() => puppet.oa.sendCustomMessage(openId))));
    expect(results.map((result) => (result.status === "fulfilled" ? result.value : (result.reason as OfficialAccountApiError).errcode))).toEqual([45015, 43004, "ok"]);
    // Outside observe() nothing is classified.
    await expect(puppet.oa.sendCustomMessage("oOutside")).rejects.not.toBeInstanceOf(OfficialAccountApiError);
    expect(errcodes.install({})).toBe(false);
    expect(errcodes.install({ oa: { simpleUnirest: {} } })).toBe(false);
  });

  it("renews the token for a token errcode even right after a renewal, and never for another code", async () => {
    let clock = 1_000_000;
    let renewals = 0;
    const guard = new AccessTokenGuard({
      renewer: () => async () => {
        renewals++;
        return true;
      },
      logger: quietLogger,
      now: () => clock,
    });
    const failing = (codes: number[]) => async () => {
      const code = codes.shift();
      if (code === undefined) return "sent";
      throw new OfficialAccountApiError(code, new Error("refused"));
    };
    expect(await guard.send(failing([42001]))).toBe("sent");
    clock += 1_000;
    expect(await guard.send(failing([40001]))).toBe("sent");
    expect(renewals).toBe(2);
    clock += 120_000;
    await expect(guard.send(failing([45015]))).rejects.toMatchObject({ errcode: 45015 });
    await expect(guard.send(failing([42001, 42001]))).rejects.toMatchObject({ errcode: 42001 });
    expect(renewals).toBe(3);
  });
});
