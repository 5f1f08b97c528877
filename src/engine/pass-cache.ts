/**
 * Results of the codemod pass (./edits.ts) and of status's detection of each
 * edit (../commands/status.ts), kept so that running the same again on the
 * same files skips loading the TypeScript compiler altogether: a dry run
 * followed by the apply, status after status, every copy of one checkout.
 * Like ccache, an entry is used only when everything the pass depended on is
 * as it was:
 *
 * - the job itself: skill, operation, codemod ids, the templates already
 *   planned in memory, --force, and the target's settings (prettier, exports);
 * - the code that ran: every module of the engine and of the skill's
 *   codemods, ts-morph and picomatch, by path, size and modification time;
 * - every target file the pass read, by content hash (or its absence), and
 *   the files found in each folder a codemod's glob searched.
 *
 * The target's own path is not part of it: the result holds only
 * target-relative paths (a result that names the path is not kept). Anything
 * unreadable is a miss; the cache never fails a run.
 * SKILL_APPLICATOR_PASS_CACHE=off turns it off.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import {
  listFiles,
  readFileIfPresent,
  sha256,
  writeFileAtomic,
} from '../core/fs-util.js';
import {
  readCodemodOptions,
  type CodemodOptions,
} from '../codemod/target-options.js';
import {
  passCacheEnabled,
  passesDir,
  recentFile,
} from './pass-cache-location.js';
import type { PassInputs } from './codemod-files.js';
import type { EditJob, EditResult } from './edits.js';
import { locateSkill } from './skill-location.js';

/** Entries kept per job (different states of the target: unapplied, applied, drifted). */
const KEEP = 8;
/** Jobs kept in all; the least recently written go first. */
const KEEP_JOBS = 64;
const FORMAT = 1;

/** skill-status's and skill-doctor's detection of each edit's state: kept the same way. */
export interface InspectJob {
  operation: 'inspect';
  skill: string;
  root: string;
  codemods: readonly string[];
  options: CodemodOptions;
}

export type KeptJob = EditJob | InspectJob;

interface Entry {
  inputs: PassInputs;
  result: unknown;
}

const NOT_CODE = new Set(['node_modules', '__testfixtures__']);

/** Size and modification time of every module under `dir`, test fixtures aside. */
function statTree(dir: string, into: string[]): void {
  for (const file of listFiles(dir, '', NOT_CODE)) {
    if (!/\.[cm]?[jt]s$/.test(file)) continue;
    const { size, mtimeMs } = fs.statSync(path.join(dir, file));
    into.push(`${dir}/${file} ${size} ${mtimeMs}`);
  }
}

const identities = new Map<string, string>();

/** The code whose behaviour the result is: the engine, the skill's codemods, its libraries. */
function codeIdentity(skill: string): string {
  let identity = identities.get(skill);
  if (identity === undefined) {
    identity = statCode(skill);
    identities.set(skill, identity);
  }
  return identity;
}

function statCode(skill: string): string {
  const parts: string[] = [];
  // This module's folder's parent: dist/src (or src, run from source).
  statTree(path.dirname(path.dirname(fileURLToPath(import.meta.url))), parts);
  const location = locateSkill(skill);
  for (const dir of [location?.compiled?.codemodsDir, location?.codemodsDir]) {
    if (dir) statTree(dir, parts);
  }
  const require = createRequire(import.meta.url);
  for (const name of ['ts-morph', '@ts-morph/common', 'picomatch']) {
    const file = require.resolve(name);
    const { size, mtimeMs } = fs.statSync(file);
    parts.push(`${file} ${size} ${mtimeMs}`);
  }
  return sha256(parts.join('\n'));
}

function entryFile(job: KeptJob): string | undefined {
  const dir = passesDir();
  if (!dir) return undefined;
  const key = sha256(
    JSON.stringify({
      format: FORMAT,
      code: codeIdentity(job.skill),
      job: { ...job, root: undefined },
    }),
  );
  return path.join(dir, `${key}.json`);
}

interface Recent {
  code: string;
  /** The job's settings that the command line and the target decide. */
  settings: string;
  inputs: PassInputs;
}

/** What of a job is known before its plan: --force and the target's settings. */
function settingsOf(force: boolean, options: CodemodOptions): string {
  return JSON.stringify({ force, options });
}

/**
 * Only a job that carries the target's settings (as the CLI's plans do) says
 * everything the pass depends on besides the files it reads; without them the
 * pass reads them itself.
 */
function keepable(job: KeptJob): boolean {
  return passCacheEnabled() && job.options !== undefined;
}

function readList<T>(file: string): T[] {
  try {
    const list = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
    return Array.isArray(list) ? (list as T[]) : [];
  } catch {
    return [];
  }
}

function stillTrue(inputs: PassInputs, root: string): boolean {
  for (const [relative, hash] of Object.entries(inputs.files)) {
    // As the pass's tree reads it (src/engine/tree.ts).
    const text = readFileIfPresent(path.join(root, relative));
    if ((text === null ? null : sha256(text)) !== hash) return false;
  }
  for (const [base, files] of Object.entries(inputs.listings)) {
    if (listFiles(root, base).join('\n') !== files.join('\n')) return false;
  }
  return true;
}

/** Old code and old templates leave jobs nobody asks for again. */
function pruneJobs(dir: string): void {
  const jobs = fs
    .readdirSync(dir)
    .filter((name) => /^[0-9a-f]{64}\.json$/.test(name))
    .map((name) => {
      const file = path.join(dir, name);
      return { file, mtimeMs: fs.statSync(file).mtimeMs };
    })
    .sort((a, b) => b.mtimeMs - a.mtimeMs);
  for (const { file } of jobs.slice(KEEP_JOBS))
    fs.rmSync(file, { force: true });
}

/** The kept result of this job on this target, or undefined. */
export function cachedPass<T = EditResult>(job: KeptJob): T | undefined {
  if (!keepable(job)) return undefined;
  try {
    const file = entryFile(job);
    if (!file) return undefined;
    return readList<Entry>(file).find((entry) =>
      stillTrue(entry.inputs, job.root),
    )?.result as T | undefined;
  } catch {
    return undefined;
  }
}

/** Keep a computed result (newest first) for the next run of the same job. */
export function keepPass(
  job: KeptJob,
  result: unknown,
  inputs: PassInputs,
): void {
  if (!keepable(job) || JSON.stringify(result).includes(job.root)) return;
  try {
    const file = entryFile(job);
    if (!file) return;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const entries = [{ inputs, result }, ...readList<Entry>(file)];
    writeFileAtomic(file, JSON.stringify(entries.slice(0, KEEP)));
    pruneJobs(path.dirname(file));
    if (job.operation !== 'inspect') noteRecent(job, inputs);
  } catch {
    // A cache that cannot be written is only a slower next run.
  }
}

/** For passLikelyKept: the latest inputs of this skill's apply or remove passes. */
function noteRecent(job: EditJob, inputs: PassInputs): void {
  const recent = recentFile(job.skill, job.operation);
  const seen: Recent = {
    code: codeIdentity(job.skill),
    settings: settingsOf(Boolean(job.force), job.options ?? {}),
    inputs,
  };
  const others = readList<Recent>(recent).filter(
    (other) => JSON.stringify(other) !== JSON.stringify(seen),
  );
  writeFileAtomic(recent, JSON.stringify([seen, ...others].slice(0, KEEP)));
}

/**
 * Whether a kept pass of this skill's apply or remove will most likely serve
 * this target: one of the latest ones read files that are still the same
 * here, with the same code and settings. The CLI then starts no worker for
 * the pass; if the job turns out different after all, it starts one then.
 */
export function passLikelyKept(
  skill: string,
  operation: EditJob['operation'],
  root: string,
  force: boolean,
): boolean {
  if (!passCacheEnabled() || !passesDir()) return false;
  try {
    const code = codeIdentity(skill);
    const settings = settingsOf(force, readCodemodOptions(root));
    return readList<Recent>(recentFile(skill, operation)).some(
      (recent) =>
        recent.code === code &&
        recent.settings === settings &&
        stillTrue(recent.inputs, root),
    );
  } catch {
    return false;
  }
}
