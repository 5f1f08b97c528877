/**
 * Runs a plan's codemod pass (./edits.ts). The CLI starts a worker thread for
 * it first thing (prestartEditWorker), so that loading the TypeScript compiler,
 * about half a second, runs alongside the main thread's own start-up instead of
 * after it. Without a started worker, or when the worker cannot run, the pass
 * runs in this thread: same code, same result, only later.
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';

import type { SerializedError } from './edit-worker.js';
import type { PassInputs } from './codemod-files.js';
import type { EditJob, EditResult } from './edits.js';
import { asksForHelpOrVersion } from '../core/argv.js';
import { SkillError } from '../core/errors.js';
import { anyPassKept } from './pass-cache-location.js';
import { locateSkill } from './skill-location.js';

type Reply =
  { result: EditResult; inputs: PassInputs } | { error: SerializedError };

let worker: Worker | undefined;
let replies: Promise<Reply> | undefined;

/** The --target of a command line, resolved (the current folder without one). */
function targetIn(argv: string[]): string {
  for (const [index, arg] of argv.entries()) {
    if (arg === '--target') return path.resolve(argv[index + 1] ?? '');
    if (arg.startsWith('--target=')) return path.resolve(arg.slice(9));
  }
  return process.cwd();
}

/**
 * A kept pass will most likely serve this run: no compiler to load
 * (./pass-cache.ts). Asked only when some pass of the command is kept at all;
 * otherwise the worker starts without waiting for the pass cache to load.
 */
async function passLikelyKeptFor(
  argv: string[],
  operation: EditJob['operation'],
): Promise<boolean> {
  const skill = argv.find((arg) => locateSkill(arg) !== undefined);
  if (skill === undefined || !anyPassKept(skill, operation)) return false;
  const { passLikelyKept } = await import('./pass-cache.js');
  const force = argv.includes('--force');
  return passLikelyKept(skill, operation, targetIn(argv), force);
}

/** Set when no worker was started because a kept pass looked likely to serve. */
let skippedFor: string[] | undefined;

/** `operation`: the command's, when its kept passes may make the worker needless. */
export async function prestartEditWorker(
  argv: string[],
  operation?: EditJob['operation'],
): Promise<void> {
  // Help and --version never plan: no worker for them.
  if (worker || asksForHelpOrVersion(argv)) return;
  if (operation && (await passLikelyKeptFor(argv, operation))) {
    skippedFor = argv;
    return;
  }
  startWorker(argv);
}

function startWorker(argv: string[]): void {
  try {
    worker = new Worker(new URL('./edit-worker.js', import.meta.url), {
      // The worker loads the named skill's codemods before its job arrives.
      workerData: { argv },
      // Loading the compiler keeps much of what it allocates, so V8 would
      // grow the young generation to tens of MB of fresh pages; a small one,
      // reused, measured 50-100 ms faster per run on the 2-core benchmark VM.
      resourceLimits: { maxYoungGenerationSizeMb: 4 },
    });
  } catch {
    return;
  }
  const started = worker;
  replies = new Promise<Reply>((resolve, reject) => {
    started.once('message', resolve);
    started.once('error', reject);
    started.once('exit', (code) =>
      reject(new Error(`edit worker exited with code ${code}`)),
    );
  });
  // Nothing keeps the process alive for it until a job is sent.
  replies.catch(() => undefined);
  started.unref();
}

function revive(error: SerializedError): Error {
  const revived = error.skill
    ? new SkillError(error.message, error.skill)
    : new Error(error.message);
  if (error.stack) revived.stack = error.stack;
  return revived;
}

async function inWorker(
  job: EditJob,
  whileWaiting?: () => void,
): Promise<Reply | undefined> {
  const started = worker;
  const pending = replies;
  worker = undefined;
  replies = undefined;
  if (!started || !pending) return undefined;
  started.ref();
  started.postMessage(job);
  whileWaiting?.();
  try {
    return await pending;
  } catch {
    return undefined; // The worker could not run: do the pass here instead.
  } finally {
    void started.terminate();
  }
}

/** A worker started for a pass that is not needed after all. */
function stopWorker(): void {
  const started = worker;
  worker = undefined;
  replies = undefined;
  void started?.terminate();
}

/**
 * `whileWaiting` is work of the caller's that does not depend on the result:
 * it runs while the worker works, and not at all when there is no worker.
 * A pass kept from an earlier run with the same inputs (./pass-cache.ts) is
 * the result without running anything.
 */
export async function runEditJob(
  job: EditJob,
  whileWaiting?: () => void,
): Promise<EditResult> {
  const { cachedPass, keepPass } = await import('./pass-cache.js');
  const kept = cachedPass(job);
  if (kept) {
    stopWorker();
    return kept;
  }
  // None after all: the worker starts now, still keeping TypeScript off
  // this thread (later than it would have, the price of a wrong guess).
  if (skippedFor) startWorker(skippedFor);
  skippedFor = undefined;
  const reply = await inWorker(job, whileWaiting);
  if (reply && 'error' in reply) throw revive(reply.error);
  if (reply) {
    keepPass(job, reply.result, reply.inputs);
    return reply.result;
  }
  const [{ runRecordedEdits }, { loadCodemods }] = await Promise.all([
    import('./edits.js'),
    import('./codemod-loader.js'),
  ]);
  const codemods = await loadCodemods(job.skill, job.codemods);
  const { result, inputs } = runRecordedEdits(job, codemods);
  keepPass(job, result, inputs);
  return result;
}
