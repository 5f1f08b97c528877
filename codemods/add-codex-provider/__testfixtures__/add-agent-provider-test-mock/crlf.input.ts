import { EventEmitter } from 'events';
import { PassThrough } from 'stream';
import { beforeEach, describe, expect, it, vi } from 'vitest';

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

vi.mock('./env.js', () => ({
  readEnvFile: vi.fn(() => ({ ANTHROPIC_API_KEY: 'sk-test' })),
}));

const stdinChunks: string[] = [];
let fakeProcess: EventEmitter & {
  stdin: PassThrough;
  stdout: PassThrough;
  stderr: PassThrough;
  kill: () => void;
};

vi.mock('child_process', () => ({
  spawn: vi.fn(() => fakeProcess),
}));

import { runContainerAgent } from './container-runner.js';

describe('runContainerAgent', () => {
  beforeEach(() => {
    stdinChunks.length = 0;
    fakeProcess = Object.assign(new EventEmitter(), {
      stdin: new PassThrough(),
      stdout: new PassThrough(),
      stderr: new PassThrough(),
      kill: () => {},
    });
    fakeProcess.stdin.on('data', (chunk) => stdinChunks.push(String(chunk)));
  });

  it('sends secrets on stdin and returns the marked output', async () => {
    const input = {
      prompt: 'hello',
      groupFolder: 'main',
      chatJid: 'main@local',
      isMain: true,
    };
    const run = runContainerAgent(
      { name: 'main', folder: 'main' },
      input,
      () => {},
    );
    await new Promise((resolve) => setImmediate(resolve));
    fakeProcess.stdout.write(
      '---NANOCLAW_OUTPUT_START---{"status":"success","result":"hi"}---NANOCLAW_OUTPUT_END---',
    );
    await new Promise((resolve) => setImmediate(resolve));
    fakeProcess.emit('close', 0);

    const output = await run;
    expect(output).toEqual({ status: 'success', result: 'hi' });
    const sent = JSON.parse(stdinChunks.join(''));
    expect(sent.secrets).toEqual({ ANTHROPIC_API_KEY: 'sk-test' });
    expect(input).not.toHaveProperty('secrets');
  });
});
