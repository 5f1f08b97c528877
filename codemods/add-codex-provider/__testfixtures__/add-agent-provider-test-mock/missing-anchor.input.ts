import { expect, it, vi } from 'vitest';

import { configMock } from './test-utils.js';

vi.mock('./config.js', () => configMock);

import { TIMEZONE } from './config.js';

it('mocks the timezone', () => {
  expect(TIMEZONE).toBe('UTC');
});
