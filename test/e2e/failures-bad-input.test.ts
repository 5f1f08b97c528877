/** Bad input: a clear error that names the file, and nothing in the target changes. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { FILES_ONLY, runCli } from '../helpers/cli.js';
import {
  createSampleCopy,
  diffSnapshots,
  treeSnapshot,
  type SampleCopy,
} from '../helpers/sample.js';

const copies: SampleCopy[] = [];
afterAll(async () => {
  await Promise.all(copies.map((copy) => copy.cleanup()));
});

async function copyOf(variant = 'base'): Promise<string> {
  const copy = await createSampleCopy(variant, { install: false });
  copies.push(copy);
  return copy.dir;
}

const NOTHING_CHANGED = { added: [], removed: [], changed: [] };

describe('bad input: a clear error that names the file, and nothing changes', () => {
  it('--skip-install without --skip-build is refused up front', async () => {
    const target = await copyOf();
    const before = await treeSnapshot(target);
    const run = await runCli('apply-skill', [
      'add-codex-provider',
      '--target',
      target,
      '--yes',
      '--skip-install',
      '--skip-auth',
      '--no-restart',
    ]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/--skip-install leaves codex-oauth uninstalled/);
    expect(run.stderr).toMatch(/--skip-build/);
    expect(diffSnapshots(before, await treeSnapshot(target))).toEqual(
      NOTHING_CHANGED,
    );
  });

  it('missing anchor', async () => {
    const target = await copyOf();
    const file = path.join(target, 'src/container-runner.ts');
    const source = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(
      file,
      source.replace(/function readSecrets\(\)[\s\S]*?\n}\n/, ''),
    );
    const before = await treeSnapshot(target);
    const run = await runCli('apply-skill', [
      'add-codex-provider',
      '--target',
      target,
      ...FILES_ONLY,
    ]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/src\/container-runner\.ts/);
    expect(run.stderr).toMatch(/readSecrets/);
    expect(run.stderr).toMatch(/Nothing was changed/);
    expect(diffSnapshots(before, await treeSnapshot(target))).toEqual(
      NOTHING_CHANGED,
    );
  });

  it('not a NanoClaw checkout', async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'not-nanoclaw-'));
    fs.writeFileSync(
      path.join(empty, 'package.json'),
      '{"name":"something-else"}\n',
    );
    const run = await runCli('apply-skill', [
      'add-codex-provider',
      '--target',
      empty,
      ...FILES_ONLY,
    ]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/does not look like a NanoClaw checkout/);
    expect(run.stderr).toMatch(/src\/config\.ts/);
    expect(fs.readdirSync(empty)).toEqual(['package.json']);
    fs.rmSync(empty, { recursive: true });
  });

  it('unknown skill is a usage error (exit 2) that lists the known ones', async () => {
    const run = await runCli('apply-skill', [
      'add-nothing',
      '--target',
      os.tmpdir(),
    ]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/Unknown skill 'add-nothing'/);
    expect(run.stderr).toMatch(/add-codex-provider/);
  });

  it('unknown flag is a usage error (exit 2)', async () => {
    const run = await runCli('apply-skill', [
      'add-codex-provider',
      '--frobnicate',
    ]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/frobnicate/);
  });

  it('syntax error in a target file names the file and the position', async () => {
    const target = await copyOf();
    const file = path.join(target, 'src/config.ts');
    fs.writeFileSync(
      file,
      fs
        .readFileSync(file, 'utf8')
        .replace("'Andy';", "'Andy'")
        .replace(
          'export const POLL_INTERVAL = 2000;',
          'export const POLL_INTERVAL = (2000;',
        ),
    );
    const before = await treeSnapshot(target);
    const run = await runCli('apply-skill', [
      'add-codex-provider',
      '--target',
      target,
      ...FILES_ONLY,
    ]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(
      /src\/config\.ts: has a syntax error at \d+:\d+/,
    );
    expect(diffSnapshots(before, await treeSnapshot(target))).toEqual(
      NOTHING_CHANGED,
    );
  });

  it('read-only file', async () => {
    const target = await copyOf();
    const file = path.join(target, 'src/index.ts');
    fs.chmodSync(file, 0o444);
    const before = await treeSnapshot(target);
    const run = await runCli('apply-skill', [
      'add-codex-provider',
      '--target',
      target,
      ...FILES_ONLY,
    ]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/src\/index\.ts is read-only/);
    expect(run.stderr).toMatch(/chmod u\+w/);
    expect(diffSnapshots(before, await treeSnapshot(target))).toEqual(
      NOTHING_CHANGED,
    );
    expect(fs.existsSync(path.join(target, '.nanoclaw'))).toBe(false);
  });

  it('a second run while one holds the lock is refused', async () => {
    const target = await copyOf();
    fs.mkdirSync(path.join(target, '.nanoclaw/skill-applicator/lock'), {
      recursive: true,
    });
    const before = await treeSnapshot(target);
    const run = await runCli('apply-skill', [
      'add-codex-provider',
      '--target',
      target,
      ...FILES_ONLY,
    ]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(
      /Another apply-skill or remove-skill is running/,
    );
    expect(diffSnapshots(before, await treeSnapshot(target))).toEqual(
      NOTHING_CHANGED,
    );
  });
});
