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

/** An import touches tens of thousands of rows: far beyond Prisma's default 5 s for an interactive transaction. */
const IMPORT_TIMEOUT_MS = 10 * 60_000;

/** Thrown inside a dry run's transaction to roll it back, carrying what it would have done. */
class DryRunRollback<T> extends Error {
  constructor(readonly result: T) {
    super("dry run: rolled back");
  }
}

/**
 * Runs a bulk import in one long transaction; with `dryRun` everything is rolled back and only
 * what it would have done is returned (the counts `work` computed).
 */
export async function importTransaction<T>(client: Client, dryRun: boolean | undefined, work: (tx: Tx) => Promise<T>): Promise<T> {
  try {
    return await client.$transaction(
      async (tx) => {
        const result = await work(tx);
        if (dryRun) throw new DryRunRollback(result);
        return result;
      },
      { timeout: IMPORT_TIMEOUT_MS, maxWait: 60_000 },
    );
  } catch (error) {
    if (error instanceof DryRunRollback) return error.result as T;
    throw error;
  }
}

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
