/**
 * What npm changes is part of a rollback: a remove that fails (or is killed)
 * after it took codex-oauth out of node_modules must leave it installed, and
 * "already applied" must mean the package is really there and built. One
 * target goes through every case in turn, with real installs. Its tsc is the
 * memoised one (test/helpers/tsc-memo.cjs): a build that fails here fails on
 * sources of its own, which compile, and the build a kill interrupts is the
 * prebuild script's.
 */
import { execa } from 'execa';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { TOOL_ROOT, runCli } from '../helpers/cli.js';
import {
  createSampleCopy,
  diffSnapshots,
  sampleEnv,
  treeSnapshot,
  type SampleCopy,
  type TreeSnapshot,
} from '../helpers/sample.js';

let copy: SampleCopy;
let target: string;
beforeAll(async () => {
  copy = await createSampleCopy('base', {
    install: true,
    git: true,
    memoTsc: true,
  });
  target = copy.dir;
});
afterAll(async () => {
  killProcessesIn(target);
  await copy.cleanup();
});

const APPLY = ['--yes', '--no-restart', '--skip-auth'];
const REMOVE = ['--yes', '--no-restart'];
const apply = () =>
  runCli('apply-skill', ['add-codex-provider', '--target', target, ...APPLY]);
const remove = () =>
  runCli('remove-skill', ['add-codex-provider', '--target', target, ...REMOVE]);

const inTarget = (...relative: string[]) => path.join(target, ...relative);
const CODEX_OAUTH = 'node_modules/codex-oauth';
const CODEX_OAUTH_BIN = 'node_modules/.bin/codex-oauth';
const NOTHING_CHANGED = { added: [], removed: [], changed: [] };

async function buildPasses(): Promise<{ ok: boolean; output: string }> {
  const run = await execa('npm', ['run', 'build'], {
    cwd: target,
    env: sampleEnv(),
    extendEnv: false,
    reject: false,
    all: true,
  });
  return { ok: run.exitCode === 0, output: run.all ?? '' };
}

/** The target's files and what npm installed of the skill. */
async function installedState(): Promise<{
  tree: TreeSnapshot;
  link: string;
  lock: string;
}> {
  return {
    tree: await treeSnapshot(target),
    link: fs.readlinkSync(inTarget(CODEX_OAUTH)),
    lock: fs.readFileSync(inTarget('package-lock.json'), 'utf8'),
  };
}

async function expectInstalledAsBefore(before: {
  tree: TreeSnapshot;
  link: string;
  lock: string;
}): Promise<void> {
  const now = await installedState();
  expect(now.link).toBe(before.link);
  expect(now.lock).toBe(before.lock);
  expect(fs.existsSync(inTarget(CODEX_OAUTH_BIN))).toBe(true);
  expect(diffSnapshots(before.tree, now.tree)).toEqual(NOTHING_CHANGED);
}

/** Programs a killed run left running in the target (its build). */
function killProcessesIn(dir: string): void {
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (fs.readlinkSync(`/proc/${pid}/cwd`).startsWith(dir)) {
        process.kill(Number(pid), 'SIGKILL');
      }
    } catch {
      // Gone, or not ours to look at.
    }
  }
}

/** Until the running remove's journal records its build as started. */
async function buildRunning(): Promise<void> {
  const journal = inTarget('.nanoclaw/skill-applicator/journal/journal.json');
  for (;;) {
    try {
      const data = JSON.parse(fs.readFileSync(journal, 'utf8'));
      const building = data.preserved?.some(
        (p: { path: string }) => p.path === 'dist',
      );
      if (building && data.commands?.length > 0) return;
    } catch {
      // Not written yet, or caught mid-rename.
    }
    await sleep(50);
  }
}

function setPrebuild(script: string | undefined): void {
  const file = inTarget('package.json');
  const pkg = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (script === undefined) delete pkg.scripts.prebuild;
  else pkg.scripts.prebuild = script;
  fs.writeFileSync(file, JSON.stringify(pkg, null, 2) + '\n');
}

describe('npm and the rollback', () => {
  it('applies on a target with a build of its own in dist/', async () => {
    fs.mkdirSync(inTarget('dist'));
    fs.writeFileSync(inTarget('dist/notes.txt'), 'mine\n');
    const run = await apply();
    expect(run.exitCode, run.stderr).toBe(0);
    expect(fs.existsSync(inTarget(CODEX_OAUTH, 'package.json'))).toBe(true);
  });

  it('"already applied" reinstalls a package that is gone, instead of claiming success', async () => {
    fs.rmSync(inTarget(CODEX_OAUTH));
    fs.rmSync(inTarget(CODEX_OAUTH_BIN), { force: true });

    const run = await apply();
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).toMatch(
      /node_modules\/codex-oauth is missing; installing and building again/,
    );
    // Apply's own validation build passed with it.
    expect(fs.existsSync(inTarget(CODEX_OAUTH, 'package.json'))).toBe(true);
  });

  it('a remove whose build fails leaves codex-oauth installed, lock and package.json as they were', async () => {
    const stateFile = inTarget('src/state.ts');
    const original = fs.readFileSync(stateFile, 'utf8');
    fs.appendFileSync(stateFile, '\nexport const broken: number = "text";\n');
    const before = await installedState();

    const run = await remove();
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/TS2322/);
    expect(run.stderr).toMatch(/Everything was rolled back/);
    await expectInstalledAsBefore(before);
    expect(run.stderr).toMatch(/also put back .*node_modules\/codex-oauth/);

    fs.writeFileSync(stateFile, original);
    const build = await buildPasses();
    expect(build.output).not.toMatch(/TS2307/);
    expect(build.ok, build.output).toBe(true);
  });

  it('a remove killed (-9) during its build is undone by the next apply, which stops that build and then finds everything in place', async () => {
    // A build that outlives the killed run and writes into dist/ 6 s in.
    setPrebuild('sleep 6 && echo late > dist/late.js; exit 1');
    const before = await installedState();
    const child = execa(
      'node',
      [
        path.join(TOOL_ROOT, 'dist/scripts/remove-skill.js'),
        'add-codex-provider',
        '--target',
        target,
        ...REMOVE,
      ],
      {
        env: { ...sampleEnv(), CI: '1', NO_COLOR: '1' },
        extendEnv: false,
        reject: false,
      },
    );
    await buildRunning();
    child.kill('SIGKILL');
    await child;
    const killedAt = Date.now();
    expect(fs.existsSync(inTarget(CODEX_OAUTH))).toBe(false);
    // The killed run's lock goes stale after 30 s; age it instead of waiting.
    const lock = inTarget('.nanoclaw/skill-applicator/lock');
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(lock, old, old);

    const run = await apply();
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/An earlier run was interrupted/);
    expect(run.stderr).toMatch(
      /Stopped 1 program\(s\) the earlier run left running/,
    );
    expect(run.stderr).toMatch(/already applied/);
    // Past the moment the left-over build would have written.
    await sleep(Math.max(0, killedAt + 8_000 - Date.now()));
    expect(fs.existsSync(inTarget('dist/late.js'))).toBe(false);
    await expectInstalledAsBefore(before);
    setPrebuild(undefined);
  });

  it('remove then leaves the target as it was: a dist/ the target had stays, codex-oauth goes', async () => {
    const run = await remove();
    expect(run.exitCode, run.stderr).toBe(0);
    const status = await execa(
      'git',
      ['status', '--porcelain', '--untracked-files=all'],
      { cwd: target, env: sampleEnv(), extendEnv: false },
    );
    expect(status.stdout).toBe('');
    expect(fs.readFileSync(inTarget('dist/notes.txt'), 'utf8')).toBe('mine\n');
    expect(fs.existsSync(inTarget('dist/index.js'))).toBe(true);
    expect(fs.existsSync(inTarget(CODEX_OAUTH))).toBe(false);
    expect(fs.existsSync(inTarget(CODEX_OAUTH_BIN))).toBe(false);
  });
});
