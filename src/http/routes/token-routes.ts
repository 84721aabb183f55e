import { z } from 'zod';
import { ROLES } from '../../auth/roles.js';
import type { TokenService } from '../../auth/token-service.js';
import { defineRoute } from '../api-route.js';
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
      response: z.object({ tokens: z.array(tokenSchema) }),
      handler: async () => ({ tokens: await deps.tokens.list() }),
    }),
    defineRoute({
      method: 'DELETE',
      path: '/api/v1/tokens/{id}',
      summary: 'Revoke a token by id or name',
      tag: 'tokens',
      role: 'admin',
      params: z.strictObject({ id: z.string().min(1).max(100) }),
      response: z.object({ revoked: z.string() }),
      handler: async ({ params, actor }) => {
        await deps.tokens.revoke(params.id, actor);
        return { revoked: params.id };
      },
    }),
  ];
}
