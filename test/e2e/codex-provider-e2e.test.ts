/**
 * The whole point of add-codex-provider, end to end on the sample NanoClaw: apply
 * the skill (real install and build), then run the host as a user does
 * (`node dist/index.js --prompt ...`). The host spawns `docker`; a fake runtime
 * compiles and runs the group's mounted agent runner exactly as the container
 * would, fed the host's stdin JSON. Codex is a real SSE server on 127.0.0.1 and the
 * sign-in a real OAuth issuer on 127.0.0.1. Then remove the skill and see the
 * Claude path answer exactly as on a sample that never had it.
 */
import { execa } from 'execa';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { runCli } from '../helpers/cli.js';
import {
  createFakeContainerRuntime,
  type FakeContainerRuntime,
} from '../helpers/fake-container-runtime.js';
import {
  startFakeIssuer,
  type FakeIssuer,
  type SeededTokens,
} from '../helpers/fake-issuer.js';
import {
  startFakeResponsesServer,
  textReply,
  toolCallReply,
  type FakeResponsesServer,
  type RecordedRequest,
} from '../helpers/fake-responses-server.js';
import {
  createSampleCopy,
  sampleEnv,
  type SampleCopy,
} from '../helpers/sample.js';

const QUESTION = 'What is in notes.txt?';
const NOTES = 'Buy oat milk. Call the plumber on Tuesday.';
const ANSWER = 'notes.txt says: buy oat milk and call the plumber on Tuesday.';
const FOLLOW_UP = 'Which day was the plumber?';
const FOLLOW_UP_ANSWER = 'Tuesday, as your notes say.';
/** Set by the image, so the tool's `env` shows the credential filter at work. */
const IMAGE_ENV = { CODEX_MAX_RETRY_WAIT_SECONDS: '0' };

interface HostRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** The JSON log lines (stdout and stderr). */
  log: { level: number; msg: string; container?: string }[];
  /** What the host said in the chat: the `Andy: ...` lines. */
  said: string[];
  /** The agent container's stderr, as the host logged it. */
  containerLog: string[];
  ms: number;
}

let copy: SampleCopy;
let pristine: SampleCopy;
let target: string;
let codex: FakeResponsesServer;
let issuer: FakeIssuer;
let runtime: FakeContainerRuntime;
let seeded: SeededTokens;
/** The session the Codex provider started for the main group. */
let codexSessionId: string;
const timings: Record<string, number> = {};

const inTarget = (...parts: string[]) => path.join(target, ...parts);
const read = (file: string) => fs.readFileSync(file, 'utf8');

async function timed<T>(label: string, work: () => Promise<T>): Promise<T> {
  const started = Date.now();
  try {
    return await work();
  } finally {
    timings[label] = Date.now() - started;
  }
}

function writeTokens(tokens: SeededTokens): void {
  const { accessToken, refreshToken, accountId, expiresAt } = tokens;
  fs.writeFileSync(
    inTarget('data', 'codex-tokens.json'),
    `${JSON.stringify({ accessToken, refreshToken, accountId, expiresAt }, null, 2)}\n`,
    { mode: 0o600 },
  );
}

/** Append lines to .env and keep data/env/env in step, as NanoClaw's setup does. */
function addToEnv(dir: string, ...lines: string[]): void {
  const envFile = path.join(dir, '.env');
  const before = fs.existsSync(envFile) ? read(envFile) : '';
  const sep = before && !before.endsWith('\n') ? '\n' : '';
  fs.writeFileSync(envFile, `${before}${sep}${lines.join('\n')}\n`);
  fs.mkdirSync(path.join(dir, 'data', 'env'), { recursive: true });
  fs.copyFileSync(envFile, path.join(dir, 'data', 'env', 'env'));
}

/** Set KEY=value in .env (replacing its line) and sync data/env/env, as a user would. */
function setEnvLine(dir: string, key: string, value: string): void {
  const envFile = path.join(dir, '.env');
  const text = read(envFile).replace(
    new RegExp(`^${key}=.*$`, 'm'),
    `${key}=${value}`,
  );
  fs.writeFileSync(envFile, text);
  fs.copyFileSync(envFile, path.join(dir, 'data', 'env', 'env'));
}

/**
 * `node dist/index.js --prompt text` in `dir` (or another entry, e.g. tsx on
 * src/index.ts as `npm run dev` does), with the fake docker first on PATH.
 */
async function runHost(
  dir: string,
  prompt: string,
  entry: string[] = ['node', 'dist/index.js'],
): Promise<HostRun> {
  const env = Object.fromEntries(
    Object.entries(sampleEnv()).filter(
      ([key]) => !/^(AGENT_PROVIDER|CODEX_|ANTHROPIC_|CLAUDE_)/.test(key),
    ),
  );
  const started = Date.now();
  const [file, ...args] = entry;
  const result = await execa(file, [...args, '--prompt', prompt], {
    cwd: dir,
    env: {
      ...env,
      PATH: `${runtime.binDir}${path.delimiter}${process.env.PATH ?? ''}`,
      LOG_LEVEL: 'debug',
      CODEX_OAUTH_ISSUER: issuer.url,
    },
    extendEnv: false,
    reject: false,
    timeout: 90_000,
  });
  const stdout = String(result.stdout);
  const stderr = String(result.stderr);
  const log = `${stdout}\n${stderr}`
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line));
  return {
    exitCode: result.exitCode ?? -1,
    stdout,
    stderr,
    log,
    said: stdout.split('\n').filter((line) => line.startsWith('Andy: ')),
    containerLog: log
      .filter((entry) => entry.container === 'main')
      .map((entry) => entry.msg),
    ms: Date.now() - started,
  };
}

function describeRun(run: HostRun): string {
  return `exit ${run.exitCode}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;
}

function inputOf(request: RecordedRequest): any[] {
  return request.body.input as any[];
}

function outputFor(request: RecordedRequest, callId: string): string {
  const item = inputOf(request).find(
    (entry) =>
      entry.type === 'function_call_output' && entry.call_id === callId,
  );
  expect(item, `function_call_output for ${callId}`).toBeDefined();
  return item.output as string;
}

beforeAll(async () => {
  [copy, pristine, codex, issuer] = await Promise.all([
    createSampleCopy('base', { install: true, git: true }),
    createSampleCopy('base', { install: true }),
    startFakeResponsesServer(),
    startFakeIssuer(),
  ]);
  target = copy.dir;
  // A NanoClaw that has answered before keeps a copy of the old runner per group;
  // apply must clear it, or the group would go on running a runner without routing.
  fs.cpSync(
    inTarget('container', 'agent-runner', 'src'),
    inTarget('data', 'sessions', 'main', 'agent-runner-src'),
    { recursive: true },
  );

  const apply = await timed('apply (install + build)', () =>
    runCli('apply-skill', [
      'add-codex-provider',
      '--target',
      target,
      '--yes',
      '--skip-auth',
      '--no-restart',
      '--provider',
      'codex',
    ]),
  );
  expect(apply.exitCode, apply.stderr).toBe(0);
  await timed('build the never-applied sample', () =>
    execa('npm', ['run', 'build'], {
      cwd: pristine.dir,
      env: sampleEnv(),
      extendEnv: false,
    }),
  );

  runtime = await createFakeContainerRuntime({
    image: {
      agentRunnerDir: inTarget('container', 'agent-runner'),
      nodeModulesDir: inTarget('node_modules'),
      env: IMAGE_ENV,
    },
  });

  fs.writeFileSync(inTarget('groups', 'main', 'notes.txt'), `${NOTES}\n`);
  // apply --provider codex wrote AGENT_PROVIDER; the endpoint is the test server.
  addToEnv(target, `CODEX_API_URL=${codex.url}`);
  seeded = issuer.seedTokens(3600);
  writeTokens(seeded);
}, 300_000);

afterAll(async () => {
  await Promise.all([
    copy?.cleanup(),
    pristine?.cleanup(),
    codex?.close(),
    issuer?.close(),
    runtime?.cleanup(),
  ]);
  console.log(
    `codex-provider e2e timings (${runtime?.isolation} mounts): ${Object.entries(
      timings,
    )
      .map(([label, ms]) => `${label} ${(ms / 1000).toFixed(1)}s`)
      .join(', ')}`,
  );
});

describe('a NanoClaw with add-codex-provider answers through Codex', () => {
  it('apply chose codex in .env, synced it for containers and cleared the old runner copy', () => {
    expect(read(inTarget('.env'))).toMatch(/^AGENT_PROVIDER=codex$/m);
    expect(read(inTarget('data', 'env', 'env'))).toBe(read(inTarget('.env')));
    expect(
      fs.existsSync(inTarget('data', 'sessions', 'main', 'agent-runner-src')),
    ).toBe(false);
  });

  it('runs the agent with the codex provider: tool rounds in the container, the answer between markers', async () => {
    codex.reply(
      toolCallReply([
        {
          name: 'bash',
          callId: 'call_bash',
          arguments: {
            command:
              'echo tool-ran; echo from-the-container > made-by-tool.txt; env',
          },
        },
      ]),
      toolCallReply([
        {
          name: 'read_file',
          callId: 'call_read',
          arguments: { path: 'notes.txt' },
        },
      ]),
      textReply([
        'notes.txt says: buy oat milk ',
        'and call the plumber on Tuesday.',
      ]),
    );

    const run = await timed('first codex message', () =>
      runHost(target, QUESTION),
    );
    expect(run.exitCode, describeRun(run)).toBe(0);

    // The host chose the plugin, and the container routed to it.
    expect(run.log.map((entry) => entry.msg)).toContain('Using codex provider');
    expect(run.containerLog).toContain('[agent-runner] Using codex provider');
    expect(run.containerLog).not.toContain(
      '[agent-runner] Using claude provider',
    );
    const toolLines = run.containerLog.filter((line) =>
      line.includes('Tool call:'),
    );
    expect(toolLines).toEqual([
      '[agent-runner] Tool call: bash',
      '[agent-runner] Tool call: read_file',
    ]);
    expect(run.containerLog).toContain('[agent-runner] Codex run finished');

    // The one answer came between the output markers and reached the chat.
    expect(run.said).toEqual([`Andy: ${ANSWER}`]);

    // The container ran the group's copy of the runner with the plugin copied in.
    const [container] = runtime.runs();
    expect(runtime.runs()).toHaveLength(1);
    expect(container.exitCode).toBe(0);
    expect(container.image).toBe('nanoclaw-agent:latest');
    const runnerMount = container.mounts.find(
      (mount) => mount.containerPath === '/app/src',
    );
    expect(runnerMount?.hostPath).toBe(
      inTarget('data', 'sessions', 'main', 'agent-runner-src'),
    );
    expect(read(path.join(runnerMount!.hostPath, 'provider-codex.ts'))).toBe(
      read(inTarget('plugins', 'codex', 'provider-codex.ts')),
    );

    // Three rounds, each signed in with the seeded ChatGPT tokens.
    expect(codex.requests).toHaveLength(3);
    const sessionIds = new Set<string>();
    for (const request of codex.requests) {
      expect(request.method).toBe('POST');
      expect(request.path).toBe('/backend-api/codex/responses');
      expect(request.headers.authorization).toBe(
        `Bearer ${seeded.accessToken}`,
      );
      expect(request.headers['chatgpt-account-id']).toBe(seeded.accountId);
      expect(request.headers.originator).toBe('codex_cli_rs');
      expect(request.headers.accept).toBe('text/event-stream');
      sessionIds.add(String(request.headers.session_id));
    }
    expect(sessionIds.size).toBe(1);
    expect(issuer.tokenRequests('refresh_token')).toHaveLength(0);

    const [first, second, third] = codex.requests;
    expect(inputOf(first)).toEqual([
      {
        type: 'message',
        role: 'user',
        content: [{ type: 'input_text', text: QUESTION }],
      },
    ]);
    expect(first.body.tools.map((tool: { name: string }) => tool.name)).toEqual(
      ['bash', 'read_file', 'write_file', 'list_files'],
    );
    // The group's CLAUDE.md reached the model: the workspace is the group's folder.
    expect(first.body.instructions).toContain(
      read(inTarget('groups', 'main', 'CLAUDE.md')).trim(),
    );

    // The bash tool ran in the group folder, and without any credential.
    const bashOutput = outputFor(second, 'call_bash');
    expect(bashOutput).toMatch(/^tool-ran$/m);
    expect(bashOutput).toMatch(/\[exit code 0\]$/);
    expect(bashOutput).toMatch(/^NANOCLAW_WORKSPACE=/m);
    expect(bashOutput).not.toContain('CODEX_ACCESS_TOKEN');
    expect(bashOutput).not.toContain(seeded.accessToken);
    // Set in the container's environment, yet hidden from the tool.
    expect(bashOutput).not.toContain('CODEX_MAX_RETRY_WAIT_SECONDS');
    expect(read(inTarget('groups', 'main', 'made-by-tool.txt'))).toBe(
      'from-the-container\n',
    );
    expect(outputFor(third, 'call_read')).toContain(NOTES);

    // Secrets went by stdin only: never in the host's log.
    expect(run.stdout + run.stderr).not.toContain(seeded.accessToken);
    expect(run.stdout + run.stderr).not.toContain(seeded.refreshToken);

    // The host remembers the session, and the container saved the conversation
    // in the group's mounted .claude folder.
    const state = JSON.parse(read(inTarget('data', 'state.json')));
    // The host stores codex:<uuid>; the API sees the bare uuid, as the Codex CLI sends.
    expect(state.sessions.main).toMatch(/^codex:[0-9a-f-]{36}$/);
    expect(sessionIds).toEqual(
      new Set([state.sessions.main.slice('codex:'.length)]),
    );
    codexSessionId = state.sessions.main;
    expect(
      fs.existsSync(
        inTarget(
          'data',
          'sessions',
          'main',
          '.claude',
          'codex-sessions',
          `${state.sessions.main.slice('codex:'.length)}.json`,
        ),
      ),
    ).toBe(true);
  });

  it('answers a follow-up with the earlier conversation, refreshing an expiring token first', async () => {
    const sessionId = JSON.parse(read(inTarget('data', 'state.json'))).sessions
      .main as string;
    // Inside the 5-minute margin: the host must refresh before it hands a token out.
    const expiring = issuer.seedTokens(60);
    writeTokens(expiring);
    codex.reply(textReply(FOLLOW_UP_ANSWER));

    const run = await timed('follow-up codex message', () =>
      runHost(target, FOLLOW_UP),
    );
    expect(run.exitCode, describeRun(run)).toBe(0);
    expect(run.said).toEqual([`Andy: ${FOLLOW_UP_ANSWER}`]);
    expect(codex.requests).toHaveLength(4);

    const request = codex.requests[3];
    expect(request.headers.session_id).toBe(sessionId.slice('codex:'.length));
    const input = inputOf(request);
    const texts = input
      .filter((item) => item.type === 'message')
      .map((item) => `${item.role}: ${item.content[0].text}`);
    expect(texts).toEqual([
      `user: ${QUESTION}`,
      `assistant: ${ANSWER}`,
      `user: ${FOLLOW_UP}`,
    ]);
    // The earlier tool round is remembered too, but not its reasoning.
    expect(
      input
        .filter((item) => item.type === 'function_call')
        .map((item) => item.call_id),
    ).toEqual(['call_bash', 'call_read']);
    expect(input.some((item) => item.type === 'reasoning')).toBe(false);

    // The refreshed token, not the expiring one, went to Codex.
    expect(issuer.tokenRequests('refresh_token')).toHaveLength(1);
    const stored = JSON.parse(read(inTarget('data', 'codex-tokens.json')));
    expect(stored.accessToken).not.toBe(expiring.accessToken);
    expect(issuer.issuedSecrets()).toContain(stored.accessToken);
    expect(request.headers.authorization).toBe(`Bearer ${stored.accessToken}`);
    expect(JSON.parse(read(inTarget('data', 'state.json'))).sessions.main).toBe(
      sessionId,
    );
  });

  it('loads the plugin under npm run dev (tsx) too, and never a stray compiled host.js', async () => {
    // What a failed tsc leaves next to the sources; loading it would crash.
    const stray = inTarget('plugins', 'codex', 'host.js');
    fs.writeFileSync(stray, "throw new Error('stray host.js was loaded');\n");
    try {
      codex.reply(
        textReply('Answered under tsx.'),
        textReply('Answered compiled.'),
      );
      // Under tsx the loader must use plugins/codex/host.ts: hide the compiled one.
      fs.renameSync(
        inTarget('dist', 'plugins'),
        inTarget('dist', 'plugins.aside'),
      );
      const dev = await timed('codex message under tsx', () =>
        runHost(target, 'Via tsx?', [
          inTarget('node_modules', '.bin', 'tsx'),
          'src/index.ts',
        ]),
      );
      fs.renameSync(
        inTarget('dist', 'plugins.aside'),
        inTarget('dist', 'plugins'),
      );
      expect(dev.exitCode, describeRun(dev)).toBe(0);
      expect(dev.said).toEqual(['Andy: Answered under tsx.']);
      expect(dev.log.map((entry) => entry.msg)).toContain('Plugin loaded');
      expect(dev.log.map((entry) => entry.msg)).toContain(
        'Using codex provider',
      );

      const compiled = await timed('codex message compiled', () =>
        runHost(target, 'Compiled?'),
      );
      expect(compiled.exitCode, describeRun(compiled)).toBe(0);
      expect(compiled.said).toEqual(['Andy: Answered compiled.']);
      expect(
        `${dev.stdout}${dev.stderr}${compiled.stdout}${compiled.stderr}`,
      ).not.toContain('stray host.js was loaded');
    } finally {
      fs.rmSync(stray, { force: true });
    }
  });

  it('switching back to Claude while applied does not hand it the Codex session', async () => {
    expect(codexSessionId).toMatch(/^codex:/);
    setEnvLine(target, 'AGENT_PROVIDER', 'claude');
    addToEnv(target, 'ANTHROPIC_API_KEY=sk-test');
    const requestsBefore = codex.requests.length;

    const run = await timed('claude message while applied', () =>
      runHost(target, 'Back to Claude'),
    );
    expect(run.exitCode, describeRun(run)).toBe(0);
    expect(run.said[0]).toMatch(/^Andy: Claude received: Back to Claude/);
    expect(run.containerLog).toContain('[agent-runner] Using claude provider');
    expect(codex.requests).toHaveLength(requestsBefore);
    // The runner dropped the codex: id, so Claude started its own session.
    const state = JSON.parse(read(inTarget('data', 'state.json')));
    expect(state.sessions.main).not.toBe(codexSessionId);
    expect(state.sessions.main).toMatch(/^claude-/);
  });

  it('after remove-skill the Claude path answers exactly as on a sample that never had the skill', async () => {
    const remove = await timed('remove (uninstall + build)', () =>
      runCli('remove-skill', [
        'add-codex-provider',
        '--target',
        target,
        '--yes',
        '--no-restart',
      ]),
    );
    expect(remove.exitCode, remove.stderr).toBe(0);
    // Apply set the provider line, so remove took it out; our own lines stay.
    const env = read(inTarget('.env'));
    expect(env).not.toMatch(/AGENT_PROVIDER/);
    expect(env).toContain(`CODEX_API_URL=${codex.url}`);
    expect(read(inTarget('data', 'env', 'env'))).toBe(env);
    // Remove cleared the group's runner copy, so the next run copies the plain one.
    expect(
      fs.existsSync(inTarget('data', 'sessions', 'main', 'agent-runner-src')),
    ).toBe(false);
    expect(fs.existsSync(inTarget('dist', 'plugins'))).toBe(false);

    addToEnv(target, 'ANTHROPIC_API_KEY=sk-test');
    addToEnv(pristine.dir, 'ANTHROPIC_API_KEY=sk-test');
    const requestsBefore = codex.requests.length;
    const prompt = 'Hello again';

    const run = await timed('claude message after remove', () =>
      runHost(target, prompt),
    );
    const baseline = await timed(
      'claude message on a never-applied sample',
      () => runHost(pristine.dir, prompt),
    );
    expect(run.exitCode, describeRun(run)).toBe(0);
    expect(baseline.exitCode, describeRun(baseline)).toBe(0);

    expect(run.said).toHaveLength(1);
    expect(run.said[0]).toMatch(/^Andy: Claude received: Hello again \(/);
    expect(run.said).toEqual(baseline.said);
    expect(run.containerLog).toContain('[agent-runner] Using claude provider');
    expect(run.containerLog).toEqual(baseline.containerLog);
    expect(run.log.map((entry) => entry.msg)).not.toContain(
      'Using codex provider',
    );
    expect(run.log.map((entry) => entry.msg)).toEqual(
      baseline.log.map((entry) => entry.msg),
    );
    expect(codex.requests).toHaveLength(requestsBefore);

    // The container ran the plain runner, with no provider file left in it.
    const runnerCopy = inTarget('data', 'sessions', 'main', 'agent-runner-src');
    expect(fs.readdirSync(runnerCopy).sort()).toEqual(
      fs.readdirSync(inTarget('container', 'agent-runner', 'src')).sort(),
    );
    expect(runtime.runs().at(-1)?.exitCode).toBe(0);
  });
});
