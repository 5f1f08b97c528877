import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { runCli } from '../helpers/cli.js';
import { createFakeBrowser, freePort } from '../helpers/fake-browser.js';
import { startFakeIssuer, type FakeIssuer } from '../helpers/fake-issuer.js';
import { createSampleCopy, type SampleCopy } from '../helpers/sample.js';

let issuer: FakeIssuer;
let copy: SampleCopy;
const browser = createFakeBrowser();

beforeAll(async () => {
  issuer = await startFakeIssuer();
  copy = await createSampleCopy('base', { install: true });
});

afterAll(async () => {
  await issuer?.close();
  await copy?.cleanup();
  browser.cleanup();
});

async function authEnv(): Promise<NodeJS.ProcessEnv> {
  return {
    ...browser.env,
    CODEX_OAUTH_ISSUER: issuer.url,
    CODEX_OAUTH_PORT: String(await freePort()),
    CODEX_OAUTH_TIMEOUT_MS: '30000',
  };
}

const tokenFile = () => path.join(copy.dir, 'data', 'codex-tokens.json');

describe('apply-skill signs in through the codex-auth setup step', () => {
  it('skips sign-in without a terminal, and says how to do it', async () => {
    const run = await runCli('apply-skill', [
      'add-codex-provider',
      '--target',
      copy.dir,
      '--yes',
      '--no-restart',
    ]);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/Sign in: skipped \(no terminal/);
    expect(run.stderr).toMatch(/npx tsx setup\/index\.ts --step codex-auth/);
    expect(fs.existsSync(tokenFile())).toBe(false);
  });

  it('runs the browser flow against the issuer and ends authenticated with a valid token file', async () => {
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
    expect(run.stderr).toMatch(/AUTH_STATUS=authenticated/);
    expect(run.stderr).toMatch(/Signed in\./);
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

  it('keeps existing tokens on the next run (already_authenticated)', async () => {
    const before = fs.readFileSync(tokenFile());
    const run = await runCli(
      'apply-skill',
      ['add-codex-provider', '--target', copy.dir, '--auth', '--no-restart'],
      { env: await authEnv() },
    );
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/already applied/);
    expect(run.stderr).toMatch(/AUTH_STATUS=already_authenticated/);
    expect(fs.readFileSync(tokenFile()).equals(before)).toBe(true);
    expect(issuer.tokenRequests('authorization_code')).toHaveLength(1);
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
      expect(run.stderr).toMatch(/AUTH_STATUS=failed/);
      expect(run.stderr).toMatch(
        /Sign-in failed: .*access_denied|Sign-in failed: .*cancel/i,
      );
      expect(run.stderr).toMatch(/The installation is kept/);
      expect(run.stderr).toMatch(/apply-skill add-codex-provider/);
      expect(
        fs.existsSync(path.join(copy.dir, 'dist/plugins/codex/host.js')),
      ).toBe(true);
    } finally {
      issuer.options.denyAuthorize = false;
    }
  });
});
