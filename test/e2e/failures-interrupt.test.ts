/**
 * Interrupting apply during its build. npm runs the build in a shell, and the
 * shell runs the compiler: signalling npm alone leaves the compiler running,
 * and it writes into dist/ after the rollback restored it. The build here is a
 * stand-in compiler that outlives its shell (a nested shell that writes
 * dist/late.js two seconds in), so the test is quick and needs no real tsc.
 */
import { execa } from 'execa';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';

import { TOOL_ROOT } from '../helpers/cli.js';
import {
  createSampleCopy,
  diffSnapshots,
  sampleEnv,
  treeSnapshot,
  type SampleCopy,
} from '../helpers/sample.js';

const copies: SampleCopy[] = [];
afterAll(async () => {
  await Promise.all(copies.map((copy) => copy.cleanup()));
});

/**
 * A checkout whose build is `build`, with the skill's package counted as
 * installed (so --skip-install may build without npm installing anything).
 */
async function checkoutBuildingWith(build: string): Promise<string> {
  const copy = await createSampleCopy('base', { install: true, git: true });
  copies.push(copy);
  const target = copy.dir;
  const fakePackage = path.join(target, 'node_modules/codex-oauth');
  fs.mkdirSync(fakePackage, { recursive: true });
  fs.writeFileSync(
    path.join(fakePackage, 'package.json'),
    '{ "name": "codex-oauth", "version": "1.0.0" }\n',
  );
  const pkgFile = path.join(target, 'package.json');
  const pkg = JSON.parse(fs.readFileSync(pkgFile, 'utf8'));
  pkg.scripts.build = build;
  fs.writeFileSync(pkgFile, JSON.stringify(pkg, null, 2) + '\n');
  await execa('git', ['commit', '--quiet', '-am', 'A slow build'], {
    cwd: target,
    env: sampleEnv(),
    extendEnv: false,
  });
  return target;
}

/** Start apply, send `signal` once its build has run for `afterMs`, and wait for it to end. */
async function interruptBuild(
  target: string,
  signal: NodeJS.Signals,
  afterMs: number,
) {
  const child = execa(
    'node',
    [
      path.join(TOOL_ROOT, 'dist/scripts/apply-skill.js'),
      'add-codex-provider',
      '--target',
      target,
      '--yes',
      '--skip-install',
      '--skip-auth',
      '--no-restart',
    ],
    {
      env: { ...sampleEnv(), CI: '1', NO_COLOR: '1' },
      extendEnv: false,
      reject: false,
      all: true,
    },
  );
  let stderr = '';
  await new Promise<void>((resolve) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes('Build and validate NanoClaw')) resolve();
    });
  });
  await sleep(afterMs);
  child.kill(signal);
  return child;
}

/** Writes dist/late.js two seconds in, from a shell its parent shell does not wait for. */
const LATE_WRITER =
  "sh -c 'sleep 2 && mkdir -p dist && echo late > dist/late.js'";
/** The same, deaf to SIGTERM and SIGINT: only SIGKILL stops it. */
const DEAF_LATE_WRITER =
  'sh -c \'trap "" TERM INT; sleep 2; mkdir -p dist; echo late > dist/late.js\'';

describe('an interrupted build', () => {
  it('SIGTERM 1 s in: the whole build is stopped before the rollback, and nothing writes after it', async () => {
    const target = await checkoutBuildingWith(LATE_WRITER);
    const before = await treeSnapshot(target);

    const run = await interruptBuild(target, 'SIGTERM', 1_000);
    expect(run.exitCode, run.all).toBe(143);
    expect(run.all).toMatch(/Interrupted by SIGTERM; rolled back/);
    // Past the moment the stand-in compiler would have written.
    await sleep(3_000);
    expect(fs.existsSync(path.join(target, 'dist'))).toBe(false);
    expect(diffSnapshots(before, await treeSnapshot(target))).toEqual({
      added: [],
      removed: [],
      changed: [],
    });
    expect(fs.existsSync(path.join(target, '.nanoclaw'))).toBe(false);
  });

  it('Ctrl-C with a build that ignores it: killed after a grace period, then rolled back', async () => {
    const target = await checkoutBuildingWith(DEAF_LATE_WRITER);
    const before = await treeSnapshot(target);

    const run = await interruptBuild(target, 'SIGINT', 1_500);
    expect(run.exitCode, run.all).toBe(130);
    expect(run.all).toMatch(/Interrupted by SIGINT; rolled back/);
    await sleep(3_000);
    expect(fs.existsSync(path.join(target, 'dist'))).toBe(false);
    expect(diffSnapshots(before, await treeSnapshot(target))).toEqual({
      added: [],
      removed: [],
      changed: [],
    });
  });
});
