/**
 * Surviving an Official Account access token that stopped working before the puppet renewed it.
 *
 * wechat-puppet-official-account renews its token only on a timer (5 minutes before the
 * `expires_in` WeChat gave), and when WeChat refuses a token early — 40001 after the token was
 * fetched somewhere else with the same AppSecret (a second server, the WeChat debugging tool),
 * 42001 after a clock jump or a restart of WeChat's side — every send fails until that timer
 * fires, up to two hours. So a failed send renews the token once and is tried again — when
 * WeChat's errcode is known (oa-errcodes.ts) only for a token error, and otherwise unless the
 * token was renewed so recently that it cannot be the cause.
 */
import type { Logger } from "../../app/log.js";
import { OfficialAccountApiError, TOKEN_ERRCODES } from "./oa-errcodes.js";

/** Asks the puppet for a new access token now; resolves true when it got one. */
export type AccessTokenRenewer = () => Promise<boolean>;

/**
 * The renewal of a running `PuppetOA` (its `oa.updateAccessToken()`, protected in the package's
 * types, present since 1.x; checked at run time), or undefined for any other puppet or one not
 * started.
 */
export function officialAccountTokenRenewer(puppet: object): AccessTokenRenewer | undefined {
  const oa: unknown = (puppet as { oa?: unknown }).oa;
  if (typeof oa !== "object" || oa === null) return undefined;
  const update: unknown = (oa as { updateAccessToken?: unknown }).updateAccessToken;
  if (typeof update !== "function") return undefined;
  return async () => (await (update as () => Promise<unknown>).call(oa)) === true;
}

/** Options of {@link AccessTokenGuard}. */
export interface AccessTokenGuardOptions {
  /** The renewal of the puppet running now (looked up at each failure: the puppet is replaced on restart). */
  renewer: () => AccessTokenRenewer | undefined;
  logger: Logger;
  now?: () => number;
  /** A failure within this long after a renewal is not blamed on the token (default one minute). */
  quietMs?: number;
}

/** Runs sends; a failed one renews the access token and is tried once more (see the module comment). */
export class AccessTokenGuard {
  /** Renewals that got a new token so far. */
  renewals = 0;
  private lastRenewedAt = Number.NEGATIVE_INFINITY;
  /** The renewal in progress: chats failing together renew once. */
  private renewing: Promise<boolean> | undefined;
  private readonly now: () => number;
  private readonly quietMs: number;

  constructor(private readonly options: AccessTokenGuardOptions) {
    this.now = options.now ?? Date.now;
    this.quietMs = options.quietMs ?? 60_000;
  }

  async send<T>(attempt: () => Promise<T>): Promise<T> {
    const startedAt = this.now();
    try {
      return await attempt();
    } catch (error) {
      const known = error instanceof OfficialAccountApiError;
      if (known && !TOKEN_ERRCODES.has(error.errcode)) throw error;
      // Renewed while this send was under way (another chat's failure): just try again.
      if (this.lastRenewedAt >= startedAt) return attempt();
      // Without WeChat's word, a failure soon after a renewal is not blamed on the token.
      if (!known && this.now() - this.lastRenewedAt < this.quietMs) throw error;
      const renewer = this.options.renewer();
      if (!renewer) throw error;
      if (!(await this.renew(renewer))) throw error;
      return attempt();
    }
  }

  private renew(renewer: AccessTokenRenewer): Promise<boolean> {
    if (!this.renewing) {
      const renewing = this.renewOnce(renewer);
      this.renewing = renewing;
      void renewing.finally(() => {
        if (this.renewing === renewing) this.renewing = undefined;
      });
    }
    return this.renewing;
  }

  private async renewOnce(renewer: AccessTokenRenewer): Promise<boolean> {
    try {
      const renewed = await renewer();
      this.lastRenewedAt = this.now();
      if (renewed) this.renewals++;
      this.options.logger.warn({ renewed }, renewed ? "WeChat Official Account: a send failed; renewed the access token and sending again" : "WeChat Official Account: a send failed and the access token could not be renewed");
      return renewed;
    } catch (error) {
      this.lastRenewedAt = this.now();
      this.options.logger.warn({ err: error }, "WeChat Official Account: renewing the access token failed");
      return false;
    }
  }
}
