import { vi } from 'vitest';

// Mock config with every export the runner (and what it imports) may read.
vi.mock('./config.js', () => ({
  ASSISTANT_NAME: 'Andy',
  ASSISTANT_HAS_OWN_NUMBER: false,
  POLL_INTERVAL: 2000,
  STORE_DIR: '/tmp/nanoclaw-test/store',
  GROUPS_DIR: '/tmp/nanoclaw-test/groups',
  DATA_DIR: '/tmp/nanoclaw-test/data',
  MAIN_GROUP_FOLDER: 'main',
  CONTAINER_IMAGE: 'nanoclaw-agent:test',
  CONTAINER_TIMEOUT: 1800000,
  IDLE_TIMEOUT: 1800000,
  TIMEZONE: 'UTC',
}));
