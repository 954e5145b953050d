/** The WeChat channel's restart supervisor is the one every platform channel shares: see bots/shared/supervisor.ts. */
export * from "../shared/supervisor.js";
