import { commandProvider } from './command/command-provider.js';
import { gitProvider } from './git/git-provider.js';
import { memoryProvider } from './memory/memory-provider.js';
import { netlifyProvider } from './netlify/netlify-provider.js';
import { processProvider } from './process/process-provider.js';
import { renderProvider } from './render/render-provider.js';
import { routerProvider } from './router/router-provider.js';
import { vercelProvider } from './vercel/vercel-provider.js';

/**
 * The one list of `provider:` kinds. `ripcord validate` builds its schema from it and `ripcord serve`
 * builds providers from it, so a kind is either here (and works) or refused by validation with this
 * list. Adding a platform is one folder plus one line here (docs/providers/adding-a-provider.md).
 */
export const providerDefinitions = [memoryProvider, commandProvider, gitProvider, routerProvider, processProvider, vercelProvider, netlifyProvider, renderProvider] as const;

export type ProviderDefinitions = typeof providerDefinitions;
