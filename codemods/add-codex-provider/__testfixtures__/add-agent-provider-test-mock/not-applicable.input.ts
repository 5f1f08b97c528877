import { expect, it, vi } from 'vitest';

vi.mock('./env.js', () => ({
  readEnvFile: vi.fn(() => ({ ASSISTANT_NAME: 'Test' })),
}));

// A module whose name only looks like the config module.
vi.mock('./config-loader.js', () => ({
  loadConfig: vi.fn(() => ({})),
}));

// No factory: vitest automocks the real module, AGENT_PROVIDER included.
vi.mock('./config.js');

import { readEnvFile } from './env.js';

it('reads the mocked .env', () => {
  expect(readEnvFile(['ASSISTANT_NAME'])).toEqual({ ASSISTANT_NAME: 'Test' });
});
