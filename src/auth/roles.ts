/**
 * People and automation get one role each. viewer ⊂ operator ⊂ admin; `ingest` and `flags` are narrow
 * roles for apps: an app's token may push request outcomes (ingest) or read its flags (flags), nothing else.
 */
export const ROLES = ['viewer', 'operator', 'admin', 'ingest', 'flags'] as const;
export type Role = (typeof ROLES)[number];

const GRANTS: Record<Role, readonly Role[]> = {
  viewer: ['viewer'],
  operator: ['viewer', 'operator'],
  admin: ['viewer', 'operator', 'admin'],
  ingest: ['ingest'],
  flags: ['flags'],
};

export function roleAllows(role: Role, required: Role): boolean {
  return GRANTS[role].includes(required);
}

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}
