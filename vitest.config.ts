import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The sample NanoClaw's own tests run inside its copies, with its own config.
    exclude: ['test/fixtures/**', 'node_modules/**', '.demo/**'],
    globalSetup: ['test/global-setup.ts'],
    // End-to-end tests build real TypeScript projects; two cores cannot run many at once.
    maxWorkers: 2,
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});
