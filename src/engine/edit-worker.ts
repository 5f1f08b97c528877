/**
 * Worker thread entry (./edit-runner.ts starts it): loads the codemods, and
 * with them ts-morph and the TypeScript compiler, as soon as it starts, then
 * answers one job at a time. Loading is most of a run's time, and here it
 * overlaps the main thread's own start-up.
 */
import { parentPort, workerData } from 'node:worker_threads';

import { enableCompileCache, saveCompileCache } from './compile-cache.js';
import type { EditJob } from './edits.js';
import { SkillError } from '../core/errors.js';
import { loadManifest } from './manifest.js';
import { locateSkill } from './skill-location.js';

enableCompileCache();
// Imported only now, so that the cache is in place before ts-morph loads.
const [{ runRecordedEdits }, { loadCodemods }] = await Promise.all([
  import('./edits.js'),
  import('./codemod-loader.js'),
]);
await preloadCodemods((workerData as { argv?: string[] } | null)?.argv ?? []);

/**
 * The codemods of the skill the command line names (the first argument that
 * is a skill, wherever the options put it), and with them ts-morph, loaded
 * before the job arrives. Without one nothing loads: the main thread reports it.
 */
async function preloadCodemods(argv: string[]): Promise<void> {
  const skill = argv.find((arg) => locateSkill(arg) !== undefined);
  if (!skill) return;
  try {
    await loadCodemods(skill, loadManifest(skill).codemods);
  } catch {
    // Reported, if it matters, when the job loads them again.
  }
}

parentPort?.on('message', (job: EditJob) => {
  void answer(job);
});

async function answer(job: EditJob): Promise<void> {
  try {
    const codemods = await loadCodemods(job.skill, job.codemods);
    const { result, inputs } = runRecordedEdits(job, codemods);
    // A pass that stopped on a problem ran less of the parser than a usual
    // one: let a later, complete run be the one that saves the cache.
    if (result.problems.length === 0) saveCompileCache();
    parentPort?.postMessage({ result, inputs });
  } catch (err) {
    parentPort?.postMessage({ error: serializeError(err) });
  }
}

export interface SerializedError {
  message: string;
  stack?: string;
  skill?: {
    file?: string;
    hint?: string;
    exitCode: number;
    details: string[];
  };
}

function serializeError(err: unknown): SerializedError {
  if (!(err instanceof Error)) return { message: String(err) };
  const { message, stack } = err;
  if (!(err instanceof SkillError)) return { message, stack };
  const { file, hint, exitCode, details } = err;
  return { message, stack, skill: { file, hint, exitCode, details } };
}
