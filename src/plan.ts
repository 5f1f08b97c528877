import fs from 'node:fs';
import path from 'node:path';
import picomatch from 'picomatch';

import { getCodemod } from '../codemods/index.js';
import type { Codemod, CodemodState } from './codemod/types.js';
import { SkillError } from './errors.js';
import { listFiles, sha256 } from './fs-util.js';
import { readTemplate, templateFiles, type SkillManifest } from './manifest.js';
import { addDependencies, removeDependencies } from './package-json.js';
import type { SkillState } from './state.js';
import { syntaxErrors } from './syntax.js';
import { Tree, type FileChange } from './tree.js';

export interface EditOutcome {
  codemod: string;
  file: string;
  /** State found before this run. */
  before: CodemodState;
}

export interface Plan {
  operation: 'apply' | 'remove';
  root: string;
  manifest: SkillManifest;
  changes: FileChange[];
  edits: EditOutcome[];
  /** Template files kept because the user changed them (remove), or not overwritten (apply). */
  kept: string[];
  warnings: string[];
}

export interface PlanOptions {
  force?: boolean;
}

/** A problem that stops the plan; all are gathered, then reported at once. */
interface Problem {
  file: string;
  message: string;
}

/** A codemod's target files: its exact path, or every file its glob matches. */
export function codemodFiles(codemod: Codemod, root: string): string[] {
  if (!picomatch.scan(codemod.files).isGlob) return [codemod.files];
  const matches = picomatch(codemod.files);
  return listFiles(root).filter((file) => matches(file));
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
  const detection = codemod.detect(source, file);
  for (const problem of detection.problems) {
    problems.push({
      file,
      message: `anchor ${problem.anchor} not usable: expected ${problem.expected} (codemod ${codemod.id})`,
    });
  }
  if (detection.problems.length > 0) return undefined;
  return { source, state: detection.state };
}

function failOnProblems(problems: Problem[], operation: string): void {
  if (problems.length === 0) return;
  throw new SkillError(
    `Cannot ${operation}: ${problems.length} problem${problems.length > 1 ? 's' : ''} in the target. Nothing was changed.`,
    {
      file: problems[0].file,
      details: problems.map((p) => `${p.file}: ${p.message}`),
      hint: 'These files differ from what the skill expects. Restore the expected code near each anchor (or apply the change by hand), then retry.',
    },
  );
}

function planTemplates(
  tree: Tree,
  manifest: SkillManifest,
  state: SkillState | undefined,
  options: PlanOptions,
  kept: string[],
  warnings: string[],
): void {
  for (const file of templateFiles(manifest)) {
    const wanted = readTemplate(file).toString('utf8');
    const existing = tree.read(file);
    if (existing === wanted) continue;
    const ours =
      existing === null ||
      options.force ||
      state?.templates[file] === sha256(existing);
    if (ours) {
      tree.write(file, wanted);
    } else {
      kept.push(file);
      warnings.push(
        `${file} exists and differs from the skill's template; kept yours (--force overwrites it).`,
      );
    }
  }
}

export function planApply(
  root: string,
  manifest: SkillManifest,
  state: SkillState | undefined,
  options: PlanOptions = {},
): Plan {
  const tree = new Tree(root);
  const problems: Problem[] = [];
  const edits: EditOutcome[] = [];
  const kept: string[] = [];
  const warnings: string[] = [];

  planTemplates(tree, manifest, state, options, kept, warnings);

  for (const id of manifest.codemods) {
    const codemod = getCodemod(id);
    for (const file of codemodFiles(codemod, root)) {
      const found = inspect(tree, codemod, file, problems);
      if (!found || found.state === 'not-applicable') continue;
      edits.push({ codemod: id, file, before: found.state });
      if (found.state === 'applied') continue;
      const next = codemod.apply(found.source, file);
      // Remove must restore this file exactly; refuse an edit it could not undo.
      if (
        found.state === 'not-applied' &&
        codemod.revert(next, file) !== found.source
      ) {
        problems.push({
          file,
          message: `codemod ${id} could not be reverted exactly on this file's shape`,
        });
        continue;
      }
      tree.write(file, next);
    }
  }

  if (Object.keys(manifest.dependencies).length > 0) {
    const packageJson = tree.read('package.json') ?? '';
    tree.write(
      'package.json',
      addDependencies(packageJson, manifest.dependencies),
    );
  }

  failOnProblems(problems, `apply ${manifest.name}`);
  return {
    operation: 'apply',
    root,
    manifest,
    changes: tree.changes(),
    edits,
    kept,
    warnings,
  };
}

export function planRemove(
  root: string,
  manifest: SkillManifest,
  state: SkillState | undefined,
  options: PlanOptions = {},
): Plan {
  const tree = new Tree(root);
  const problems: Problem[] = [];
  const edits: EditOutcome[] = [];
  const kept: string[] = [];
  const warnings: string[] = [];

  for (const id of [...manifest.codemods].reverse()) {
    const codemod = getCodemod(id);
    for (const file of codemodFiles(codemod, root)) {
      if (!tree.exists(file)) continue;
      const found = inspect(tree, codemod, file, problems);
      if (!found || found.state === 'not-applicable') continue;
      edits.push({ codemod: id, file, before: found.state });
      if (found.state === 'not-applied') continue;
      tree.write(file, codemod.revert(found.source, file));
    }
  }

  const packageJson = tree.read('package.json');
  if (packageJson !== null) {
    tree.write(
      'package.json',
      removeDependencies(packageJson, Object.keys(manifest.dependencies)),
    );
  }

  for (const file of templateFiles(manifest)) {
    const existing = tree.read(file);
    if (existing === null) continue;
    const unchanged = state?.templates[file]
      ? state.templates[file] === sha256(existing)
      : existing === readTemplate(file).toString('utf8');
    if (unchanged || options.force) {
      tree.delete(file);
    } else {
      kept.push(file);
      warnings.push(
        `${file} was changed since apply; kept it (--force removes it).`,
      );
    }
  }

  failOnProblems(problems, `remove ${manifest.name}`);
  return {
    operation: 'remove',
    root,
    manifest,
    changes: tree.changes(),
    edits,
    kept,
    warnings,
  };
}

/** Refuse before writing when a file to change is marked read-only. */
export function assertWritable(root: string, changes: FileChange[]): void {
  for (const change of changes) {
    const absolute = path.join(root, change.path);
    if (!fs.existsSync(absolute)) continue;
    const mode = fs.statSync(absolute).mode;
    if ((mode & 0o222) === 0) {
      throw new SkillError(
        `${change.path} is read-only (mode ${(mode & 0o777).toString(8)}). Nothing was changed.`,
        {
          file: absolute,
          hint: `Make it writable (chmod u+w ${change.path}) and retry.`,
        },
      );
    }
  }
}
