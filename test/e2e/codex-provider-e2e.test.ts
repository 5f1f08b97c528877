/**
 * The whole point of add-codex-provider, end to end on the sample NanoClaw: apply
 * the skill (real install and build), then run the host as a user does. The host
 * spawns `docker`; a fake runtime compiles and runs the group's mounted agent
 * runner exactly as the container would, fed the host's stdin JSON. Codex is a
 * strict fake backend on 127.0.0.1 (catalog, User-Agent, phases, no item ids,
 * store:false) and the sign-in a real OAuth issuer on 127.0.0.1. Then remove the
 * skill and see the Claude path answer exactly as on a sample that never had it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { runCli } from '../helpers/cli.js';
import {
  addToEnv,
  describeRun,
  hostEnv,
  runHost,
  setEnvLine,
  startChat,
  writeTokenFile,
} from '../helpers/codex-host.js';
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
  createGate,
  phasedReply,
  startFakeResponsesServer,
  textReply,
  toolCallReply,
  type FakeResponsesServer,
  type RecordedRequest,
} from '../helpers/fake-responses-server.js';
import {
  createSampleCopy,
  tokenFileFor,
  type SampleCopy,
} from '../helpers/sample.js';

const QUESTION = 'What is in notes.txt?';
const NOTES = 'Buy oat milk. Call the plumber on Tuesday.';
const COMMENTARY = 'Let me look at your notes first.';
const ANSWER = 'notes.txt says: buy oat milk and call the plumber on Tuesday.';
const FOLLOW_UP = 'Which day was the plumber?';
const FOLLOW_UP_ANSWER = 'Tuesday, as your notes say.';
/** Set by the image, so the tool's `env` shows the credential filter at work. */
const IMAGE_ENV = { CODEX_MAX_RETRY_WAIT_SECONDS: '0' };

let copy: SampleCopy;
let pristine: SampleCopy;
let target: string;
let codex: FakeResponsesServer;
let issuer: FakeIssuer;
let runtime: FakeContainerRuntime;
let seeded: SeededTokens;
let tokenFile: string;
let codexSessionId: string;

const inTarget = (...parts: string[]) => path.join(target, ...parts);
const read = (file: string) => fs.readFileSync(file, 'utf8');
const env = () =>
  hostEnv(runtime, {
    CODEX_OAUTH_ISSUER: issuer.url,
    CODEX_TOKEN_FILE: tokenFile,
  });
const inputOf = (request: RecordedRequest) => request.body.input as any[];

/** Poll until `condition` holds (at most a minute). */
async function until(condition: () => boolean): Promise<void> {
  const giveUpAt = Date.now() + 60_000;
  while (!condition()) {
    if (Date.now() > giveUpAt) throw new Error('condition never held');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
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
    // A user's checkout is built and running before the skill comes (remove keeps that build).
    createSampleCopy('base', { build: true, git: true, memoTsc: true }),
    createSampleCopy('base', { build: true, memoTsc: true }),
    startFakeResponsesServer(),
    startFakeIssuer(),
  ]);
  target = copy.dir;
  tokenFile = tokenFileFor(target);
  // A NanoClaw that has answered before keeps a copy of the old runner per group;
  // apply must clear it, or the group would go on running a runner without routing.
  fs.cpSync(
    inTarget('container', 'agent-runner', 'src'),
    inTarget('data', 'sessions', 'main', 'agent-runner-src'),
    { recursive: true },
  );

  const apply = await runCli(
    'apply-skill',
    [
      'add-codex-provider',
      '--target',
      target,
      '--yes',
      '--skip-auth',
      '--no-restart',
      '--provider',
      'codex',
    ],
    { env: { CODEX_TOKEN_FILE: tokenFile } },
  );
  expect(apply.exitCode, apply.stderr).toBe(0);

  runtime = await createFakeContainerRuntime({
    image: {
      agentRunnerDir: inTarget('container', 'agent-runner'),
      nodeModulesDir: inTarget('node_modules'),
      env: IMAGE_ENV,
    },
  });
  fs.writeFileSync(inTarget('groups', 'main', 'notes.txt'), `${NOTES}\n`);
  addToEnv(target, `CODEX_API_URL=${codex.url}`);
  // Signed in by an older version: the tokens still lie inside the checkout.
  seeded = issuer.seedTokens(3600);
  writeTokenFile(inTarget('data', 'codex-tokens.json'), seeded);
}, 300_000);

afterAll(async () => {
  await Promise.all([
    copy?.cleanup(),
    pristine?.cleanup(),
    codex?.close(),
    issuer?.close(),
    runtime?.cleanup(),
  ]);
});

describe('a NanoClaw with add-codex-provider answers through Codex', () => {
  it('apply chose codex in .env, synced it for containers and cleared the old runner copy', () => {
    expect(read(inTarget('.env'))).toMatch(/^AGENT_PROVIDER=codex$/m);
    expect(read(inTarget('data', 'env', 'env'))).toBe(read(inTarget('.env')));
    expect(
      fs.existsSync(inTarget('data', 'sessions', 'main', 'agent-runner-src')),
    ).toBe(false);
  });

  it('answers with tool rounds in the container; commentary stays in the log, the final answer reaches the chat', async () => {
    codex.reply(
      phasedReply({
        commentary: COMMENTARY,
        calls: [
          {
            name: 'bash',
            callId: 'call_bash',
            arguments: {
              command:
                'echo tool-ran; echo from-the-container > made-by-tool.txt; env',
            },
          },
        ],
      }),
      toolCallReply([
        {
          name: 'read_file',
          callId: 'call_read',
          arguments: { path: 'notes.txt' },
        },
      ]),
      textReply(
        ['notes.txt says: buy oat milk ', 'and call the plumber on Tuesday.'],
        {
          phase: 'final_answer',
        },
      ),
    );

    const run = await runHost(target, env(), QUESTION);
    expect(run.exitCode, describeRun(run)).toBe(0);
    expect(run.log.map((entry) => entry.msg)).toContain('Using codex provider');
    expect(run.containerLog).toContain('[agent-runner] Using codex provider');
    expect(
      run.containerLog.filter((line) => line.includes('Tool call:')),
    ).toEqual([
      '[agent-runner] Tool call: bash',
      '[agent-runner] Tool call: read_file',
    ]);
    // Only the final answer is said; the commentary went to the log.
    expect(run.said).toEqual([`Andy: ${ANSWER}`]);
    expect(run.containerLog.join('\n')).toContain(COMMENTARY);

    // The container ran the group's runner copy with the plugin's folder copied in.
    const [container] = runtime.runs();
    expect(runtime.runs()).toHaveLength(1);
    expect(container.exitCode).toBe(0);
    const runnerMount = container.mounts.find(
      (mount) => mount.containerPath === '/app/src',
    );
    expect(runnerMount?.hostPath).toBe(
      inTarget('data', 'sessions', 'main', 'agent-runner-src'),
    );
    expect(read(path.join(runnerMount!.hostPath, 'provider-codex.ts'))).toBe(
      read(inTarget('plugins', 'codex', 'container', 'provider-codex.ts')),
    );

    // The host asked the backend's catalog, as the Codex CLI does.
    expect(codex.catalogRequests.length).toBeGreaterThan(0);
    expect(codex.catalogRequests[0].path).toMatch(
      /^\/backend-api\/codex\/models\?client_version=\d+\.\d+\.\d+$/,
    );
    // Three rounds, each accepted by the strict backend.
    expect(codex.requests).toHaveLength(3);
    for (const request of codex.requests) {
      expect(request.rejected).toBeUndefined();
      expect(request.headers.authorization).toBe(
        `Bearer ${seeded.accessToken}`,
      );
      expect(request.headers['chatgpt-account-id']).toBe(seeded.accountId);
      expect(request.headers.originator).toBe('nanoclaw');
      expect(request.headers['user-agent']).toMatch(/^nanoclaw-codex\//);
      expect(request.body.model).toBe('gpt-5.6-sol');
      expect(request.body.store).toBe(false);
    }
    const [first, second, third] = codex.requests;
    expect(
      inputOf(first).some(
        (item) => item.type === 'message' && item.content[0]?.text === QUESTION,
      ),
    ).toBe(true);
    expect(first.body.instructions).toContain(
      read(inTarget('groups', 'main', 'CLAUDE.md')).trim(),
    );
    // The commentary is replayed with its phase, without an id.
    const replayed = inputOf(second).find((item) => item.role === 'assistant');
    expect(replayed).toMatchObject({ phase: 'commentary' });
    expect(replayed.id).toBeUndefined();

    const bashOutput = outputFor(second, 'call_bash');
    expect(bashOutput).toMatch(/^tool-ran$/m);
    expect(bashOutput).not.toContain(seeded.accessToken);
    expect(bashOutput).not.toContain('CODEX_MAX_RETRY_WAIT_SECONDS');
    expect(read(inTarget('groups', 'main', 'made-by-tool.txt'))).toBe(
      'from-the-container\n',
    );
    expect(outputFor(third, 'call_read')).toContain(NOTES);
    expect(run.stdout + run.stderr).not.toContain(seeded.accessToken);
    expect(run.stdout + run.stderr).not.toContain(seeded.refreshToken);

    const state = JSON.parse(read(inTarget('data', 'state.json')));
    expect(state.sessions.main).toMatch(/^codex:[0-9a-f-]{36}$/);
    codexSessionId = state.sessions.main;
  });

  it('moved the tokens an older version left in data/ out of the checkout', () => {
    expect(fs.existsSync(inTarget('data', 'codex-tokens.json'))).toBe(false);
    expect(JSON.parse(read(tokenFile)).refreshToken).toBe(seeded.refreshToken);
    expect(path.relative(target, tokenFile).startsWith('..')).toBe(true);
  });

  it("keeps the refresh token out of the main group's reach: no mount holds it, the agent cannot read it", async () => {
    codex.reply(
      toolCallReply([
        {
          name: 'bash',
          callId: 'call_look',
          arguments: {
            command: `ls /workspace/project/data; cat /workspace/project/data/codex-tokens.json; grep -rl '${seeded.refreshToken}' /workspace /app /home 2>/dev/null; echo searched`,
          },
        },
      ]),
      textReply('Nothing there.'),
    );
    const before = codex.requests.length;
    const run = await runHost(target, env(), 'Find my sign-in');
    expect(run.exitCode, describeRun(run)).toBe(0);
    const output = outputFor(codex.requests[before + 1], 'call_look');
    expect(output).toMatch(
      /cat: \/workspace\/project\/data\/codex-tokens\.json: No such file or directory/,
    );
    expect(output).toMatch(/^searched$/m);
    // grep -l names every file holding the token: there is none.
    expect(output.split('\n').filter((line) => line.startsWith('/'))).toEqual(
      [],
    );

    const main = runtime.runs().at(-1)!;
    const project = main.mounts.find(
      (mount) => mount.containerPath === '/workspace/project',
    );
    expect(project).toMatchObject({ hostPath: target, readonly: true });
    const stored = read(tokenFile);
    for (const mount of main.mounts) {
      const inside = path.relative(mount.hostPath, tokenFile);
      expect(
        inside.startsWith('..'),
        `${mount.hostPath} holds the token file`,
      ).toBe(true);
    }
    expect(stored).toContain(seeded.refreshToken);
  });

  it('answers a follow-up with the earlier conversation, refreshing an expiring token first', async () => {
    const expiring = issuer.seedTokens(60);
    writeTokenFile(tokenFile, expiring);
    codex.reply(textReply(FOLLOW_UP_ANSWER));
    const before = codex.requests.length;

    const run = await runHost(target, env(), FOLLOW_UP);
    expect(run.exitCode, describeRun(run)).toBe(0);
    expect(run.said).toEqual([`Andy: ${FOLLOW_UP_ANSWER}`]);
    const request = codex.requests[before];
    const texts = inputOf(request)
      .filter((item) => item.type === 'message' && item.role === 'assistant')
      .map((item) => [item.phase, item.content[0].text]);
    expect(texts).toContainEqual(['final_answer', ANSWER]);
    expect(texts).toContainEqual(['commentary', COMMENTARY]);
    expect(inputOf(request).at(-1)?.content[0].text).toBe(FOLLOW_UP);
    expect(issuer.tokenRequests('refresh_token')).toHaveLength(1);
    const stored = JSON.parse(read(tokenFile));
    expect(stored.accessToken).not.toBe(expiring.accessToken);
    expect(request.headers.authorization).toBe(`Bearer ${stored.accessToken}`);
    expect(JSON.parse(read(inTarget('data', 'state.json'))).sessions.main).toBe(
      codexSessionId,
    );
  });

  it('a message sent while Codex works is answered in the same session, and so is one after the answer', async () => {
    const gate = createGate();
    codex.reply(
      {
        ...phasedReply({
          commentary: 'Checking the calendar.',
          calls: [
            {
              name: 'bash',
              callId: 'call_cal',
              arguments: { command: 'echo calendar-checked' },
            },
          ],
        }),
        waitFor: gate.promise,
      },
      textReply('Tuesday at 9, and yes, I will remind you.', {
        phase: 'final_answer',
      }),
      textReply('You are welcome.', { phase: 'final_answer' }),
    );
    const runsBefore = runtime.runs().length;
    const before = codex.requests.length;
    const chat = startChat(target, env());
    await chat.waitFor(/"msg":"Chat ready"/);
    chat.send('When is the plumber coming?');
    // Codex is working on the first message (its answer is held back)...
    await until(() => codex.requests.length > before);
    chat.send('Remind me the day before.');
    await chat.waitFor(/"msg":"Piped message to running container"/);
    gate.open();
    await chat.waitFor(/^Andy: Tuesday at 9, and yes, I will remind you\.$/);
    chat.send('Thanks!');
    await chat.waitFor(/^Andy: You are welcome\.$/);
    const run = await chat.end();
    expect(run.exitCode, describeRun(run)).toBe(0);
    expect(run.said).toEqual([
      'Andy: Tuesday at 9, and yes, I will remind you.',
      'Andy: You are welcome.',
    ]);
    // One container answered all three messages.
    expect(runtime.runs()).toHaveLength(runsBefore + 1);
    const [, afterTool, afterAnswer] = codex.requests.slice(before);
    // The follow-up joined the turn after the tool round, before the next request.
    const userTexts = (request: RecordedRequest) =>
      inputOf(request)
        .filter((item) => item.type === 'message' && item.role === 'user')
        .map((item) => item.content[0].text as string);
    expect(userTexts(afterTool)).toContain('Remind me the day before.');
    const toolOutput = inputOf(afterTool).findIndex(
      (item) => item.type === 'function_call_output',
    );
    const followUp = inputOf(afterTool).findIndex(
      (item) =>
        item.role === 'user' &&
        item.content[0].text === 'Remind me the day before.',
    );
    expect(followUp).toBeGreaterThan(toolOutput);
    // The message after the answer is a new turn with the whole history.
    expect(userTexts(afterAnswer).slice(-1)).toEqual(['Thanks!']);
    expect(
      inputOf(afterAnswer).some(
        (item) =>
          item.role === 'assistant' &&
          item.content[0].text === 'Tuesday at 9, and yes, I will remind you.',
      ),
    ).toBe(true);
    expect(fs.readdirSync(inTarget('data', 'ipc', 'main', 'input'))).toEqual(
      [],
    );
  });

  it('loads the plugin under npm run dev (tsx) too, and never a stray compiled host.js', async () => {
    const stray = inTarget('plugins', 'codex', 'host.js');
    fs.writeFileSync(stray, "throw new Error('stray host.js was loaded');\n");
    try {
      codex.reply(textReply('Answered under tsx.'));
      fs.renameSync(
        inTarget('dist', 'plugins'),
        inTarget('dist', 'plugins.aside'),
      );
      const dev = await runHost(target, env(), 'Via tsx?', [
        inTarget('node_modules', '.bin', 'tsx'),
        'src/index.ts',
      ]);
      fs.renameSync(
        inTarget('dist', 'plugins.aside'),
        inTarget('dist', 'plugins'),
      );
      expect(dev.exitCode, describeRun(dev)).toBe(0);
      expect(dev.said).toEqual(['Andy: Answered under tsx.']);
      expect(`${dev.stdout}${dev.stderr}`).not.toContain(
        'stray host.js was loaded',
      );
    } finally {
      fs.rmSync(stray, { force: true });
    }
  });

  it('switching back to Claude while applied does not hand it the Codex session', async () => {
    setEnvLine(target, 'AGENT_PROVIDER', 'claude');
    addToEnv(target, 'ANTHROPIC_API_KEY=sk-test');
    const requestsBefore = codex.requests.length;
    const run = await runHost(target, env(), 'Back to Claude');
    expect(run.exitCode, describeRun(run)).toBe(0);
    expect(run.said[0]).toMatch(/^Andy: Claude received: Back to Claude/);
    expect(codex.requests).toHaveLength(requestsBefore);
    const state = JSON.parse(read(inTarget('data', 'state.json')));
    expect(state.sessions.main).not.toBe(codexSessionId);
    expect(state.sessions.main).toMatch(/^claude-/);
  });

  it('after remove-skill the Claude path answers exactly as on a sample that never had the skill', async () => {
    const remove = await runCli(
      'remove-skill',
      ['add-codex-provider', '--target', target, '--yes', '--no-restart'],
      { env: { CODEX_TOKEN_FILE: tokenFile } },
    );
    expect(remove.exitCode, remove.stderr).toBe(0);
    const dotEnv = read(inTarget('.env'));
    expect(dotEnv).not.toMatch(/AGENT_PROVIDER/);
    expect(dotEnv).toContain(`CODEX_API_URL=${codex.url}`);
    expect(fs.existsSync(inTarget('dist', 'plugins'))).toBe(false);

    addToEnv(pristine.dir, 'ANTHROPIC_API_KEY=sk-test');
    const requestsBefore = codex.requests.length;
    const run = await runHost(target, env(), 'Hello again');
    const baseline = await runHost(pristine.dir, env(), 'Hello again');
    expect(run.exitCode, describeRun(run)).toBe(0);
    expect(baseline.exitCode, describeRun(baseline)).toBe(0);
    expect(run.said).toHaveLength(1);
    expect(run.said).toEqual(baseline.said);
    expect(run.containerLog).toEqual(baseline.containerLog);
    // The host's own lines in order (the container's interleave with them by timing).
    const hostLines = (entries: typeof run.log) =>
      entries.filter((entry) => !entry.container).map((entry) => entry.msg);
    expect(hostLines(run.log)).toEqual(hostLines(baseline.log));
    expect(codex.requests).toHaveLength(requestsBefore);
    const runnerCopy = inTarget('data', 'sessions', 'main', 'agent-runner-src');
    expect(fs.readdirSync(runnerCopy).sort()).toEqual(
      fs.readdirSync(inTarget('container', 'agent-runner', 'src')).sort(),
    );
  });
});
