import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';

import { execa } from 'execa';

import { TOOL_ROOT, runCli } from '../helpers/cli.js';
import {
  createSampleCopy,
  sampleEnv,
  type SampleCopy,
} from '../helpers/sample.js';

const copies: SampleCopy[] = [];
afterAll(async () => {
  await Promise.all(copies.map((copy) => copy.cleanup()));
});

/**
 * An installed copy of the base sample. With `memoTsc` its builds are
 * memoised (test/helpers/tsc-memo.cjs): for tests whose build fails on inputs
 * of their own, which still compile, and not on how a build process runs or
 * stops.
 */
async function installedCopy(
  options: { memoTsc?: boolean } = {},
): Promise<string> {
  const copy = await createSampleCopy('base', { install: true, ...options });
  copies.push(copy);
  return copy.dir;
}

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
    const target = await installedCopy({ memoTsc: true });
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

    const dryRun = await runCli('apply-skill', [
      'add-codex-provider',
      '--target',
      target,
      '--dry-run',
    ]);
    const planned = Number(/Dry run: (\d+) file/.exec(dryRun.stderr)?.[1]);

    const run = await runCli('apply-skill', [
      'add-codex-provider',
      '--target',
      target,
      ...APPLY_ALL,
    ]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/npm run build/);
    // The planned files and the lock file npm rewrote; build output and node_modules apart.
    expect(run.stderr).toContain(`rolled back ${planned + 1} files (`);
    expect(run.stderr).toMatch(
      /also put back dist\/, .*node_modules\/codex-oauth/,
    );
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
    const target = await installedCopy({ memoTsc: true });
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
    const target = await installedCopy();
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

describe('the rollback count', () => {
  it('is the files really restored and deleted: the planned ones, not what tsc emitted', async () => {
    const target = await installedCopy({ memoTsc: true });
    // The skill's package counts as installed, so the build runs without npm.
    const fakePackage = path.join(target, 'node_modules/codex-oauth');
    fs.mkdirSync(fakePackage, { recursive: true });
    fs.writeFileSync(path.join(fakePackage, 'package.json'), '{}\n');
    fs.appendFileSync(
      path.join(target, 'src/state.ts'),
      '\nexport const broken: number = "text";\n',
    );
    const dryRun = await runCli('apply-skill', [
      'add-codex-provider',
      '--target',
      target,
      '--dry-run',
    ]);
    const planned = Number(/Dry run: (\d+) file/.exec(dryRun.stderr)?.[1]);
    const before = await fullSnapshot(target);

    const run = await runCli('apply-skill', [
      'add-codex-provider',
      '--target',
      target,
      '--skip-install',
      ...APPLY_ALL,
    ]);
    expect(run.exitCode).toBe(1);
    const [, created, updated] =
      /(\d+) file\(s\) to create, (\d+) to update/.exec(run.stderr) ?? [];
    expect(Number(created) + Number(updated)).toBe(planned);
    expect(run.stderr).toContain(
      `apply failed; rolled back ${planned} files (${updated} restored, ${created} deleted); also put back dist/.`,
    );
    expect(await fullSnapshot(target)).toEqual(before);
  });
});

describe('an interrupted apply', () => {
  it('rolls everything back on Ctrl-C during the build', async () => {
    const target = await installedCopy();
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

describe('the install and the builds, run at the same time', () => {
  it("a failing package build stops NanoClaw's build running alongside, then rolls everything back", async () => {
    const target = await installedCopy();
    // A file of the user's in the package's folder, with a type error: the package's build fails.
    fs.mkdirSync(path.join(target, 'packages/codex-oauth/src'), {
      recursive: true,
    });
    fs.writeFileSync(
      path.join(target, 'packages/codex-oauth/src/broken.ts'),
      'export const broken: number = "text";\n',
    );
    // NanoClaw's own build, which runs meanwhile, writes into dist/ 15 s in unless stopped.
    const pkgFile = path.join(target, 'package.json');
    const pkg = JSON.parse(fs.readFileSync(pkgFile, 'utf8'));
    pkg.scripts.build =
      "sh -c 'sleep 15 && mkdir -p dist && echo late > dist/late.js' && tsc";
    fs.writeFileSync(pkgFile, JSON.stringify(pkg, null, 2) + '\n');
    const before = await fullSnapshot(target);
    const started = Date.now();

    const run = await runCli('apply-skill', [
      'add-codex-provider',
      '--target',
      target,
      ...APPLY_ALL,
    ]);
    expect(run.exitCode, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/Building packages\/codex-oauth failed/);
    expect(run.stderr).toMatch(/broken\.ts.*TS2322/);
    expect(run.stderr).toMatch(/Everything was rolled back/);
    // Past the moment the stopped build would have written.
    await sleep(Math.max(0, started + 17_000 - Date.now()));
    expect(fs.existsSync(path.join(target, 'dist'))).toBe(false);
    expect(await fullSnapshot(target)).toEqual(before);
    expect(fs.existsSync(path.join(target, 'node_modules/codex-oauth'))).toBe(
      false,
    );
  });

  it('a plugin compile that fails while NanoClaw compiles alongside rolls everything back, dist/plugins too', async () => {
    const target = await installedCopy();
    // A plugin of the user's own with a type error: only the plugin compile
    // (tsc -p tsconfig.plugins.json, run beside NanoClaw's plain tsc) fails.
    fs.mkdirSync(path.join(target, 'plugins/mine'), { recursive: true });
    fs.writeFileSync(
      path.join(target, 'plugins/mine/host.ts'),
      'export const port: number = "1455";\n',
    );
    const before = await fullSnapshot(target);

    const run = await runCli('apply-skill', [
      'add-codex-provider',
      '--target',
      target,
      ...APPLY_ALL,
    ]);
    expect(run.exitCode, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/tsc -p tsconfig\.plugins\.json/);
    expect(run.stderr).toMatch(/mine\/host\.ts.*TS2322/);
    expect(run.stderr).toMatch(/Everything was rolled back/);
    expect(await fullSnapshot(target)).toEqual(before);
    expect(fs.existsSync(path.join(target, 'dist'))).toBe(false);
  });

  it('when npm changes more than the skill package, the builds run again on what it installed', async () => {
    const target = await installedCopy({ memoTsc: true });
    // node_modules out of step with the lock file: npm puts prettier back.
    fs.rmSync(path.join(target, 'node_modules/prettier'), { recursive: true });

    const run = await runCli('apply-skill', [
      'add-codex-provider',
      '--target',
      target,
      ...APPLY_ALL,
    ]);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).toMatch(
      /npm changed other entries of node_modules, so the builds run again/,
    );
    expect(
      fs.existsSync(path.join(target, 'node_modules/prettier/package.json')),
    ).toBe(true);
    expect(fs.existsSync(path.join(target, 'dist/plugins/codex/host.js'))).toBe(
      true,
    );
  });
});
