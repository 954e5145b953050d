/**
 * Staff authentication for HTTP routes (admin pages, exports, QR codes, the statistics API).
 *
 * A staff token is stateless and signed with the app secret: `v1.<residentId>.<expires>.<mac>`.
 * The role is read from the store on every request, so demoting or revoking someone takes effect
 * at once without revoking tokens. Tokens come as `Authorization: Bearer …` or the HTTP-only
 * cookie `anxin_staff` (set by the login link).
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { ResidentRecord, Role } from "../core/model/index.js";
import { hasRole } from "../core/model/roles.js";

export { hasRole };

/** Name of the staff session cookie. */
export const STAFF_COOKIE = "anxin_staff";

function mac(secret: string, body: string): string {
  return createHmac("sha256", secret).update(`staff:${body}`).digest("base64url").slice(0, 32);
}

/** Issues a token for a staff member, valid for `ttlMs` (default 30 days). */
export function issueStaffToken(secret: string, residentId: string, now: Date, ttlMs = 30 * 24 * 3600 * 1000): string {
  const body = `v1.${residentId}.${Math.floor((now.getTime() + ttlMs) / 1000)}`;
  return `${body}.${mac(secret, body)}`;
}

/** The resident id in a valid, unexpired token, else null. */
export function verifyStaffToken(secret: string, token: string, now: Date): string | null {
  const parts = token.split(".");
  if (parts.length !== 4 || parts[0] !== "v1") return null;
  const [version, residentId, expires, signature] = parts as [string, string, string, string];
  const expected = Buffer.from(mac(secret, `${version}.${residentId}.${expires}`));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  if (!/^\d+$/.test(expires) || Number(expires) * 1000 < now.getTime()) return null;
  return residentId;
}

/** The bearer token or staff cookie of a request, if any. */
export function tokenOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header?.startsWith("Bearer ")) return header.slice("Bearer ".length).trim();
  const cookies = (request as FastifyRequest & { cookies?: Record<string, string | undefined> }).cookies;
  return cookies?.[STAFF_COOKIE];
}


/** The resident with this id (a token's holder), or null: e.g. the admin service's `staffMember`. */
export type StaffLookup = (residentId: string) => Promise<ResidentRecord | null>;

/**
 * A fastify preHandler that admits staff of at least `needed` role: 401 without a valid token,
 * 403 for a resident or an officer where an admin is needed. The token's holder is looked up by
 * `staffMember` on every request; the staff member is put on `request.staff`.
 */
export function requireRole(staffMember: StaffLookup, secret: string, needed: Role, now: () => Date = () => new Date()) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const token = tokenOf(request);
    const residentId = token ? verifyStaffToken(secret, token, now()) : null;
    const resident = residentId ? await staffMember(residentId) : null;
    if (!resident || resident.deletedAt) {
      await reply.code(401).header("www-authenticate", "Bearer").send({ error: "unauthorized", message: "sign in with a staff token" });
      return;
    }
    if (!hasRole(resident.role, needed)) {
      await reply.code(403).send({ error: "forbidden", message: `this needs the ${needed} role` });
      return;
    }
    (request as StaffRequest).staff = resident;
  };
}

/** A request that passed {@link requireRole}. */
export type StaffRequest = FastifyRequest & { staff?: ResidentRecord };
