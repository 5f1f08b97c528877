/**
 * Template files that are not only the skill's: a file of the user's own at a
 * template path (apply --force replaces it, remove must put it back), and a
 * template file the user changed after apply (remove keeps it, and must not
 * then run a build that cannot pass).
 */
import { execa } from 'execa';
import fs from 'node:fs';
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

const copies: SampleCopy[] = [];
afterAll(async () => {
  await Promise.all(copies.map((copy) => copy.cleanup()));
});

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

const apply = (target: string, ...extra: string[]) =>
  runCli('apply-skill', [
    'add-codex-provider',
    '--target',
    target,
    ...FILES_ONLY,
    ...extra,
  ]);
const remove = (target: string, ...extra: string[]) =>
  runCli('remove-skill', [
    'add-codex-provider',
    '--target',
    target,
    ...REMOVE_FILES_ONLY,
    ...extra,
  ]);

const LOADER = 'src/plugin-loader.ts';
const OWN_LOADER =
  "// My own plugin loader, not the skill's.\nexport const mine = 1;\n";
const NOTHING_CHANGED = { added: [], removed: [], changed: [] };

const read = (target: string, file: string) =>
  fs.readFileSync(path.join(target, file), 'utf8');
const append = (target: string, file: string, text: string) =>
  fs.appendFileSync(path.join(target, file), text);

/** A checkout that has a src/plugin-loader.ts of its own, committed. */
async function checkoutWithOwnLoader(): Promise<string> {
  const target = await checkout();
  fs.writeFileSync(path.join(target, LOADER), OWN_LOADER);
  await git(target, 'add', LOADER);
  await git(target, 'commit', '--quiet', '-m', 'My own plugin loader');
  return target;
}

describe("apply --force over a file of the user's own", () => {
  it('keeps the original bytes, and remove puts them back', async () => {
    const target = await checkoutWithOwnLoader();

    const kept = await apply(target);
    expect(kept.exitCode, kept.stderr).toBe(0);
    expect(kept.stderr).toMatch(/src\/plugin-loader\.ts exists.*kept yours/);
    expect(read(target, LOADER)).toBe(OWN_LOADER);
    // Remove keeps a file apply did not write (--force would delete it).
    const leftAlone = await remove(target);
    expect(leftAlone.exitCode, leftAlone.stderr).toBe(0);
    expect(leftAlone.stderr).toMatch(
      /src\/plugin-loader\.ts is not the skill's version \(apply kept yours\); kept it/,
    );
    expect(read(target, LOADER)).toBe(OWN_LOADER);
    expect(await gitStatus(target)).toBe('');

    const forced = await apply(target, '--force');
    expect(forced.exitCode, forced.stderr).toBe(0);
    expect(forced.stderr).toMatch(/--force replaces it \(yours is kept/);
    expect(read(target, LOADER)).not.toBe(OWN_LOADER);

    const removed = await remove(target);
    expect(removed.exitCode, removed.stderr).toBe(0);
    expect(read(target, LOADER)).toBe(OWN_LOADER);
    expect(await gitStatus(target)).toBe('');
    expect(fs.existsSync(path.join(target, '.nanoclaw'))).toBe(false);
  });

  it('keeps the first original through a second --force, and asks before discarding later changes', async () => {
    const target = await checkoutWithOwnLoader();
    expect((await apply(target, '--force')).exitCode).toBe(0);
    append(target, LOADER, '// changed after apply\n');
    expect((await apply(target, '--force')).exitCode).toBe(0);
    append(target, LOADER, '// changed again\n');
    const before = await treeSnapshot(target);

    const refused = await remove(target);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(
      /src\/plugin-loader\.ts: apply replaced your own version of this file/,
    );
    expect(refused.stderr).toMatch(
      /--force puts your version from before apply back/,
    );
    expect(diffSnapshots(before, await treeSnapshot(target))).toEqual(
      NOTHING_CHANGED,
    );

    const forced = await remove(target, '--force');
    expect(forced.exitCode, forced.stderr).toBe(0);
    expect(read(target, LOADER)).toBe(OWN_LOADER);
    expect(await gitStatus(target)).toBe('');
  });
});

describe("apply --force over the skill's own file, changed by the user", () => {
  it("overwrites it without keeping it: remove then deletes it as the skill's", async () => {
    const target = await checkout();
    expect((await apply(target)).exitCode).toBe(0);
    append(target, LOADER, '// my tweak\n');
    const forced = await apply(target, '--force');
    expect(forced.exitCode, forced.stderr).toBe(0);
    expect(forced.stderr).not.toMatch(/yours is kept/);

    const removed = await remove(target);
    expect(removed.exitCode, removed.stderr).toBe(0);
    expect(await gitStatus(target)).toBe('');
  });
});

describe('remove with a changed template file the build would trip over', () => {
  it('says so before writing anything, and --force deletes the file', async () => {
    const target = await checkout();
    expect((await apply(target)).exitCode).toBe(0);
    append(target, LOADER, '\n// my tweak\n');
    const before = await treeSnapshot(target);

    const refused = await remove(target);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(/Nothing was changed/);
    expect(refused.stderr).toMatch(
      /src\/plugin-loader\.ts: changed since apply, so remove would keep it/,
    );
    expect(refused.stderr).toMatch(
      /imports \.\/provider-plugin\.js, which remove deletes/,
    );
    expect(refused.stderr).toMatch(
      /imports AGENT_PROVIDER from \.\/config\.js, which remove takes out of src\/config\.ts/,
    );
    expect(refused.stderr).toMatch(/--force deletes it as well/);
    expect(diffSnapshots(before, await treeSnapshot(target))).toEqual(
      NOTHING_CHANGED,
    );

    const forced = await remove(target, '--force');
    expect(forced.exitCode, forced.stderr).toBe(0);
    expect(await gitStatus(target)).toBe('');
  });

  it('keeps, with a warning, a changed file the build no longer compiles', async () => {
    // plugins/ is built by tsconfig.plugins.json, which remove deletes.
    const target = await checkout();
    expect((await apply(target)).exitCode).toBe(0);
    const host = 'plugins/codex/host.ts';
    append(target, host, '\n// my tweak\n');
    const tweaked = read(target, host);

    const run = await remove(target);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).toMatch(
      /plugins\/codex\/host\.ts was changed since apply; kept it/,
    );
    expect(read(target, host)).toBe(tweaked);
    expect(fs.existsSync(path.join(target, LOADER))).toBe(false);
  });
});
