/**
 * Edits that are not as apply left them: drifted (remove must stop before
 * writing), half there (apply completes only what is missing), or in a file
 * that starts with a byte order mark (kept, byte for byte).
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

const read = (target: string, file: string) =>
  fs.readFileSync(path.join(target, file), 'utf8');
const write = (target: string, file: string, text: string) =>
  fs.writeFileSync(path.join(target, file), text);
const NOTHING_CHANGED = { added: [], removed: [], changed: [] };

/** A git-committed, installed copy: what a user's checkout looks like. */
async function checkout(): Promise<string> {
  const copy = await createSampleCopy('base', {
    install: true,
    git: true,
    memoTsc: true,
  });
  copies.push(copy);
  return copy.dir;
}

async function gitStatus(target: string): Promise<string> {
  const { stdout } = await execa(
    'git',
    ['status', '--porcelain', '--untracked-files=all'],
    { cwd: target, env: sampleEnv(), extendEnv: false },
  );
  return stdout;
}

describe('remove-skill on a drifted edit', () => {
  it('refuses before writing anything, naming the edit, the file and the part, unless --force', async () => {
    const target = await checkout();
    expect((await apply(target)).exitCode).toBe(0);
    // A line added inside what the skill added to readSecrets().
    const runner = 'src/container-runner.ts';
    const pluginSecrets = '    ...(await getActivePlugin()?.getSecrets()),\n';
    expect(read(target, runner)).toContain(pluginSecrets);
    write(
      target,
      runner,
      read(target, runner).replace(
        pluginSecrets,
        `${pluginSecrets}    EXTRA_SECRET: 'x',\n`,
      ),
    );
    const drifted = await treeSnapshot(target);

    const refused = await remove(target);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(
      /src\/container-runner\.ts: edit add-provider-routing-host has drifted/,
    );
    expect(refused.stderr).toMatch(/async readSecrets\(\) with plugin secrets/);
    expect(refused.stderr).toMatch(/Nothing was changed/);
    expect(refused.stderr).toMatch(/--force/);
    expect(diffSnapshots(drifted, await treeSnapshot(target))).toEqual(
      NOTHING_CHANGED,
    );

    const forced = await remove(target, '--force');
    expect(forced.exitCode, forced.stderr).toBe(0);
    // What --force promises: the parts still there are taken out, the changed one stays.
    expect(read(target, runner)).toContain('EXTRA_SECRET');
    expect(fs.existsSync(path.join(target, 'src/plugin-loader.ts'))).toBe(
      false,
    );
  });
});

describe('apply-skill completing a half-applied edit', () => {
  it('re-adds only the missing call, not the comment above it, and remove takes both out', async () => {
    const target = await checkout();
    const before = await treeSnapshot(target);
    expect((await apply(target)).exitCode).toBe(0);
    const runner = 'src/container-runner.ts';
    const applied = read(target, runner);
    const call = '  copyContainerProvider(groupAgentRunnerDir);\n';
    write(target, runner, applied.replace(call, ''));

    const again = await apply(target);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(read(target, runner)).toBe(applied);

    const removed = await remove(target);
    expect(removed.exitCode, removed.stderr).toBe(0);
    expect(diffSnapshots(before, await treeSnapshot(target))).toEqual(
      NOTHING_CHANGED,
    );
    expect(await gitStatus(target)).toBe('');
  });
});

describe('a UTF-8 byte order mark', () => {
  it('is accepted and kept: apply edits the file, remove gives back the exact bytes', async () => {
    const target = await checkout();
    const config = path.join(target, 'src/config.ts');
    const withBom = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      fs.readFileSync(config),
    ]);
    fs.writeFileSync(config, withBom);
    const before = await treeSnapshot(target);

    const applied = await apply(target);
    expect(applied.exitCode, applied.stderr).toBe(0);
    const edited = fs.readFileSync(config);
    expect(edited.subarray(0, 3)).toEqual(withBom.subarray(0, 3));
    expect(edited.toString('utf8')).toMatch(/export const AGENT_PROVIDER/);
    expect(edited.toString('utf8').match(/\uFEFF/g)).toHaveLength(1);

    const removed = await remove(target);
    expect(removed.exitCode, removed.stderr).toBe(0);
    expect(fs.readFileSync(config).equals(withBom)).toBe(true);
    expect(diffSnapshots(before, await treeSnapshot(target))).toEqual(
      NOTHING_CHANGED,
    );
  });
});
