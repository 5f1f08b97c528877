import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { Journal } from '../../src/engine/journal.js';
import { FILES_ONLY, REMOVE_FILES_ONLY, runCli } from '../helpers/cli.js';
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

describe('remove-skill', () => {
  it('keeps unrelated edits the user made after apply', async () => {
    const target = await copyOf();
    const original = {
      config: read(target, 'src/config.ts'),
      runner: read(target, 'src/container-runner.ts'),
    };
    expect((await apply(target)).exitCode).toBe(0);

    const userLine = "export const GREETING = 'hello';\n";
    write(
      target,
      'src/config.ts',
      read(target, 'src/config.ts').replace(
        'export const POLL_INTERVAL',
        `${userLine}export const POLL_INTERVAL`,
      ),
    );
    write(
      target,
      'src/container-runner.ts',
      read(target, 'src/container-runner.ts').replace(
        "'Spawning container agent'",
        "'Spawning agent container'",
      ),
    );

    const run = await remove(target);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(read(target, 'src/config.ts')).toBe(
      original.config.replace(
        'export const POLL_INTERVAL',
        `${userLine}export const POLL_INTERVAL`,
      ),
    );
    expect(read(target, 'src/container-runner.ts')).toBe(
      original.runner.replace(
        "'Spawning container agent'",
        "'Spawning agent container'",
      ),
    );
  });

  it('keeps a template file the user changed (with a warning) unless --force', async () => {
    const target = await copyOf();
    expect((await apply(target)).exitCode).toBe(0);
    const file = 'plugins/codex/README.md';
    write(target, file, read(target, file) + '\nMy own notes.\n');

    const kept = await remove(target);
    expect(kept.exitCode, kept.stderr).toBe(0);
    expect(kept.stderr).toMatch(
      /plugins\/codex\/README\.md was changed since apply; kept it/,
    );
    expect(read(target, file)).toMatch(/My own notes/);
    expect(fs.existsSync(path.join(target, 'plugins/codex/host.ts'))).toBe(
      false,
    );

    expect((await apply(target)).exitCode).toBe(0);
    const forced = await remove(target, '--force');
    expect(forced.exitCode, forced.stderr).toBe(0);
    expect(fs.existsSync(path.join(target, 'plugins'))).toBe(false);
  });

  it('works from detection alone when the state file is gone', async () => {
    const target = await copyOf('customised');
    const before = await treeSnapshot(target);
    expect((await apply(target)).exitCode).toBe(0);
    fs.rmSync(path.join(target, '.nanoclaw'), { recursive: true });

    const run = await remove(target);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(diffSnapshots(before, await treeSnapshot(target))).toEqual(
      NOTHING_CHANGED,
    );
  });

  it('says so when the skill is not applied, and changes nothing', async () => {
    const target = await copyOf();
    const before = await treeSnapshot(target);
    const run = await remove(target);
    expect(run.exitCode).toBe(0);
    expect(run.stderr).toMatch(/not applied/);
    expect(diffSnapshots(before, await treeSnapshot(target))).toEqual(
      NOTHING_CHANGED,
    );
  });
});

describe('apply-skill on a half-applied target', () => {
  it('completes the missing parts without duplicating the present ones', async () => {
    const reference = await copyOf();
    expect((await apply(reference)).exitCode).toBe(0);
    const complete = await treeSnapshot(reference, {
      ignore: ['.nanoclaw/**'],
    });

    const target = await copyOf();
    const originalConfig = read(target, 'src/config.ts');
    expect((await apply(target)).exitCode).toBe(0);
    // Undo part of it by hand: one edit and one template file.
    write(target, 'src/config.ts', originalConfig);
    fs.rmSync(path.join(target, 'src/plugin-loader.ts'));
    fs.rmSync(path.join(target, '.nanoclaw'), { recursive: true });

    const run = await apply(target);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(
      diffSnapshots(
        complete,
        await treeSnapshot(target, { ignore: ['.nanoclaw/**'] }),
      ),
    ).toEqual(NOTHING_CHANGED);
  });
});

describe('an interrupted run', () => {
  it('is rolled back by the next run before it does anything else', async () => {
    const target = await copyOf();
    const before = await treeSnapshot(target);
    // Simulate a crash half-way through a write: journal saved, files changed, never finished.
    const journal = Journal.begin(target, 'apply', 'add-codex-provider');
    journal.record(['src/index.ts', 'src/half-written.ts']);
    write(target, 'src/index.ts', 'half written');
    write(target, 'src/half-written.ts', 'export {};\n');

    const run = await remove(target);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/interrupted/);
    expect(diffSnapshots(before, await treeSnapshot(target))).toEqual(
      NOTHING_CHANGED,
    );
    expect(fs.existsSync(path.join(target, '.nanoclaw'))).toBe(false);
  });
});

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

describe('what apply created outside its files', () => {
  it('data/env/env, made when apply set the provider, goes again on remove', async () => {
    const target = await checkout();
    write(target, '.env', 'ASSISTANT_NAME=Andy\n');
    const before = await treeSnapshot(target);

    expect((await apply(target, '--provider', 'codex')).exitCode).toBe(0);
    expect(read(target, 'data/env/env')).toMatch(/AGENT_PROVIDER=codex/);

    const removed = await remove(target);
    expect(removed.exitCode, removed.stderr).toBe(0);
    expect(read(target, '.env')).toBe('ASSISTANT_NAME=Andy\n');
    expect(fs.existsSync(path.join(target, 'data'))).toBe(false);
    expect(diffSnapshots(before, await treeSnapshot(target))).toEqual(
      NOTHING_CHANGED,
    );
  });

  it('data/env/env stays once .env holds more than before apply: it is in use', async () => {
    const target = await checkout();
    write(target, '.env', 'ASSISTANT_NAME=Andy\n');
    expect((await apply(target, '--provider', 'codex')).exitCode).toBe(0);
    fs.appendFileSync(path.join(target, '.env'), 'TZ=UTC\n');
    write(target, 'data/env/env', read(target, '.env'));

    const removed = await remove(target);
    expect(removed.exitCode, removed.stderr).toBe(0);
    expect(read(target, '.env')).toBe('ASSISTANT_NAME=Andy\nTZ=UTC\n');
    expect(read(target, 'data/env/env')).toBe(read(target, '.env'));
  });

  it('data/env/env that was there before apply stays', async () => {
    const target = await checkout();
    write(target, '.env', 'ASSISTANT_NAME=Andy\n');
    fs.mkdirSync(path.join(target, 'data/env'), { recursive: true });
    write(target, 'data/env/env', 'ASSISTANT_NAME=Andy\n');
    const before = await treeSnapshot(target);

    expect((await apply(target, '--provider', 'codex')).exitCode).toBe(0);
    const removed = await remove(target);
    expect(removed.exitCode, removed.stderr).toBe(0);
    expect(diffSnapshots(before, await treeSnapshot(target))).toEqual(
      NOTHING_CHANGED,
    );
  });
});
