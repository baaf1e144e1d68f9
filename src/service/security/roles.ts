// Roles, lowest first: each includes what the ones below it may do (read < trade < operator < admin). A route names
// the least role it needs in `config.role`; `public` routes need no key at all.

export const ROLES = ['read', 'trade', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** What a route may declare: a role, or `public` (no key). */
export type RouteRole = Role | 'public';

/** Where a route's request names the account it touches (checked against the key's scope). */
export type AccountLocation = 'params.id' | 'body.account';

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function isRouteRole(value: unknown): value is RouteRole {
  return value === 'public' || isRole(value);
}

/** Whether a key of role `held` may call a route that needs `needed`. */
export function roleAllows(held: Role, needed: Role): boolean {
  return ROLES.indexOf(held) >= ROLES.indexOf(needed);
}
