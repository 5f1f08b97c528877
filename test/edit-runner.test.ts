/**
 * The codemod pass in a worker thread (src/edit-runner.ts): same result as in
 * place, errors that keep their meaning, a fallback when no worker can run,
 * and a CLI whose main thread never loads the TypeScript compiler.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

import type * as EditRunner from '../src/engine/edit-runner.js';
import { prestartEditWorker, runEditJob } from '../src/engine/edit-runner.js';
import type { EditJob } from '../src/engine/edits.js';
import { loadCodemods } from '../src/engine/codemod-loader.js';
import { runEdits } from '../src/engine/edits.js';
import { mainThreadProbe } from './helpers/main-thread-probe.js';
import { loadManifest } from '../src/engine/manifest.js';
import {
  FILES_ONLY,
  REMOVE_FILES_ONLY,
  TOOL_ROOT,
  runCli,
} from './helpers/cli.js';
import { createSampleCopy, type SampleCopy } from './helpers/sample.js';

const copies: SampleCopy[] = [];
const codemodsOf = (job: EditJob) => loadCodemods(job.skill, job.codemods);
afterAll(async () => {
  await Promise.all(copies.map((copy) => copy.cleanup()));
});

async function sampleJob(operation: EditJob['operation']): Promise<EditJob> {
  const copy = await createSampleCopy('base');
  copies.push(copy);
  return {
    operation,
    skill: 'add-codex-provider',
    root: copy.dir,
    codemods: loadManifest('add-codex-provider').codemods,
    pending: {},
  };
}

/** The built runner: the worker it starts is the compiled dist/src/engine/edit-worker.js. */
async function builtRunner(): Promise<typeof EditRunner> {
  const file = path.join(TOOL_ROOT, 'dist', 'src', 'engine', 'edit-runner.js');
  return (await import(pathToFileURL(file).href)) as typeof EditRunner;
}

describe('the codemod pass in a worker thread', () => {
  it('gives what the pass gives in place', async () => {
    const job = await sampleJob('apply');
    const runner = await builtRunner();
    runner.prestartEditWorker([]);
    const inWorker = await runner.runEditJob(job);
    expect(inWorker).toEqual(runEdits(job, await codemodsOf(job)));
    expect(inWorker.writes.map((write) => write.path)).toContain(
      'src/container-runner.ts',
    );
    expect(inWorker.problems).toEqual([]);
  });

  it('passes a SkillError back with its hint and exit code', async () => {
    const job = { ...(await sampleJob('apply')), codemods: ['no-such-edit'] };
    const runner = await builtRunner();
    runner.prestartEditWorker([]);
    const failure = await runner.runEditJob(job).then(
      () => undefined,
      (err: unknown) =>
        err as { message: string; hint?: string; exitCode?: number },
    );
    expect(failure?.message).toBe(
      'skills/add-codex-provider/skill.json names the codemod "no-such-edit", but codemods/add-codex-provider/no-such-edit.ts does not exist.',
    );
    expect(failure?.hint).toMatch(/^Each id in "codemods" is a file/);
    expect(failure?.exitCode).toBe(1);
  });

  it('runs the pass in place when the worker cannot start', async () => {
    // Under vitest this module is src/engine/edit-runner.ts, and the worker file it
    // names (src/engine/edit-worker.js) does not exist: the worker fails to start.
    const job = await sampleJob('remove');
    prestartEditWorker([]);
    expect(await runEditJob(job)).toEqual(runEdits(job, await codemodsOf(job)));
  });
});

describe('the CLI', () => {
  it('never loads the TypeScript compiler on its main thread: dry run, apply, remove', async () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'main-thread-'));
    const probe = mainThreadProbe(work);
    // Every pass runs (in the worker): none is served from kept passes.
    const env = { ...probe.env, SKILL_APPLICATOR_PASS_CACHE: 'off' };
    const { root: dir } = await sampleJob('apply');
    const target = ['add-codex-provider', '--target', dir];
    const runs = [
      [
        'apply-skill',
        [...target, '--dry-run'],
        '+++ b/src/container-runner.ts',
      ],
      ['apply-skill', [...target, ...FILES_ONLY], 'Applied add-codex-provider'],
      [
        'remove-skill',
        [...target, ...REMOVE_FILES_ONLY],
        'Removed add-codex-provider',
      ],
    ] as const;
    for (const [bin, args, says] of runs) {
      const run = await runCli(bin, [...args], { env });
      expect(run.exitCode).toBe(0);
      expect(run.stdout + run.stderr).toContain(says);
      const loaded = probe.loaded();
      // The probe sees CommonJS modules loaded there (picocolors is one)...
      expect(loaded.some((file) => file.includes('picocolors'))).toBe(true);
      // ...and none of ts-morph's: those load in the worker only.
      expect(loaded.filter((file) => /ts-morph|typescript/.test(file))).toEqual(
        [],
      );
    }
    fs.rmSync(work, { recursive: true, force: true });
  });
});
