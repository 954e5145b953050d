/** Staff roles and what each may do. */
import type { Role } from "./residents.js";

const RANK: Record<Role, number> = { resident: 0, officer: 1, admin: 2 };

/** True when `role` is at least `needed` (admins may do what officers may). */
export function hasRole(role: Role, needed: Role): boolean {
  return RANK[role] >= RANK[needed];
}
