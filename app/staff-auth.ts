/**
 * Staff authentication for HTTP routes (admin pages, exports, QR codes, the statistics API).
 *
 * A staff token is signed with the app secret: `v2.<residentId>.<epoch>.<expires>.<mac>`. The
 * signature check here is pure; the holder is read from the store on every request anyway (for
 * the role), and that read also compares the token's epoch with the person's `sessionEpoch`
 * ({@link holdsSession}). Sign-out, `anxin staff revoke` and any role change raise the epoch, so
 * every token of that person stops working at once without a session table (docs/security.md).
 * Tokens come as `Authorization: Bearer …` or the HTTP-only cookie `anxin_staff`.
 *
 * A leaflet pass ({@link issueLeafletPass}) is a different, narrow credential for a link: it opens
 * one officer's leaflet and QR code in one region and nothing else.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { ResidentRecord, Role } from "../core/model/index.js";
import { hasRole } from "../core/model/roles.js";

export { hasRole };

/** Name of the staff session cookie. */
export const STAFF_COOKIE = "anxin_staff";

/** How long a leaflet pass lasts by default: long enough to print a week's leaflets, short enough to forget. */
export const LEAFLET_PASS_TTL_MS = 7 * 24 * 3600 * 1000;

// The purpose is part of every MAC, so a value signed for one purpose can never pass for another.
function mac(secret: string, purpose: "staff" | "leaflet", body: string): string {
  return createHmac("sha256", secret).update(`${purpose}:${body}`).digest("base64url").slice(0, 32);
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Who a staff token is for: the person and the session epoch it was issued under. */
export interface StaffHolder {
  id: string;
  sessionEpoch: number;
}

/** What a valid staff token says. */
export interface StaffClaims {
  residentId: string;
  epoch: number;
  /** When the token expires. */
  expiresAt: Date;
}

/** Issues a token for a staff member under their current session epoch, valid for `ttlMs` (default 30 days). */
export function issueStaffToken(secret: string, holder: StaffHolder, now: Date, ttlMs = 30 * 24 * 3600 * 1000): string {
  const body = `v2.${holder.id}.${holder.sessionEpoch}.${Math.floor((now.getTime() + ttlMs) / 1000)}`;
  return `${body}.${mac(secret, "staff", body)}`;
}

/** The claims of a well-signed, unexpired token, else null. Says nothing of revocation: see {@link holdsSession}. */
export function verifyStaffToken(secret: string, token: string, now: Date): StaffClaims | null {
  if (token.length > 300) return null;
  const parts = token.split(".");
  if (parts.length !== 5 || parts[0] !== "v2") return null;
  const [, residentId, epoch, expires, signature] = parts as [string, string, string, string, string];
  if (!sameText(signature, mac(secret, "staff", parts.slice(0, 4).join(".")))) return null;
  if (!/^\d{1,9}$/.test(epoch) || !/^\d{1,12}$/.test(expires) || Number(expires) * 1000 < now.getTime()) return null;
  return { residentId, epoch: Number(epoch), expiresAt: new Date(Number(expires) * 1000) };
}

/** Is this (freshly read) person still the holder of a session the claims name: not erased, not signed out or revoked since? */
export function holdsSession(claims: { residentId: string; epoch: number }, person: { id: string; sessionEpoch: number; deletedAt?: Date | null } | null): boolean {
  return person !== null && !person.deletedAt && person.id === claims.residentId && person.sessionEpoch === claims.epoch;
}

/** What a leaflet pass allows: one officer's leaflet in one region, asked for by `staffId`. */
export interface LeafletPass {
  staffId: string;
  officerId: string;
  regionCode: string;
  /** The staff member's session epoch when it was issued: revoking them ends their passes too. */
  epoch: number;
  expiresAt: Date;
}

/** Issues a leaflet pass (`lp1.<payload>.<mac>`), valid for `ttlMs` (default 7 days). */
export function issueLeafletPass(secret: string, scope: { staff: StaffHolder; officerId: string; regionCode: string }, now: Date, ttlMs = LEAFLET_PASS_TTL_MS): string {
  const payload = Buffer.from(JSON.stringify([scope.staff.id, scope.officerId, scope.regionCode, scope.staff.sessionEpoch, Math.floor((now.getTime() + ttlMs) / 1000)])).toString("base64url");
  const body = `lp1.${payload}`;
  return `${body}.${mac(secret, "leaflet", body)}`;
}

/** The scope of a well-signed, unexpired leaflet pass, else null. */
export function verifyLeafletPass(secret: string, pass: string, now: Date): LeafletPass | null {
  if (pass.length > 600) return null;
  const parts = pass.split(".");
  if (parts.length !== 3 || parts[0] !== "lp1") return null;
  const [, payload, signature] = parts as [string, string, string];
  if (!sameText(signature, mac(secret, "leaflet", `lp1.${payload}`))) return null;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
  } catch {
    return null;
  }
  if (!Array.isArray(value) || value.length !== 5) return null;
  const [staffId, officerId, regionCode, epoch, expires] = value as unknown[];
  if (typeof staffId !== "string" || typeof officerId !== "string" || typeof regionCode !== "string") return null;
  if (!Number.isInteger(epoch) || !Number.isInteger(expires) || (expires as number) * 1000 < now.getTime()) return null;
  return { staffId, officerId, regionCode, epoch: epoch as number, expiresAt: new Date((expires as number) * 1000) };
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
 * A fastify preHandler that admits staff of at least `needed` role: 401 without a valid token
 * (or one of an ended session), 403 for a resident or an officer where an admin is needed. The token's holder is looked up by
 * `staffMember` on every request; the staff member is put on `request.staff`.
 */
export function requireRole(staffMember: StaffLookup, secret: string, needed: Role, now: () => Date = () => new Date()) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const token = tokenOf(request);
    const claims = token ? verifyStaffToken(secret, token, now()) : null;
    const resident = claims ? await staffMember(claims.residentId) : null;
    if (!claims || !resident || !holdsSession(claims, resident)) {
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
