/**
 * The codemod pass of a plan: every codemod of a skill, in order, on the
 * target as the plan sees it so far. It is the only part of a run that needs
 * the TypeScript compiler, and it is a pure function of its job, so the CLI
 * runs it in a worker thread that loads ts-morph while the main thread starts
 * up (./edit-runner.ts); tests and other callers run it in place.
 */
import {
  readCodemodOptions,
  type CodemodOptions,
  type FormattedCodemod as Codemod,
} from '../codemod/options.js';
import { roundTripMessage } from '../codemod/round-trip.js';
import type { CodemodState } from '../codemod/types.js';
import { sha256 } from '../core/fs-util.js';
import { codemodFiles, type PassInputs } from './codemod-files.js';
import type { CodemodSet } from './codemod-loader.js';
import { syntaxErrors } from './syntax.js';
import { Tree } from './tree.js';

export interface EditJob {
  operation: 'apply' | 'remove';
  /** The skill whose codemods run (codemods/<skill>/<id>.ts). */
  skill: string;
  root: string;
  /** In the skill's order; remove walks them backwards. */
  codemods: string[];
  /** What the plan already changed in memory (templates), by path; null is deleted. */
  pending: Record<string, string | null>;
  /** Remove: take out the parts of a drifted edit that are still there, instead of refusing. */
  force?: boolean;
  /** The target's formatting (prettier settings) and exports; read from the target when absent. */
  options?: CodemodOptions;
}

export interface EditOutcome {
  codemod: string;
  file: string;
  /** State found before this run. */
  before: CodemodState;
}

/** A problem that stops the plan; all are gathered, then reported at once. */
export interface Problem {
  file: string;
  message: string;
  /** --force goes past it (the user accepts what it says will happen). */
  forceable?: boolean;
  /** The tool's own limitation, not the target's: no advice to change the target. */
  toolLimitation?: boolean;
}

export interface FileEdit {
  path: string;
  /** The text the codemods started from, so the engine can tell it is still current. */
  before: string;
  after: string;
}

export interface EditResult {
  edits: EditOutcome[];
  writes: FileEdit[];
  problems: Problem[];
}

function isTypeScript(file: string): boolean {
  return /\.(c|m)?tsx?$/.test(file);
}

/** Read a codemod's file from the tree and detect its state, or record why not. */
function inspect(
  tree: Tree,
  codemod: Codemod,
  file: string,
  problems: Problem[],
  options: CodemodOptions,
): { source: string; state: CodemodState } | undefined {
  const source = tree.read(file);
  if (source === null) {
    problems.push({ file, message: `missing (codemod ${codemod.id})` });
    return undefined;
  }
  if (isTypeScript(file)) {
    const errors = syntaxErrors(source, file);
    if (errors.length > 0) {
      problems.push({
        file,
        message: `has a syntax error at ${errors[0]}; fix it (does npm run build pass?) and retry`,
      });
      return undefined;
    }
  }
  const detection = codemod.detect(source, file, options);
  for (const problem of detection.problems) {
    problems.push({
      file,
      message: `anchor ${problem.anchor} not usable: expected ${problem.expected} (codemod ${codemod.id})`,
    });
  }
  if (detection.problems.length > 0) return undefined;
  return { source, state: detection.state };
}

/**
 * An edit only partly as apply left it (some parts gone, or changed inside
 * what the skill added so they no longer read as the skill's): reverting the
 * parts still there would leave the rest half-done, e.g. an async function
 * with a caller that no longer awaits it. Remove stops on it unless --force.
 */
function driftProblem(
  codemod: Codemod,
  file: string,
  source: string,
  options: CodemodOptions,
): Problem {
  const parts = codemod.detect(source, file, options).parts ?? [];
  const differs = parts.filter((p) => !p.applied).map((p) => `\`${p.name}\``);
  const present = parts.length - differs.length;
  return {
    file,
    message: `edit ${codemod.id} has drifted: ${differs.join(', ')} ${differs.length === 1 ? 'is' : 'are'} not as apply wrote ${differs.length === 1 ? 'it' : 'them'} (changed or removed since), while ${present} other part${present === 1 ? ' is' : 's are'} still there. Reverting only those would leave the file half-edited: put it back as apply wrote it, or pass --force to revert what is still there`,
    forceable: true,
  };
}

/** The next text of a file for a remove, or undefined when nothing is to change. */
function revertOne(
  codemod: Codemod,
  file: string,
  found: { source: string; state: CodemodState },
  force: boolean,
  problems: Problem[],
  options: CodemodOptions,
): string | undefined {
  if (found.state === 'not-applied') return undefined;
  if (found.state === 'partial' && !force) {
    problems.push(driftProblem(codemod, file, found.source, options));
    return undefined;
  }
  return codemod.revert(found.source, file, options);
}

/** The next text of a file for an apply, or undefined when nothing is to change. */
function applyOne(
  codemod: Codemod,
  file: string,
  found: { source: string; state: CodemodState },
  problems: Problem[],
  options: CodemodOptions,
): string | undefined {
  if (found.state === 'applied') return undefined;
  const next = codemod.apply(found.source, file, options);
  // Remove must restore this file exactly; refuse an edit it could not undo.
  const reverted =
    found.state === 'not-applied' ? codemod.revert(next, file, options) : '';
  if (found.state === 'not-applied' && reverted !== found.source) {
    problems.push({
      file,
      message: roundTripMessage({
        codemod: codemod.id,
        file,
        before: found.source,
        reverted,
      }),
      toolLimitation: true,
    });
    return undefined;
  }
  return next;
}

/**
 * The pass itself, with the skill's codemods loaded (./codemod-loader.ts).
 * `inputs`, when given, is filled with what the pass read of the target.
 */
export function runEdits(
  job: EditJob,
  codemods: CodemodSet,
  inputs?: PassInputs,
): EditResult {
  const tree = new Tree(job.root, job.pending);
  const options = job.options ?? readCodemodOptions(job.root);
  const result: EditResult = { edits: [], writes: [], problems: [] };
  const starts = new Map<string, string>();
  const ids =
    job.operation === 'apply' ? job.codemods : [...job.codemods].reverse();

  for (const id of ids) {
    const codemod = codemods[id];
    for (const file of codemodFiles(codemod, job.root, inputs?.listings)) {
      if (job.operation === 'remove' && !tree.exists(file)) continue;
      const found = inspect(tree, codemod, file, result.problems, options);
      if (!found || found.state === 'not-applicable') continue;
      result.edits.push({ codemod: id, file, before: found.state });
      const next =
        job.operation === 'apply'
          ? applyOne(codemod, file, found, result.problems, options)
          : revertOne(
              codemod,
              file,
              found,
              Boolean(job.force),
              result.problems,
              options,
            );
      if (next === undefined) continue;
      if (!starts.has(file)) starts.set(file, found.source);
      tree.write(file, next);
    }
  }

  for (const [path, before] of starts) {
    result.writes.push({ path, before, after: tree.read(path) ?? '' });
  }
  if (inputs) {
    for (const [path, text] of tree.diskReads()) {
      inputs.files[path] = text === null ? null : sha256(text);
    }
  }
  return result;
}

/** The pass, and what it read of the target (for ./pass-cache.ts). */
export function runRecordedEdits(
  job: EditJob,
  codemods: CodemodSet,
): { result: EditResult; inputs: PassInputs } {
  const inputs: PassInputs = { files: {}, listings: {} };
  return { result: runEdits(job, codemods, inputs), inputs };
}
