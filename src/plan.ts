import fs from 'node:fs';
import path from 'node:path';

import { prepareDiff } from './diff.js';
import { runEditJob } from './edit-runner.js';
import type { EditOutcome, EditResult, Problem } from './edits.js';
import { SkillError } from './errors.js';
import { sha256 } from './fs-util.js';
import { readTemplate, templateFiles, type SkillManifest } from './manifest.js';
import { addDependencies, removeDependencies } from './package-json.js';
import type { SkillState } from './state.js';
import { Tree, type FileChange } from './tree.js';

export type { EditOutcome };

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
  dryRun?: boolean;
}

/**
 * Runs the skill's codemods on the tree as planned so far and records what
 * they change. Their text must still be what is on disk (or in memory) here.
 */
async function codemodPass(
  tree: Tree,
  operation: 'apply' | 'remove',
  manifest: SkillManifest,
  options: PlanOptions,
): Promise<Pick<EditResult, 'edits' | 'problems'>> {
  const { edits, writes, problems } = await runEditJob(
    {
      operation,
      root: tree.root,
      codemods: manifest.codemods,
      pending: tree.pending(),
    },
    // A dry run will print every change: diff the ones known so far meanwhile.
    options.dryRun ? () => prepareDiff(tree.changes()) : undefined,
  );
  for (const write of writes) {
    if (tree.read(write.path) !== write.before) {
      throw new SkillError(
        `${write.path} changed while the plan was being made. Nothing was changed.`,
        { file: tree.absolute(write.path), hint: 'Retry.' },
      );
    }
    tree.write(write.path, write.after);
  }
  return { edits, problems };
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

export async function planApply(
  root: string,
  manifest: SkillManifest,
  state: SkillState | undefined,
  options: PlanOptions = {},
): Promise<Plan> {
  const tree = new Tree(root);
  const kept: string[] = [];
  const warnings: string[] = [];

  planTemplates(tree, manifest, state, options, kept, warnings);

  const { edits, problems } = await codemodPass(
    tree,
    'apply',
    manifest,
    options,
  );
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

export async function planRemove(
  root: string,
  manifest: SkillManifest,
  state: SkillState | undefined,
  options: PlanOptions = {},
): Promise<Plan> {
  const tree = new Tree(root);
  const kept: string[] = [];
  const warnings: string[] = [];

  const { edits, problems } = await codemodPass(
    tree,
    'remove',
    manifest,
    options,
  );
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
