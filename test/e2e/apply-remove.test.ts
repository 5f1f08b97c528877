import { execa } from 'execa';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, it } from 'vitest';

import { runCli } from '../helpers/cli.js';
import { unformattedFiles } from '../helpers/format-check.js';
import {
  createSampleCopy,
  diffSnapshots,
  ensureSampleInstall,
  listVariants,
  sampleEnv,
  treeSnapshot,
  type SampleCopy,
} from '../helpers/sample.js';
import { useMemoTsc } from '../helpers/tsc-memo.js';

const copies: SampleCopy[] = [];
afterAll(async () => {
  await Promise.all(copies.map((copy) => copy.cleanup()));
});

const APPLY = ['--yes', '--skip-auth', '--no-restart'];

async function inTarget(dir: string, file: string, args: string[]) {
  return execa(file, args, {
    cwd: dir,
    env: sampleEnv(),
    extendEnv: false,
    reject: false,
    all: true,
  });
}

// 2.x is refused (release-shapes.test.ts); every 1.x shape goes the whole way.
// Each variant has its own copy, so they run side by side (maxConcurrency at a time).
describe.concurrent.each(listVariants().filter((variant) => variant !== 'v2'))(
  'apply, build and remove on the %s sample',
  (variant) => {
    it('installs for real, keeps the target green, is idempotent and removes to the original bytes', async ({
      expect,
    }) => {
      // NanoClaw's own build compiles for real (and is recorded for the tests
      // that replay builds); the skill's package and plugins, the same files
      // on every variant, replay where one compiled them with the same types.
      const copy = await createSampleCopy(variant, {
        git: true,
        memoTsc: 'own',
      });
      copies.push(copy);
      const target = copy.dir;
      const before = await treeSnapshot(target);
      const lockBefore = fs.readFileSync(
        path.join(target, 'package-lock.json'),
      );

      const apply = await runCli('apply-skill', [
        'add-codex-provider',
        '--target',
        target,
        ...APPLY,
      ]);
      expect(apply.exitCode, apply.stderr).toBe(0);
      for (const built of [
        'dist/index.js',
        'dist/plugins/codex/host.js',
        'dist/plugin-loader.js',
        'packages/codex-oauth/dist/index.js',
        'node_modules/codex-oauth/package.json',
      ]) {
        expect(fs.existsSync(path.join(target, built)), built).toBe(true);
      }
      // No stray compiled files next to the sources (the TS6059 failure mode).
      expect(fs.existsSync(path.join(target, 'plugins/codex/host.js'))).toBe(
        false,
      );
      const pkg = JSON.parse(
        fs.readFileSync(path.join(target, 'package.json'), 'utf8'),
      );
      expect(pkg.dependencies['codex-oauth']).toBe('file:packages/codex-oauth');
      expect(pkg.scripts.build).toBe('tsc && tsc -p tsconfig.plugins.json');

      // The target's own CI stays green: its vitest suite (its own binary, as
      // `npx` would pick it, without npm's start-up) and its format check (its
      // own prettier, asked in this process; dry-run.test.ts runs the CLI).
      const vitest = await inTarget(target, 'node_modules/.bin/vitest', [
        'run',
      ]);
      expect(vitest.exitCode, vitest.all).toBe(0);
      expect(
        await unformattedFiles(
          target,
          await ensureSampleInstall(variant),
          'src/**/*.ts',
        ),
      ).toEqual([]);

      // Idempotent: a second apply changes nothing and says so.
      const applied = await treeSnapshot(target);
      const again = await runCli('apply-skill', [
        'add-codex-provider',
        '--target',
        target,
        ...APPLY,
      ]);
      expect(again.exitCode, again.stderr).toBe(0);
      expect(again.stderr).toMatch(/already applied/);
      expect(diffSnapshots(applied, await treeSnapshot(target))).toEqual({
        added: [],
        removed: [],
        changed: [],
      });

      // Remove's build of the original sources is the sample's own build,
      // which sample.test.ts compiles for real: replayed here.
      await useMemoTsc(target);
      const remove = await runCli('remove-skill', [
        'add-codex-provider',
        '--target',
        target,
        '--yes',
        '--no-restart',
      ]);
      expect(remove.exitCode, remove.stderr).toBe(0);
      expect(diffSnapshots(before, await treeSnapshot(target))).toEqual({
        added: [],
        removed: [],
        changed: [],
      });
      expect(
        fs
          .readFileSync(path.join(target, 'package-lock.json'))
          .equals(lockBefore),
      ).toBe(true);
      expect(fs.existsSync(path.join(target, '.nanoclaw'))).toBe(false);
      expect(fs.existsSync(path.join(target, 'node_modules/codex-oauth'))).toBe(
        false,
      );
      // The sample had no build before apply: the dist/ apply's build made goes too.
      expect(fs.existsSync(path.join(target, 'dist'))).toBe(false);
      const status = await inTarget(target, 'git', [
        'status',
        '--porcelain',
        '--untracked-files=all',
      ]);
      expect(status.all).toBe('');
    });
  },
);
