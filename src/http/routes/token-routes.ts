import { z } from 'zod';
import { ROLES } from '../../auth/roles.js';
import type { TokenService } from '../../auth/token-service.js';
import { defineRoute } from '../api-route.js';
import { covers } from '../authorization.js';
import { nameField } from './api-schemas.js';

const tokenSchema = z.object({
  id: z.string(),
  name: z.string(),
  role: z.enum(ROLES),
  environments: z.array(z.string()).optional(),
  prefix: z.string(),
  createdBy: z.string(),
  createdAt: z.string(),
  revokedAt: z.string().optional(),
  lastUsedAt: z.string().optional(),
});

export function tokenRoutes(deps: { tokens: TokenService }) {
  return [
    defineRoute({
      method: 'POST',
      path: '/api/v1/tokens',
      summary: 'Create an API token; the secret is in this answer and never again',
      tag: 'tokens',
      role: 'admin',
      // A token mints only within itself: every environment the new token names must be one of its own.
      acts: { on: 'environments', named: ({ body }) => (body as { environments?: string[] }).environments ?? 'all' },
      body: z.strictObject({
        name: nameField,
        role: z.enum(ROLES),
        environments: z.array(nameField).min(1).optional(),
      }),
      response: z.object({ token: tokenSchema, secret: z.string() }),
      status: 201,
      handler: async ({ body, actor }) => deps.tokens.create(body, actor),
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/tokens',
      summary: 'List tokens (names, roles, prefixes; never the secrets)',
      tag: 'tokens',
      role: 'admin',
      acts: { on: 'list' },
      response: z.object({ tokens: z.array(tokenSchema) }),
      handler: async ({ scope }) => ({ tokens: (await deps.tokens.list()).filter((token) => !scope || covers({ environments: scope }, token.environments ?? 'all')) }),
    }),
    defineRoute({
      method: 'DELETE',
      path: '/api/v1/tokens/{id}',
      summary: 'Revoke a token by id or name',
      tag: 'tokens',
      role: 'admin',
      acts: { on: 'token', param: 'id' },
      params: z.strictObject({ id: z.string().min(1).max(100) }),
      response: z.object({ revoked: z.string() }),
      handler: async ({ params, actor }) => {
        await deps.tokens.revoke(params.id, actor);
        return { revoked: params.id };
      },
    }),
  ];
}
