import { describe, expect, it, vi } from 'vitest';

vi.mock('./config.js', () => ({
  TIMEZONE: 'UTC',
  AGENT_PROVIDER: 'claude',
}));

describe('with the default provider', () => {
  it('runs', async () => {
    const { TIMEZONE } = await import('./config.js');
    expect(TIMEZONE).toBe('UTC');
  });
});

describe('with another timezone', () => {
  vi.mock('./config.js', () => ({
    TIMEZONE: 'Europe/Paris',
  }));

  it('runs', async () => {
    const { TIMEZONE } = await import('./config.js');
    expect(TIMEZONE).toBeDefined();
  });
});
