import Fastify from "fastify";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, type WechatConfig } from "../../app/config.js";
import { StartupError } from "../../app/database.js";
import { createWechatChannel } from "../../bots/wechat/channel.js";
import { wechatSignature } from "../../bots/wechat/oa-callback.js";
import {
  constructPuppet,
  loadPuppetClass,
  OFFICIAL_ACCOUNT_PUPPET_PACKAGE,
  officialAccountPuppetOptions,
  type ModuleImporter,
} from "../../bots/wechat/puppets.js";
import { ConversationRunner } from "../../core/survey/runner.js";
import { quietLogger, seededDatabase } from "./harness.js";

const OA_ENV = {
  WECHATY_PUPPET: "wechaty-puppet-official-account",
  WECHATY_PUPPET_OA_APP_ID: "wx0123456789abcdef",
  WECHATY_PUPPET_OA_APP_SECRET: "0123456789abcdef0123456789abcdef",
  WECHATY_PUPPET_OA_TOKEN: "AnxinToken2026",
};

/** The one line a configuration error prints. */
function configError(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).not.toContain("\n");
    return message;
  }
  throw new Error("expected a configuration error");
}

describe("WeChat configuration", () => {
  it("is absent without WECHATY_PUPPET", () => {
    expect(loadConfig({}).wechat).toBeUndefined();
  });

  it("reads the Official Account settings, with the callback on the app's server by default", () => {
    const config = loadConfig(OA_ENV);
    expect(config.wechat).toEqual({
      puppet: "wechaty-puppet-official-account",
      rooms: "ignore",
      officialAccount: {
        appId: "wx0123456789abcdef",
        appSecret: "0123456789abcdef0123456789abcdef",
        token: "AnxinToken2026",
        path: "/wechat/oa",
        port: undefined,
        accessTokenProxyUrl: undefined,
        encodingAesKey: undefined,
        templates: {},
      },
    } satisfies WechatConfig);
    const aesKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
    expect(loadConfig({ ...OA_ENV, WECHAT_OA_ENCODING_AES_KEY: aesKey }).wechat?.officialAccount?.encodingAesKey).toBe(aesKey);
    expect(loadConfig({ ...OA_ENV, WECHATY_PUPPET_OA_PORT: "8077" }).wechat?.officialAccount).toMatchObject({ path: undefined, port: 8077 });
    expect(loadConfig({ WECHATY_PUPPET: "wechaty-puppet-wechat4u", WECHAT_ROOMS: "hint" }).wechat).toEqual({ puppet: "wechaty-puppet-wechat4u", rooms: "hint", officialAccount: undefined });
  });

  it("names the variable in one line when something is missing or malformed", () => {
    expect(configError({ ...OA_ENV, WECHATY_PUPPET_OA_APP_ID: "" })).toBe("WECHATY_PUPPET_OA_APP_ID: must be set when WECHATY_PUPPET is wechaty-puppet-official-account");
    expect(configError({ ...OA_ENV, WECHATY_PUPPET_OA_TOKEN: "" })).toMatch(/^WECHATY_PUPPET_OA_TOKEN: must be set/);
    expect(configError({ ...OA_ENV, WECHATY_PUPPET_OA_APP_ID: "gh_0123456789ab" })).toMatch(/^WECHATY_PUPPET_OA_APP_ID: must be the Official Account's AppID/);
    expect(configError({ ...OA_ENV, WECHATY_PUPPET_OA_APP_SECRET: "short" })).toMatch(/^WECHATY_PUPPET_OA_APP_SECRET: must be/);
    expect(configError({ ...OA_ENV, WECHATY_PUPPET_OA_TOKEN: "has spaces in it" })).toMatch(/^WECHATY_PUPPET_OA_TOKEN: must be 3–32 letters or digits/);
    expect(configError({ ...OA_ENV, WECHATY_PUPPET_OA_PORT: "80a" })).toMatch(/^WECHATY_PUPPET_OA_PORT: must be a port number/);
    expect(configError({ ...OA_ENV, WECHATY_PUPPET_OA_PORT: "8077", WECHAT_OA_PATH: "/wx" })).toMatch(/^WECHAT_OA_PATH: set either/);
    expect(configError({ ...OA_ENV, WECHAT_OA_PATH: "wechat" })).toMatch(/^WECHAT_OA_PATH: must be a URL path/);
    expect(configError({ ...OA_ENV, WECHAT_OA_ENCODING_AES_KEY: "tooShort0123" })).toMatch(/^WECHAT_OA_ENCODING_AES_KEY: must be the EncodingAESKey/);
    expect(configError({ ...OA_ENV, WECHATY_PUPPET_OA_PORT: "8077", WECHAT_OA_ENCODING_AES_KEY: "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG" })).toMatch(/^WECHAT_OA_ENCODING_AES_KEY: needs the callback on Anxin's server/);
    expect(configError({ WECHATY_PUPPET: "wechaty-puppet-padlocal" })).toMatch(/^WECHATY_PUPPET: must be one of wechaty-puppet-official-account, wechaty-puppet-wechat4u, wechaty-puppet-mock/);
    expect(configError({ WECHATY_PUPPET: "wechaty-puppet-mock", WECHAT_ROOMS: "all" })).toMatch(/^WECHAT_ROOMS: must be ignore or hint/);
  });

  it("gives the puppet every option explicitly, so its own environment variables cannot open a tunnel", () => {
    const settings = loadConfig(OA_ENV).wechat?.officialAccount;
    if (!settings) throw new Error("no settings");
    expect(officialAccountPuppetOptions(settings, 40123)).toEqual({
      appId: "wx0123456789abcdef",
      appSecret: "0123456789abcdef0123456789abcdef",
      token: "AnxinToken2026",
      port: 40123,
      webhookProxyUrl: undefined,
      accessTokenProxyUrl: undefined,
      personalMode: false,
    });
  });

  it("says which package to install when the puppet is missing", async () => {
    const missing: ModuleImporter = async () => {
      throw Object.assign(new Error("Cannot find package 'wechaty-puppet-official-account'"), { code: "ERR_MODULE_NOT_FOUND" });
    };
    await expect(loadPuppetClass("wechaty-puppet-official-account", missing)).rejects.toThrow(
      new StartupError(`WECHATY_PUPPET: wechaty-puppet-official-account is not installed (npm install ${OFFICIAL_ACCOUNT_PUPPET_PACKAGE})`),
    );
  });

  it("turns the puppet's own refusal into one line naming the variable", () => {
    class Refusing {
      constructor() {
        throw new Error("\n        PuppetOA: appSecret not found. Please either set the WECHATY_PUPPET_OA_APP_SECRET environment variable\n");
      }
    }
    expect(() => constructPuppet("wechaty-puppet-official-account", Refusing as never, {})).toThrow(/^WECHATY_PUPPET_OA_APP_SECRET: wechaty-puppet-official-account refused its configuration: PuppetOA: appSecret not found/);
  });

  it("prepares an Official Account channel offline: puppet built, callback mounted, nothing started", async () => {
    const seeded = await seededDatabase();
    const constructed: unknown[] = [];
    class FakePuppetOA {
      constructor(options: unknown) {
        constructed.push(options);
      }
    }
    const server = Fastify();
    const settings = loadConfig(OA_ENV).wechat;
    if (!settings) throw new Error("no settings");
    const channel = await createWechatChannel({
      settings,
      runner: new ConversationRunner({ store: seeded.store }),
      logger: quietLogger,
      server,
      importer: async () => ({ PuppetOA: FakePuppetOA }),
    });
    expect(channel.state).toBe("idle");
    expect(constructed).toHaveLength(1);
    expect(constructed[0]).toMatchObject({ appId: "wx0123456789abcdef", token: "AnxinToken2026", webhookProxyUrl: undefined, personalMode: false });
    const timestamp = "1767225600";
    const nonce = "42";
    const check = await server.inject({
      method: "GET",
      url: `/wechat/oa?signature=${wechatSignature("AnxinToken2026", timestamp, nonce)}&timestamp=${timestamp}&nonce=${nonce}&echostr=ok123`,
    });
    expect(check.body).toBe("ok123");
    await server.close();
    await seeded.close();
  });
});

// The real package, once installed, is checked the same way: constructed with Anxin's options,
// never started (starting fetches an access token from api.weixin.qq.com).
const OA_PACKAGE: string = "wechaty-puppet-official-account";
const realPuppet = await import(/* @vite-ignore */ OA_PACKAGE).then(
  () => true,
  () => false,
);

describe.runIf(realPuppet)("the installed wechaty-puppet-official-account", () => {
  it("accepts Anxin's options without touching the network", async () => {
    const settings = loadConfig(OA_ENV).wechat?.officialAccount;
    if (!settings) throw new Error("no settings");
    const Puppet = await loadPuppetClass("wechaty-puppet-official-account");
    const puppet = constructPuppet("wechaty-puppet-official-account", Puppet, officialAccountPuppetOptions(settings, 40123));
    expect(puppet.state.active()).toBe(false);
    expect(() => constructPuppet("wechaty-puppet-official-account", Puppet, { ...officialAccountPuppetOptions(settings, 40123), appId: "" })).toThrow(
      /^WECHATY_PUPPET_OA_APP_ID: /,
    );
  });
});
