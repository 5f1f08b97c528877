/**
 * Worker thread entry (./edit-runner.ts starts it): loads the codemods, and
 * with them ts-morph and the TypeScript compiler, as soon as it starts, then
 * answers one job at a time. Loading is most of a run's time, and here it
 * overlaps the main thread's own start-up.
 */
import { parentPort } from 'node:worker_threads';

import { enableCompileCache, saveCompileCache } from './compile-cache.js';
import type { EditJob } from './edits.js';
import { SkillError } from './errors.js';

enableCompileCache();
// Imported only now, so that the cache is in place before ts-morph loads.
const { runEdits } = await import('./edits.js');

parentPort?.on('message', (job: EditJob) => {
  try {
    const result = runEdits(job);
    // A pass that stopped on a problem ran less of the parser than a usual
    // one: let a later, complete run be the one that saves the cache.
    if (result.problems.length === 0) saveCompileCache();
    parentPort?.postMessage({ result });
  } catch (err) {
    parentPort?.postMessage({ error: serializeError(err) });
  }
});

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
