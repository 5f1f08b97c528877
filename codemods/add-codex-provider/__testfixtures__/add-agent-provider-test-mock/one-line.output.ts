import { expect, it, vi } from 'vitest';

vi.mock('./config.js', () => ({ TIMEZONE: 'UTC', AGENT_PROVIDER: 'claude' }));

import { TIMEZONE } from './config.js';

it('mocks the timezone', () => {
  expect(TIMEZONE).toBe('UTC');
});
