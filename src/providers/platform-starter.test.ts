import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load-config.js';
import { platformStarterConfig, starterPlatforms } from './platform-starter.js';

const env = { VERCEL_TOKEN: 'v-token-1234', NETLIFY_AUTH_TOKEN: 'n-token-1234', RENDER_API_KEY: 'r-key-1234' };

describe('ripcord init --platform', () => {
  it('offers the three platforms, each starter valid and acting through that platform', () => {
    expect(starterPlatforms()).toEqual(['vercel', 'netlify', 'render']);
    for (const kind of starterPlatforms()) {
      const text = platformStarterConfig(kind, 'shop');
      const result = parseConfig(text, 'ripcord.yaml', env);
      expect(result.ok, `${kind}: ${JSON.stringify(!result.ok && result.problems)}`).toBe(true);
      if (result.ok) expect(result.config.environments.production?.provider?.kind).toBe(kind);
      expect(text).not.toContain('kind: command');
      expect(text).toContain(`docs/providers/${kind}.md`);
    }
  });

  it('refuses a platform without a starter by name, listing the ones it has', () => {
    expect(() => platformStarterConfig('heroku', 'shop')).toThrow('no starter for "heroku" (platforms: vercel, netlify, render)');
  });
});
