import { expect, it, vi } from 'vitest';

vi.mock('./config.js', () => ({ TIMEZONE: 'UTC' }));

import { TIMEZONE } from './config.js';

it('mocks the timezone', () => {
  expect(TIMEZONE).toBe('UTC');
});
