import type { ProviderConfig } from '../../config/schema/provider-schema.js';

/** `provider: { kind: process, command: "node app.js", cwd, env, port: 9000, health: /health }` */
export type ProcessConfig = Extract<ProviderConfig, { kind: 'process' }>;

/** How long a started version has to answer its health URL. */
export const HEALTH_TIMEOUT_MS = 30_000;
