import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'examples/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: files run in parallel, two at a time.
    maxWorkers: 2,
    // Servers started by tests (in process or spawned) seal their signing keys with this, instead of
    // making a key file in the home directory of whoever runs the tests.
    env: { RIPCORD_SECRET_KEY: '7e57'.repeat(16) },
  },
});
