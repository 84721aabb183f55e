/** ripcord as a library: the pieces a platform team embeds or scripts against. */
export { type App, type AppOptions, createApp, listen } from './app.js';
export { type ConfigResult, loadConfigFile, parseConfig, requireConfig } from './config/load-config.js';
export type { EnvironmentPlan, RipcordConfig } from './config/ripcord-config.js';
export { configJsonSchema } from './config/json-schema.js';
export { type ErrorCode, RipcordError } from './core/errors.js';
export { Ledger, type RecordReleaseInput } from './deployments/ledger.js';
export type { Release, ReleaseDetails, ReleaseStatus, Snapshot } from './deployments/release.js';
export { openStore, type Store } from './store/open-store.js';
