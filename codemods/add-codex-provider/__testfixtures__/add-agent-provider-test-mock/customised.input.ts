import { describe, expect, it, vi } from 'vitest';

vi.mock('./config.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('./config.js')>();
  return {
    ...actual,
    DATA_DIR: '/tmp/nanoclaw-test/data',
    GROUPS_DIR: '/tmp/nanoclaw-test/groups', // keep tests off the real groups
  };
});

vi.mock('./env.js', () => ({
  readEnvFile: vi.fn(() => ({ ASSISTANT_NAME: 'Test' })),
}));

vi.mock('./config-loader.js', () => ({
  loadConfig: vi.fn(() => ({})),
}));

import { DATA_DIR } from './config.js';

describe('config', () => {
  it('uses the test data folder', () => {
    expect(DATA_DIR).toBe('/tmp/nanoclaw-test/data');
  });
});
