/**
 * WeChat's errcode of the Official Account puppet's failed API calls.
 *
 * wechaty-puppet-official-account throws "can send message <…>" whatever WeChat answered, so an
 * expired token (42001), a follower outside the 48-hour window (45015), one who unfollowed
 * (43004) and a busy server (-1, 45047) look alike. The puppet makes every call through one small
 * HTTP helper (`oa.simpleUnirest`, protected in its types; unirest requests awaited through their
 * `then`); wrapping it lets a send made inside {@link OfficialAccountErrcodes.observe} learn the
 * codes of its own calls (AsyncLocalStorage keeps concurrent chats apart). If a later puppet
 * version changes that helper, nothing is hooked and failures stay unclassified, as before.
 */
import { AsyncLocalStorage } from "node:async_hooks";

/** The codes Anxin acts on. */
export const WECHAT_ERRCODE = {
  systemBusy: -1,
  invalidCredential: 40001,
  invalidAccessToken: 40014,
  accessTokenExpired: 42001,
  unfollowed: 43004,
  outsideWindow: 45015,
  sendQuotaExceeded: 45047,
} as const;

/** Codes that mean the access token no longer works. */
export const TOKEN_ERRCODES: ReadonlySet<number> = new Set([WECHAT_ERRCODE.invalidCredential, WECHAT_ERRCODE.invalidAccessToken, WECHAT_ERRCODE.accessTokenExpired]);

/** A failed send, with the errcode WeChat answered. */
export class OfficialAccountApiError extends Error {
  constructor(
    readonly errcode: number,
    cause: unknown,
  ) {
    super(`WeChat answered errcode ${errcode}`, { cause });
  }
}

type Watched = { then?: unknown };
type SimpleUnirest = { get(url: string): unknown; post(url: string): unknown };

/** Where codes of calls made inside one observe() go. */
const HOOKED = Symbol("anxin.errcodes");

/** Hooks a puppet's HTTP helper and classifies failed sends. */
export class OfficialAccountErrcodes {
  private readonly calls = new AsyncLocalStorage<number[]>();

  /** Hooks the running PuppetOA's API helper; false when `puppet` has none (another puppet, another version). */
  install(puppet: object): boolean {
    const oa: unknown = (puppet as { oa?: unknown }).oa;
    if (typeof oa !== "object" || oa === null) return false;
    const helper: unknown = (oa as { simpleUnirest?: unknown }).simpleUnirest;
    if (!isSimpleUnirest(helper)) return false;
    if ((helper as { [HOOKED]?: boolean })[HOOKED]) return true;
    const watch = (request: unknown): unknown => this.watch(request);
    const hooked: SimpleUnirest & { [HOOKED]: boolean } = {
      get: (url) => watch(helper.get(url)),
      post: (url) => watch(helper.post(url)),
      [HOOKED]: true,
    };
    (oa as { simpleUnirest: unknown }).simpleUnirest = hooked;
    return true;
  }

  /**
   * Runs `send`; when it fails after WeChat answered an error code, the failure is rethrown as an
   * {@link OfficialAccountApiError} with the last such code.
   */
  async observe<T>(send: () => Promise<T>): Promise<T> {
    const codes: number[] = [];
    try {
      return await this.calls.run(codes, send);
    } catch (error) {
      const code = codes.findLast((value) => value !== 0);
      if (code === undefined || error instanceof OfficialAccountApiError) throw error;
      throw new OfficialAccountApiError(code, error);
    }
  }

  /** Notes the errcode of the request's answer into the calling send's list (read when it is awaited). */
  private watch(request: unknown): unknown {
    const codes = this.calls.getStore();
    if (!codes || typeof request !== "object" || request === null) return request;
    const original = (request as Watched).then;
    if (typeof original !== "function") return request;
    (request as Watched).then = function (this: unknown, onFulfilled?: (result: unknown) => unknown, onRejected?: (error: unknown) => unknown) {
      const note = (result: unknown) => {
        const errcode = (result as { body?: { errcode?: unknown } } | undefined)?.body?.errcode;
        if (typeof errcode === "number") codes.push(errcode);
        return onFulfilled ? onFulfilled(result) : result;
      };
      return (original as (a: unknown, b: unknown) => unknown).call(this, note, onRejected);
    };
    return request;
  }
}

function isSimpleUnirest(value: unknown): value is SimpleUnirest {
  return typeof value === "object" && value !== null && typeof (value as SimpleUnirest).get === "function" && typeof (value as SimpleUnirest).post === "function";
}

/** Codes that mean "WeChat is busy, or this account sends too fast": worth a retry after a pause. */
export const BUSY_ERRCODES: ReadonlySet<number> = new Set([WECHAT_ERRCODE.systemBusy, WECHAT_ERRCODE.sendQuotaExceeded]);

/** A send WeChat kept answering "busy" (-1, 45047) until the retries ran out: a transient failure. */
export class OfficialAccountBusyError extends OfficialAccountApiError {
  constructor(
    errcode: number,
    readonly attempts: number,
    cause: unknown,
  ) {
    super(errcode, cause);
    this.message = `WeChat was busy (errcode ${errcode}) ${attempts} times in a row; gave up for now`;
  }
}

/** How {@link retryBusy} waits. */
export interface BusyRetryPolicy {
  /** Attempts in all, the first included (default 4). */
  attempts: number;
  /** Pause before the first retry, doubled before each next one (default 500 ms). */
  delayMs: number;
  sleep: (ms: number) => Promise<void>;
}

/** Default {@link BusyRetryPolicy}: 4 attempts over about 3.5 s. */
export const DEFAULT_BUSY_RETRY: BusyRetryPolicy = { attempts: 4, delayMs: 500, sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) };

/**
 * Runs `send`, repeating it after a growing pause (with a little jitter, so chats failing together
 * do not come back together) while WeChat answers -1 or 45047; after `attempts`, throws an
 * {@link OfficialAccountBusyError}. Any other failure is thrown at once.
 */
export async function retryBusy<T>(send: () => Promise<T>, policy: BusyRetryPolicy = DEFAULT_BUSY_RETRY): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await send();
    } catch (error) {
      if (!(error instanceof OfficialAccountApiError) || !BUSY_ERRCODES.has(error.errcode)) throw error;
      if (attempt >= policy.attempts) throw new OfficialAccountBusyError(error.errcode, attempt, error);
      await policy.sleep(policy.delayMs * 2 ** (attempt - 1) * (0.9 + Math.random() * 0.2));
    }
  }
}
