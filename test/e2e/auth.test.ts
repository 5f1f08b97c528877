import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { runCli } from '../helpers/cli.js';
import { createFakeBrowser, freePort } from '../helpers/fake-browser.js';
import { startFakeIssuer, type FakeIssuer } from '../helpers/fake-issuer.js';
import {
  startFakeResponsesServer,
  textReply,
  type FakeResponsesServer,
} from '../helpers/fake-responses-server.js';
import {
  createSampleCopy,
  tokenFileFor,
  type SampleCopy,
} from '../helpers/sample.js';

let issuer: FakeIssuer;
let codex: FakeResponsesServer;
let copy: SampleCopy;
const browser = createFakeBrowser();

beforeAll(async () => {
  [issuer, codex, copy] = await Promise.all([
    startFakeIssuer(),
    startFakeResponsesServer(),
    createSampleCopy('base', { install: true, memoTsc: true }),
  ]);
});

afterAll(async () => {
  await Promise.all([issuer?.close(), codex?.close(), copy?.cleanup()]);
  browser.cleanup();
});

const tokenFile = () => tokenFileFor(copy.dir);

async function authEnv(): Promise<NodeJS.ProcessEnv> {
  return {
    ...browser.env,
    CODEX_OAUTH_ISSUER: issuer.url,
    CODEX_OAUTH_PORT: String(await freePort()),
    CODEX_OAUTH_TIMEOUT_MS: '30000',
    CODEX_TOKEN_FILE: tokenFile(),
    CODEX_API_URL: codex.url,
  };
}

describe('apply-skill signs in through the codex-auth setup step', () => {
  it('skips sign-in without a terminal, and says how to do it', async () => {
    const run = await runCli(
      'apply-skill',
      ['add-codex-provider', '--target', copy.dir, '--yes', '--no-restart'],
      { env: await authEnv() },
    );
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/Sign in: skipped \(no terminal/);
    expect(run.stderr).toMatch(/npx tsx setup\/index\.ts --step codex-auth/);
    expect(fs.existsSync(tokenFile())).toBe(false);
  });

  it('runs the browser flow against the issuer and ends authenticated with a valid token file', async () => {
    codex.reply(textReply('OK'));
    const run = await runCli(
      'apply-skill',
      [
        'add-codex-provider',
        '--target',
        copy.dir,
        '--yes',
        '--auth',
        '--no-restart',
      ],
      { env: await authEnv() },
    );
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/Signed in\./);
    // The step's status block is for the tool; the user sees what it means.
    expect(run.stderr).not.toContain('NANOCLAW SETUP');
    // The account's models, from the backend's catalog, and a live answer.
    expect(run.stderr).toContain(
      "Model: gpt-5.6-sol (Codex's default); offered: gpt-5.6-sol, gpt-5.6-terra, gpt-5.6-luna",
    );
    expect(run.stderr).toMatch(
      /Live check: gpt-5\.6-sol answered, first token after \d+ ms/,
    );
    expect(codex.catalogRequests.length).toBeGreaterThan(0);
    expect(codex.requests.at(-1)?.body.model).toBe('gpt-5.6-sol');
    // apply-skill opened exactly the authorize URL the step printed.
    const [visited] = browser.visited();
    expect(visited.startsWith(`${issuer.url}/oauth/authorize?`)).toBe(true);
    expect(run.stderr).toContain(visited);

    const stat = fs.statSync(tokenFile());
    expect(stat.mode & 0o777).toBe(0o600);
    const saved = fs.readFileSync(tokenFile(), 'utf8');
    const refreshTokens = issuer.activeRefreshTokens();
    expect(refreshTokens.some((token) => saved.includes(token))).toBe(true);
    // Tokens never reach the output.
    for (const secret of issuer.issuedSecrets()) {
      expect(run.stdout + run.stderr).not.toContain(secret);
    }
    expect(issuer.tokenRequests('authorization_code')).toHaveLength(1);
  });

  it('keeps existing tokens on the next run (already_authenticated), and --model pins a model', async () => {
    const before = fs.readFileSync(tokenFile());
    codex.reply(textReply('OK'));
    const run = await runCli(
      'apply-skill',
      [
        'add-codex-provider',
        '--target',
        copy.dir,
        '--no-restart',
        '--model',
        'gpt-5.6-terra',
        '--json',
      ],
      { env: await authEnv() },
    );
    expect(run.exitCode, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.status).toBe('already-applied');
    const steps = Object.fromEntries(
      result.steps.map((step: { name: string; status: string }) => [
        step.name,
        step.status,
      ]),
    );
    expect(steps).toMatchObject({
      'Sign in': 'done',
      'Set model': 'done',
      'Live check': 'done',
    });
    expect(fs.readFileSync(tokenFile()).equals(before)).toBe(true);
    expect(issuer.tokenRequests('authorization_code')).toHaveLength(1);
    const env = fs.readFileSync(path.join(copy.dir, '.env'), 'utf8');
    expect(env).toMatch(/^CODEX_MODEL=gpt-5\.6-terra$/m);
    expect(
      fs.readFileSync(path.join(copy.dir, 'data', 'env', 'env'), 'utf8'),
    ).toBe(env);
    expect(codex.requests.at(-1)?.body.model).toBe('gpt-5.6-terra');
  });

  it('--model the account does not have is a warning, and .env keeps its model', async () => {
    codex.reply(textReply('OK'));
    const run = await runCli(
      'apply-skill',
      [
        'add-codex-provider',
        '--target',
        copy.dir,
        '--no-restart',
        '--model',
        'gpt-5.2-codex',
        '--json',
      ],
      { env: await authEnv() },
    );
    expect(run.exitCode, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).warnings).toContain(
      '--model gpt-5.2-codex is not offered to this account; kept gpt-5.6-terra. Offered: gpt-5.6-sol, gpt-5.6-terra, gpt-5.6-luna.',
    );
    expect(fs.readFileSync(path.join(copy.dir, '.env'), 'utf8')).toMatch(
      /^CODEX_MODEL=gpt-5\.6-terra$/m,
    );
  });

  it('a failed sign-in keeps the installation and says how to retry', async () => {
    issuer.options.denyAuthorize = true;
    try {
      const run = await runCli(
        'apply-skill',
        [
          'add-codex-provider',
          '--target',
          copy.dir,
          '--yes',
          '--auth',
          '--reauth',
          '--no-restart',
        ],
        { env: await authEnv() },
      );
      expect(run.exitCode, run.stderr).toBe(0);
      expect(run.stderr).toMatch(
        /Sign-in failed: .*access_denied|Sign-in failed: .*cancel/i,
      );
      expect(run.stderr).toMatch(/The installation is kept/);
      expect(run.stderr).not.toMatch(/\.\. /);
      expect(run.stderr).toMatch(/apply-skill add-codex-provider/);
      expect(
        fs.existsSync(path.join(copy.dir, 'dist/plugins/codex/host.js')),
      ).toBe(true);
    } finally {
      issuer.options.denyAuthorize = false;
    }
  });
});

describe('--json --auth', () => {
  it('shows the sign-in link on stderr while stdout stays one JSON document', async () => {
    codex.reply(textReply('OK'));
    const visitedBefore = browser.visited().length;
    const run = await runCli(
      'apply-skill',
      [
        'add-codex-provider',
        '--target',
        copy.dir,
        '--yes',
        '--auth',
        '--reauth',
        '--no-restart',
        '--json',
      ],
      { env: await authEnv() },
    );
    expect(run.exitCode, run.stderr).toBe(0);
    const visited = browser.visited().slice(visitedBefore);
    expect(visited).toHaveLength(1);
    expect(visited[0].startsWith(`${issuer.url}/oauth/authorize?`)).toBe(true);
    expect(run.stderr).toContain(visited[0]);
    expect(run.stderr).toContain('Sign in with your ChatGPT account');
    const result = JSON.parse(run.stdout);
    expect(result.steps).toContainEqual(
      expect.objectContaining({ name: 'Sign in', status: 'done' }),
    );
  });
});
