/**
 * Paths that cannot be written. Found up front, the run refuses before it
 * writes anything; when one turns unwritable mid-run (here: during the build),
 * the rollback restores everything else, names what it could not restore,
 * leaves no temp file, and the next run finishes the rollback once the cause
 * is gone, instead of crashing.
 *
 * Root ignores mode bits and read-only folders, so an immutable file (chattr
 * +i) is the realistic case; where chattr does not work those tests are
 * skipped, saying why. The same paths are also covered with obstacles that
 * stop root everywhere: a file where the skill needs a folder, a folder where
 * it must restore a file.
 */
import { execFileSync } from 'node:child_process';
import { execa } from 'execa';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { FILES_ONLY, REMOVE_FILES_ONLY, runCli } from '../helpers/cli.js';
import {
  createSampleCopy,
  diffSnapshots,
  sampleEnv,
  treeSnapshot,
  type SampleCopy,
} from '../helpers/sample.js';

/** Whether chattr +i works on the file system the sample copies live on, or why not. */
function chattrSupport(): { ok: boolean; reason?: string } {
  const probe = fs.mkdtempSync(path.join(os.tmpdir(), 'chattr-probe-'));
  const file = path.join(probe, 'file');
  fs.writeFileSync(file, '');
  try {
    execFileSync('chattr', ['+i', file], { stdio: 'pipe' });
    execFileSync('chattr', ['-i', file], { stdio: 'pipe' });
    return { ok: true };
  } catch (err) {
    return { ok: false, reason: (err as Error).message.split('\n')[0] };
  } finally {
    fs.rmSync(probe, { recursive: true, force: true });
  }
}

const chattr = chattrSupport();
if (!chattr.ok) {
  console.warn(
    `Skipping the chattr tests: chattr +i does not work here (${chattr.reason}).`,
  );
}

const immutable: string[] = [];
const copies: SampleCopy[] = [];
afterAll(async () => {
  for (const file of immutable) setImmutable(file, false);
  await Promise.all(copies.map((copy) => copy.cleanup()));
});

function setImmutable(file: string, on: boolean): void {
  try {
    execFileSync('chattr', [on ? '+i' : '-i', file], { stdio: 'pipe' });
  } catch {
    // Gone already, or never set.
  }
  if (on) immutable.push(file);
}

async function checkout(): Promise<string> {
  const copy = await createSampleCopy('base', {
    install: true,
    git: true,
    memoTsc: true,
  });
  copies.push(copy);
  return copy.dir;
}

async function git(target: string, ...args: string[]): Promise<string> {
  const { stdout } = await execa('git', args, {
    cwd: target,
    env: sampleEnv(),
    extendEnv: false,
  });
  return stdout;
}
const gitStatus = (target: string) =>
  git(target, 'status', '--porcelain', '--untracked-files=all');
const JOURNAL = '.nanoclaw/skill-applicator/journal';
/** git status without the journal a rollback keeps while it could not finish. */
const statusBesideJournal = async (target: string) =>
  (await gitStatus(target))
    .split('\n')
    .filter((line) => !line.includes(`${JOURNAL}/`))
    .join('\n');

const apply = (target: string, ...flags: string[]) =>
  runCli('apply-skill', ['add-codex-provider', '--target', target, ...flags]);
const remove = (target: string) =>
  runCli('remove-skill', [
    'add-codex-provider',
    '--target',
    target,
    ...REMOVE_FILES_ONLY,
  ]);
/** A build runs (its prebuild script is the saboteur); install is faked below. */
const APPLY_AND_BUILD = [
  '--yes',
  '--skip-install',
  '--skip-auth',
  '--no-restart',
];

/** Temp files of atomic writes anywhere in the target. */
function tempFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter(
      (file) => /\.\d+\.tmp$/.test(file) && !file.includes('node_modules'),
    );
}

/**
 * A checkout where the build fails after `sabotage` ran in its prebuild
 * script: the skill's package counts as installed (so --skip-install may
 * build), and the script is committed, so git status shows only what the
 * run leaves behind.
 */
async function checkoutWithFailingBuild(sabotage: string): Promise<string> {
  const target = await checkout();
  const fakePackage = path.join(target, 'node_modules/codex-oauth');
  fs.mkdirSync(fakePackage, { recursive: true });
  fs.writeFileSync(
    path.join(fakePackage, 'package.json'),
    '{ "name": "codex-oauth", "version": "1.0.0" }\n',
  );
  const pkgFile = path.join(target, 'package.json');
  const pkg = JSON.parse(fs.readFileSync(pkgFile, 'utf8'));
  pkg.scripts.prebuild = `${sabotage} && exit 1`;
  fs.writeFileSync(pkgFile, JSON.stringify(pkg, null, 2) + '\n');
  await git(target, 'commit', '--quiet', '-am', 'A prebuild step');
  return target;
}

const NOTHING_CHANGED = { added: [], removed: [], changed: [] };

describe.skipIf(!chattr.ok)('an immutable file (chattr +i)', () => {
  it('found before writing: refused, nothing changed, and again on a second run', async () => {
    const target = await checkout();
    const runner = path.join(target, 'src/container-runner.ts');
    setImmutable(runner, true);
    const before = await treeSnapshot(target);

    for (const attempt of [1, 2]) {
      const run = await apply(target, ...FILES_ONLY);
      expect(run.exitCode, `run ${attempt}: ${run.stderr}`).toBe(1);
      expect(run.stderr).toMatch(
        /src\/container-runner\.ts cannot be written: .*immutable.*EPERM/,
      );
      expect(run.stderr).toMatch(/Nothing was changed/);
      expect(run.stderr).toMatch(/chattr -i/);
      expect(run.stderr).not.toMatch(/Unexpected error|\n\s+at /);
      expect(diffSnapshots(before, await treeSnapshot(target))).toEqual(
        NOTHING_CHANGED,
      );
      expect(tempFiles(target)).toEqual([]);
      expect(fs.existsSync(path.join(target, '.nanoclaw'))).toBe(false);
    }

    setImmutable(runner, false);
    const run = await apply(target, ...FILES_ONLY);
    expect(run.exitCode, run.stderr).toBe(0);
  });

  it('turned immutable mid-run: the rollback restores the rest, names it, and the next run finishes', async () => {
    const target = await checkoutWithFailingBuild('chattr +i src/config.ts');
    setImmutable(path.join(target, 'src/config.ts'), false);
    immutable.push(path.join(target, 'src/config.ts'));

    const failed = await apply(target, ...APPLY_AND_BUILD);
    expect(failed.exitCode).toBe(1);
    expect(failed.stderr).toMatch(/could not restore src\/config\.ts: EPERM/);
    expect(failed.stderr).toMatch(/run apply-skill or remove-skill again/);
    expect(fs.existsSync(path.join(target, JOURNAL, 'journal.json'))).toBe(
      true,
    );
    expect(await statusBesideJournal(target)).toBe(' M src/config.ts');
    expect(tempFiles(target)).toEqual([]);

    const stillStuck = await apply(target, ...APPLY_AND_BUILD);
    expect(stillStuck.exitCode).toBe(1);
    expect(stillStuck.stderr).toMatch(
      /Could not finish undoing the earlier run: 1 path\(s\) could not be restored \(src\/config\.ts\)/,
    );
    expect(stillStuck.stderr).not.toMatch(/Unexpected error|\n\s+at /);
    expect(await statusBesideJournal(target)).toBe(' M src/config.ts');
    expect(tempFiles(target)).toEqual([]);

    setImmutable(path.join(target, 'src/config.ts'), false);
    const finished = await remove(target);
    expect(finished.exitCode, finished.stderr).toBe(0);
    expect(finished.stderr).toMatch(/Earlier run undone: rolled back 1 file/);
    expect(await gitStatus(target)).toBe('');
    expect(fs.existsSync(path.join(target, '.nanoclaw'))).toBe(false);
  });
});

describe('obstacles that stop root on any file system', () => {
  it('a file where the skill needs a folder: refused before writing anything', async () => {
    const target = await checkout();
    fs.writeFileSync(path.join(target, 'plugins'), 'not a folder\n');
    const before = await treeSnapshot(target);

    const run = await apply(target, ...FILES_ONLY);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(
      /its folder plugins\/ sits where the skill needs a folder, but is a file/,
    );
    expect(run.stderr).toMatch(/Nothing was changed/);
    expect(diffSnapshots(before, await treeSnapshot(target))).toEqual(
      NOTHING_CHANGED,
    );
    expect(fs.existsSync(path.join(target, '.nanoclaw'))).toBe(false);
  });

  it('a folder where the rollback must restore a file: the rest is restored, and the next run finishes', async () => {
    const target = await checkoutWithFailingBuild(
      'rm -f src/config.ts && mkdir -p src/config.ts/in-the-way',
    );

    const failed = await apply(target, ...APPLY_AND_BUILD);
    expect(failed.exitCode).toBe(1);
    expect(failed.stderr).toMatch(
      /could not restore src\/config\.ts: E(ISDIR|NOTEMPTY)/,
    );
    expect(await statusBesideJournal(target)).toBe(' D src/config.ts');
    expect(fs.existsSync(path.join(target, JOURNAL, 'journal.json'))).toBe(
      true,
    );
    expect(tempFiles(target)).toEqual([]);

    fs.rmSync(path.join(target, 'src/config.ts'), { recursive: true });
    const finished = await remove(target);
    expect(finished.exitCode, finished.stderr).toBe(0);
    expect(await gitStatus(target)).toBe('');
    expect(fs.existsSync(path.join(target, '.nanoclaw'))).toBe(false);
  });
});
