/**
 * What every part of the store shares: the Prisma client, which backend it runs on and where the
 * database is (see ../store.ts, which opens it), and the small helpers for the JSON text columns
 * and Prisma's errors.
 */
import { Prisma, type PrismaClient } from "../generated/sqlite/client.ts";
import type { DatabaseTarget } from "../database-url.js";

/** The Prisma client (the PostgreSQL one is typed as the SQLite one: see ../store.ts). */
export type Client = InstanceType<typeof PrismaClient>;
export type Tx = Prisma.TransactionClient;

/** One database, as every aggregate's tables of the store see it. */
export interface StoreContext {
  readonly client: Client;
  /** Which backend this store runs on. */
  readonly provider: DatabaseTarget["provider"];
  /** Where the database is, for bulk reads that bypass Prisma (streamResponses, streamSuggestions). */
  readonly target?: DatabaseTarget;
}

export const json = (value: unknown): string => JSON.stringify(value);
export const parse = <T>(text: string, fallback: T): T => {
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
};

export function isUniqueViolation(error: unknown): boolean {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return false;
  if (error.code === "P2002") return true;
  // Raw statements report the driver's error instead (used on the per-message hot path).
  const cause = (error.meta as { driverAdapterError?: { cause?: { kind?: string } } } | undefined)?.driverAdapterError?.cause;
  return error.code === "P2010" && cause?.kind === "UniqueConstraintViolation";
}
