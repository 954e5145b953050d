/**
 * Creating the configured Wechaty puppet. Each puppet package is imported only when configured,
 * so a server running the Official Account never loads the personal-account or mock code, and
 * the Official Account package need not be installed where it is not used.
 */
import { createServer } from "node:net";
import type { Wechaty } from "wechaty";
import type { WechatConfig, WechatyPuppetName } from "../../app/config.js";
import { StartupError } from "../../app/errors.js";

/** A Wechaty puppet (what `WechatyBuilder.build({ puppet })` takes). */
export type WechatyPuppet = Wechaty["puppet"];

/** The Official Account puppet's version this adapter was written against. */
export const OFFICIAL_ACCOUNT_PUPPET_PACKAGE = "wechaty-puppet-official-account@1.10.14";

/** The constructor options of `PuppetOA` (wechaty-puppet-official-account). */
export interface OfficialAccountPuppetOptions {
  appId: string;
  appSecret: string;
  token: string;
  /** Where the puppet's own HTTP server listens for WeChat's callbacks. */
  port: number;
  /** Always undefined: a localtunnel proxy would expose the callback through a third party. */
  webhookProxyUrl: undefined;
  accessTokenProxyUrl: string | undefined;
  /** Unverified subscription accounts (one passive reply within 5 s) are not supported. */
  personalMode: false;
}

/**
 * The options Anxin gives `PuppetOA`. Every key is set explicitly because the puppet merges its
 * own WECHATY_PUPPET_OA_* environment variables underneath: an explicit `undefined` keeps a stray
 * WECHATY_PUPPET_OA_WEBHOOK_PROXY_URL from opening a tunnel.
 */
export function officialAccountPuppetOptions(settings: NonNullable<WechatConfig["officialAccount"]>, port: number): OfficialAccountPuppetOptions {
  return {
    appId: settings.appId,
    appSecret: settings.appSecret,
    token: settings.token,
    port,
    webhookProxyUrl: undefined,
    accessTokenProxyUrl: settings.accessTokenProxyUrl,
    personalMode: false,
  };
}

/** How to install a puppet package that is missing. */
const INSTALL: Record<WechatyPuppetName, string> = {
  "wechaty-puppet-official-account": OFFICIAL_ACCOUNT_PUPPET_PACKAGE,
  "wechaty-puppet-wechat4u": "wechaty-puppet-wechat4u@1.14.14",
  "wechaty-puppet-mock": "wechaty-puppet-mock@1.19.4",
};

/** The class each package exports. */
const EXPORT_NAME: Record<WechatyPuppetName, string> = {
  "wechaty-puppet-official-account": "PuppetOA",
  "wechaty-puppet-wechat4u": "PuppetWechat4u",
  "wechaty-puppet-mock": "PuppetMock",
};

/** A puppet package's class. */
export type PuppetClass = new (options?: object) => WechatyPuppet;

/** Imports a module by name; replaced in tests to simulate a package that is not installed. */
export type ModuleImporter = (specifier: string) => Promise<unknown>;

// A variable specifier keeps TypeScript and bundlers from resolving optional packages up front.
const defaultImporter: ModuleImporter = (specifier) => import(/* @vite-ignore */ specifier);

/**
 * Loads a puppet package's class. A missing package is a {@link StartupError} naming the package
 * to install, reported before anything connects.
 */
export async function loadPuppetClass(name: WechatyPuppetName, importer: ModuleImporter = defaultImporter): Promise<PuppetClass> {
  let loaded: unknown;
  try {
    loaded = await importer(name);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND" || /Cannot find (module|package)/.test(String((error as Error).message))) {
      throw new StartupError(`WECHATY_PUPPET: ${name} is not installed (npm install ${INSTALL[name]})`);
    }
    throw new StartupError(`WECHATY_PUPPET: cannot load ${name}: ${(error as Error).message.split("\n")[0]}`);
  }
  const module = loaded as Record<string, unknown>;
  const candidate = module[EXPORT_NAME[name]] ?? module.default;
  if (typeof candidate !== "function") throw new StartupError(`WECHATY_PUPPET: ${name} does not export ${EXPORT_NAME[name]}`);
  return candidate as PuppetClass;
}

/**
 * Constructs a puppet (no network: every puppet connects only on start). The Official Account
 * puppet validates its options in its constructor; its message is turned into one line naming
 * the variable.
 */
export function constructPuppet(name: WechatyPuppetName, Puppet: PuppetClass, options: object | undefined): WechatyPuppet {
  try {
    return new Puppet(options);
  } catch (error) {
    const message = String((error as Error).message ?? error).trim();
    const variable = /appSecret/i.test(message)
      ? "WECHATY_PUPPET_OA_APP_SECRET"
      : /appId/i.test(message)
        ? "WECHATY_PUPPET_OA_APP_ID"
        : /token/i.test(message)
          ? "WECHATY_PUPPET_OA_TOKEN"
          : "WECHATY_PUPPET";
    throw new StartupError(`${variable}: ${name} refused its configuration: ${message.split("\n")[0]}`);
  }
}

/** A TCP port free on this machine right now, for the Official Account puppet's own callback server. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.on("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => (port > 0 ? resolve(port) : reject(new Error("no free port"))));
    });
  });
}
