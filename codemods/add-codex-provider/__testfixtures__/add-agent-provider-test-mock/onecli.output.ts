import { spawn } from 'child_process';
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
  ONECLI_URL: 'http://localhost:10254',
  TIMEZONE: 'UTC',
  AGENT_PROVIDER: 'claude',
}));

// A gateway stand-in: the runner must await it and keep what it appends.
const { applyContainerConfig } = vi.hoisted(() => ({
  applyContainerConfig: vi.fn(
    async (
      args: string[],
      _options: { addHostMapping: boolean; agent?: string },
    ) => {
      args.push('-e', 'HTTPS_PROXY=http://host.docker.internal:10255');
      return true;
    },
  ),
}));

vi.mock('@onecli-sh/sdk', () => ({
  OneCLI: class {
    applyContainerConfig = applyContainerConfig;
  },
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

async function runOnce(folder: string) {
  const input = {
    prompt: 'hello',
    groupFolder: folder,
    chatJid: `${folder}@local`,
    isMain: folder === 'main',
  };
  const run = runContainerAgent({ name: folder, folder }, input, () => {});
  // buildContainerArgs awaits the gateway before the container is spawned.
  await vi.waitFor(() => expect(spawn).toHaveBeenCalled());
  fakeProcess.stdout.write(
    '---NANOCLAW_OUTPUT_START---{"status":"success","result":"hi"}---NANOCLAW_OUTPUT_END---',
  );
  await new Promise((resolve) => setImmediate(resolve));
  fakeProcess.emit('close', 0);
  return { input, output: await run };
}

function spawnArgs(): string[] {
  return vi.mocked(spawn).mock.calls.at(-1)![1] as string[];
}

describe('runContainerAgent', () => {
  beforeEach(() => {
    vi.mocked(spawn).mockClear();
    applyContainerConfig.mockClear();
    stdinChunks.length = 0;
    fakeProcess = Object.assign(new EventEmitter(), {
      stdin: new PassThrough(),
      stdout: new PassThrough(),
      stderr: new PassThrough(),
      kill: () => {},
    });
    fakeProcess.stdin.on('data', (chunk) => stdinChunks.push(String(chunk)));
  });

  it('sends the input on stdin without secrets and returns the marked output', async () => {
    const { input, output } = await runOnce('main');
    expect(output).toEqual({ status: 'success', result: 'hi' });
    const sent = JSON.parse(stdinChunks.join(''));
    expect(sent).toEqual(input);
    expect(sent).not.toHaveProperty('secrets');
  });

  it('applies the OneCLI gateway config before the image name', async () => {
    await runOnce('main');
    expect(applyContainerConfig).toHaveBeenCalledWith(expect.any(Array), {
      addHostMapping: false,
      agent: undefined,
    });
    const args = spawnArgs();
    const proxy = args.indexOf('HTTPS_PROXY=http://host.docker.internal:10255');
    expect(proxy).toBeGreaterThan(0);
    expect(proxy).toBeLessThan(args.indexOf('nanoclaw-agent:test'));
    expect(args.at(-1)).toBe('nanoclaw-agent:test');
  });

  it('gives a non-main group its own agent identity', async () => {
    await runOnce('Family_Chat');
    expect(applyContainerConfig).toHaveBeenCalledWith(expect.any(Array), {
      addHostMapping: false,
      agent: 'family-chat',
    });
  });
});
