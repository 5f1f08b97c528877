import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { execa } from 'execa';

import { FILES_ONLY, TOOL_ROOT, runCli } from '../helpers/cli.js';
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

async function copyOf(variant = 'base', install = false): Promise<string> {
  const copy = await createSampleCopy(variant, { install });
  copies.push(copy);
  return copy.dir;
}

const NOTHING_CHANGED = { added: [], removed: [], changed: [] };
const APPLY_ALL = ['--yes', '--skip-auth', '--no-restart'];

/** Every file, build output included, so a rollback must restore dist/ too. */
async function fullSnapshot(dir: string) {
  const { readdirSync, readFileSync, statSync } = fs;
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const name of readdirSync(path.join(dir, rel))) {
      if (name === 'node_modules' || name === '.git') continue;
      const child = path.join(rel, name);
      if (statSync(path.join(dir, child)).isDirectory()) walk(child);
      else out[child] = readFileSync(path.join(dir, child), 'utf8');
    }
  };
  walk('');
  return out;
}

describe('a failing build rolls everything back', () => {
  it('restores every file, dist/ included, when the target has a type error', async () => {
    const target = await copyOf('base', true);
    fs.appendFileSync(
      path.join(target, 'src/state.ts'),
      '\nexport const broken: number = "text";\n',
    );
    fs.mkdirSync(path.join(target, 'dist'));
    fs.writeFileSync(
      path.join(target, 'dist/index.js'),
      '// the build the user had before\n',
    );
    const lockBefore = fs.readFileSync(path.join(target, 'package-lock.json'));
    const before = await fullSnapshot(target);

    const run = await runCli('apply-skill', [
      'add-codex-provider',
      '--target',
      target,
      ...APPLY_ALL,
    ]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/npm run build/);
    expect(run.stderr).toMatch(/rolled back/);
    expect(run.stderr).toMatch(/src\/state\.ts.*TS2322|TS2322/);
    expect(await fullSnapshot(target)).toEqual(before);
    expect(
      fs
        .readFileSync(path.join(target, 'package-lock.json'))
        .equals(lockBefore),
    ).toBe(true);
    expect(fs.existsSync(path.join(target, 'node_modules/codex-oauth'))).toBe(
      false,
    );
  });

  it('deletes the stray .js files a failed tsc emits next to the plugin sources (TS6059)', async () => {
    // The literal recipe: "plugins" added to the root tsconfig include.
    const target = await copyOf('base', true);
    const tsconfigFile = path.join(target, 'tsconfig.json');
    fs.writeFileSync(
      tsconfigFile,
      fs
        .readFileSync(tsconfigFile, 'utf8')
        .replace(
          '"include": ["src/**/*"]',
          '"include": ["src/**/*", "plugins/**/*"]',
        ),
    );
    const before = await fullSnapshot(target);

    const run = await runCli('apply-skill', [
      'add-codex-provider',
      '--target',
      target,
      ...APPLY_ALL,
    ]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/TS6059/);
    expect(await fullSnapshot(target)).toEqual(before);
    expect(fs.existsSync(path.join(target, 'plugins'))).toBe(false);
  });

  it('rolls back package.json and package-lock.json byte for byte when npm install fails', async () => {
    // NanoClaw's own dependencies may come from git hosts; here that host is unreachable.
    const target = await copyOf('base', true);
    const pkgFile = path.join(target, 'package.json');
    const pkg = JSON.parse(fs.readFileSync(pkgFile, 'utf8'));
    pkg.dependencies = {
      'whatsapp-lib': 'git+http://127.0.0.1:9/whatsapp-lib.git',
    };
    fs.writeFileSync(pkgFile, JSON.stringify(pkg, null, 2) + '\n');
    const before = await fullSnapshot(target);
    const lockBefore = fs.readFileSync(path.join(target, 'package-lock.json'));

    const run = await runCli('apply-skill', [
      'add-codex-provider',
      '--target',
      target,
      ...APPLY_ALL,
    ]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/Installing the local package failed/);
    expect(run.stderr).toMatch(/git/);
    expect(run.stderr).toMatch(/network access/);
    expect(run.stderr).toMatch(/rolled back/);
    expect(await fullSnapshot(target)).toEqual(before);
    expect(
      fs
        .readFileSync(path.join(target, 'package-lock.json'))
        .equals(lockBefore),
    ).toBe(true);
    expect(fs.existsSync(path.join(target, 'node_modules/codex-oauth'))).toBe(
      false,
    );
  });
});

describe('an interrupted apply', () => {
  it('rolls everything back on Ctrl-C during the build', async () => {
    const target = await copyOf('base', true);
    const pkgFile = path.join(target, 'package.json');
    const pkg = JSON.parse(fs.readFileSync(pkgFile, 'utf8'));
    pkg.scripts.build = 'sleep 60 && tsc';
    fs.writeFileSync(pkgFile, JSON.stringify(pkg, null, 2) + '\n');
    const before = await fullSnapshot(target);

    const child = execa(
      'node',
      [
        path.join(TOOL_ROOT, 'dist/scripts/apply-skill.js'),
        'add-codex-provider',
        '--target',
        target,
        ...APPLY_ALL,
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
    child.kill('SIGINT');
    const run = await child;
    expect(run.exitCode, run.all).toBe(130);
    expect(run.all).toMatch(/Interrupted by SIGINT; rolled back/);
    expect(await fullSnapshot(target)).toEqual(before);
    expect(fs.existsSync(path.join(target, 'node_modules/codex-oauth'))).toBe(
      false,
    );
    expect(fs.existsSync(path.join(target, '.nanoclaw'))).toBe(false);
  });
});

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
