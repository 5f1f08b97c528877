/**
 * templates/setup/codex-auth-step.ts run as NanoClaw runs it
 * (npx tsx setup/index.ts --step codex-auth), first with a stand-in plugin for
 * each AUTH_STATUS, then with the real codex plugin, codex-oauth and an issuer.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  afterAll,
  afterEach,
  beforeAll,
  describe,
  expect,
  it,
  vi,
} from 'vitest';

import { startFakeIssuer } from '../helpers/fake-issuer.js';
import {
  CliRun,
  buildPackage,
  findLeak,
  followAsBrowser,
  freePort,
  makeTempDir,
  type BuiltPackage,
  type CliResult,
  removeTempDirs,
} from './harness.js';

vi.setConfig({ testTimeout: 60_000 });

const TOOL_ROOT = path.resolve(import.meta.dirname, '../..');
const FIXTURE = path.join(TOOL_ROOT, 'test/fixtures/nanoclaw');
const TSX = path.join(TOOL_ROOT, 'node_modules/tsx/dist/cli.mjs');

const STAND_IN_PLUGIN = `import fs from 'fs';
import path from 'path';

// Stand-in for plugins/codex/host.ts, steered by data/stand-in.json.
export function createPlugin(context) {
  const read = () => {
    const file = path.join(context.dataDir, 'stand-in.json');
    return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {};
  };
  return {
    name: 'codex',
    containerProvider: 'provider-codex.ts',
    async getSecrets() {
      return {};
    },
    async isAuthenticated() {
      return read().authenticated === true;
    },
    async setup(options) {
      fs.writeFileSync(
        path.join(context.dataDir, 'setup-call.json'),
        JSON.stringify({ options, dataDir: context.dataDir, projectRoot: context.projectRoot }),
      );
      if (read().failWith) throw new Error(read().failWith);
    },
  };
}
`;

let built: BuiltPackage;
const cleanups: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  built = await buildPackage();
});

afterAll(() => removeTempDirs());

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** A NanoClaw checkout cut down to what the step touches, with the step registered. */
function nanoclaw(plugin: 'stand-in' | 'real'): string {
  const root = fs.realpathSync(makeTempDir('codex-auth-step-'));
  fs.writeFileSync(
    path.join(root, 'package.json'),
    JSON.stringify({ name: 'nanoclaw', type: 'module' }),
  );
  for (const file of ['setup/status.ts', 'src/logger.ts', 'src/env.ts']) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.copyFileSync(path.join(FIXTURE, file), path.join(root, file));
  }
  const index = fs.readFileSync(path.join(FIXTURE, 'setup/index.ts'), 'utf8');
  const anchor = "verify: () => import('./verify.js'),";
  expect(index).toContain(anchor);
  fs.writeFileSync(
    path.join(root, 'setup/index.ts'),
    index.replace(
      anchor,
      `${anchor}\n  'codex-auth': () => import('./codex-auth-step.js'),`,
    ),
  );
  fs.copyFileSync(
    path.join(TOOL_ROOT, 'templates/setup/codex-auth-step.ts'),
    path.join(root, 'setup/codex-auth-step.ts'),
  );
  fs.copyFileSync(
    path.join(TOOL_ROOT, 'templates/src/provider-plugin.ts'),
    path.join(root, 'src/provider-plugin.ts'),
  );
  fs.mkdirSync(path.join(root, 'plugins/codex'), { recursive: true });
  fs.mkdirSync(path.join(root, 'data'));
  if (plugin === 'stand-in') {
    fs.writeFileSync(path.join(root, 'plugins/codex/host.ts'), STAND_IN_PLUGIN);
  } else {
    fs.cpSync(
      path.join(TOOL_ROOT, 'templates/plugins/codex'),
      path.join(root, 'plugins/codex'),
      { recursive: true },
    );
    fs.mkdirSync(path.join(root, 'node_modules'));
    // What `npm install ./packages/codex-oauth` leaves: a link to the built package.
    fs.symlinkSync(
      built.packageDir,
      path.join(root, 'node_modules/codex-oauth'),
    );
  }
  return root;
}

function step(
  root: string,
  args: string[],
  env: Record<string, string> = {},
): CliRun {
  const run = new CliRun(
    TSX,
    ['setup/index.ts', '--step', 'codex-auth', ...args],
    env,
    root,
  );
  cleanups.push(() => {
    if (run.child.exitCode === null) run.child.kill();
  });
  return run;
}

async function runStep(root: string, args: string[] = []): Promise<CliResult> {
  const run = step(root, args);
  run.child.stdin.end();
  return run.done;
}

/** The fields of the step's status block. */
function statusBlock(stdout: string): Record<string, string> {
  const match = stdout.match(
    /=== NANOCLAW SETUP: CODEX-AUTH ===\n([\s\S]*?)\n=== END ===/,
  );
  expect(match, stdout).not.toBeNull();
  return Object.fromEntries(
    match![1]
      .split('\n')
      .map((line) => [
        line.slice(0, line.indexOf('=')),
        line.slice(line.indexOf('=') + 1),
      ]),
  );
}

const setupCall = (root: string) => {
  const file = path.join(root, 'data/setup-call.json');
  return fs.existsSync(file)
    ? JSON.parse(fs.readFileSync(file, 'utf8'))
    : undefined;
};
const steer = (root: string, state: object) =>
  fs.writeFileSync(
    path.join(root, 'data/stand-in.json'),
    JSON.stringify(state),
  );

describe('codex-auth setup step (stand-in plugin)', () => {
  it('already signed in: AUTH_STATUS=already_authenticated, no login', async () => {
    const root = nanoclaw('stand-in');
    steer(root, { authenticated: true });
    const result = await runStep(root);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(statusBlock(result.stdout)).toEqual({
      AUTH_STATUS: 'already_authenticated',
    });
    expect(setupCall(root)).toBeUndefined();
  });

  it('not signed in: runs setup with the flags, AUTH_STATUS=authenticated', async () => {
    const root = nanoclaw('stand-in');
    const result = await runStep(root, ['--no-browser', '--device-auth']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(statusBlock(result.stdout)).toEqual({
      AUTH_STATUS: 'authenticated',
    });
    expect(setupCall(root)).toEqual({
      options: { noBrowser: true, deviceAuth: true },
      dataDir: path.join(root, 'data'),
      projectRoot: root,
    });
  });

  it('--reauth signs in again even when signed in', async () => {
    const root = nanoclaw('stand-in');
    steer(root, { authenticated: true });
    const result = await runStep(root, ['--reauth']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(statusBlock(result.stdout)).toEqual({
      AUTH_STATUS: 'authenticated',
    });
    expect(setupCall(root).options).toEqual({});
  });

  it('a failed login: AUTH_STATUS=failed, ERROR on one line, exit 1', async () => {
    const root = nanoclaw('stand-in');
    steer(root, { failWith: 'Port 1455 is busy.\nFind it with lsof -i :1455' });
    const result = await runStep(root);
    expect(result.exitCode).toBe(1);
    expect(statusBlock(result.stdout)).toEqual({
      AUTH_STATUS: 'failed',
      ERROR: 'Port 1455 is busy. Find it with lsof -i :1455',
    });
  });

  it('an unknown option fails the step with its name', async () => {
    const root = nanoclaw('stand-in');
    const result = await runStep(root, ['--bogus']);
    expect(result.exitCode).toBe(1);
    expect(statusBlock(result.stdout)).toMatchObject({ AUTH_STATUS: 'failed' });
    expect(statusBlock(result.stdout).ERROR).toContain("'--bogus'");
  });

  it('a plugin that cannot load names codex-oauth and how to build it', async () => {
    const root = nanoclaw('stand-in');
    fs.writeFileSync(
      path.join(root, 'plugins/codex/host.ts'),
      "export { CodexAuth } from 'codex-oauth';\n",
    );
    const result = await runStep(root);
    expect(result.exitCode).toBe(1);
    expect(statusBlock(result.stdout).ERROR).toContain(
      'npm install ./packages/codex-oauth',
    );
  });
});

describe('codex-auth setup step (real plugin and codex-oauth)', () => {
  it('signs in through the issuer, then reports already_authenticated', async () => {
    const issuer = await startFakeIssuer();
    cleanups.push(() => issuer.close());
    const root = nanoclaw('real');
    const env = {
      CODEX_OAUTH_ISSUER: issuer.url,
      CODEX_OAUTH_PORT: String(await freePort()),
    };

    const run = step(root, ['--no-browser'], env);
    run.child.stdin.end();
    await followAsBrowser(await run.authorizeUrl());
    const first = await run.done;
    expect(first.exitCode, first.stderr + first.stdout).toBe(0);
    expect(statusBlock(first.stdout)).toEqual({ AUTH_STATUS: 'authenticated' });
    const tokenFile = path.join(root, 'data/codex-tokens.json');
    expect(fs.statSync(tokenFile).mode & 0o777).toBe(0o600);

    const again = step(root, [], env);
    again.child.stdin.end();
    const second = await again.done;
    expect(second.exitCode, second.stderr).toBe(0);
    expect(statusBlock(second.stdout)).toEqual({
      AUTH_STATUS: 'already_authenticated',
    });

    const texts = [first.stdout, first.stderr, second.stdout, second.stderr];
    expect(findLeak(texts, issuer.issuedSecrets())).toBeUndefined();
  });
});
