/** Small helpers shared by every part of the fake: Telegram-style errors and parameter coercion. */

/** Error thrown by method handlers; becomes `{ ok: false, error_code, description }`. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly description: string,
    readonly retryAfter?: number,
  ) {
    super(description);
  }
}

export const badRequest = (what: string) => new ApiError(400, `Bad Request: ${what}`);

export const nowSeconds = () => Math.floor(Date.now() / 1000);
export const clone = <T>(value: T): T => structuredClone(value);

export function canonicalName(method: string, handlers: Map<string, { name: string }>): string {
  return handlers.get(method.toLowerCase())?.name ?? method;
}

export function stringParam(value: unknown): string {
  return value === undefined || value === null ? "" : String(value);
}

export function numberParam(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value === "string" && /^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value);
  return undefined;
}

export function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
