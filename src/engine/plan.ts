/**
 * A plan: every change an apply or a remove makes to the target (templates,
 * package.json, the codemod pass of ./plan-codemods.ts), computed in memory
 * before anything is written, so that a dry run prints exactly what
 * ./commit.ts would write.
 */
import { templatesInTargetStyle } from './template-style.js';
import type { EditOutcome, Problem } from './edits.js';
import { anchorHint, codemodPass, failOnProblems } from './plan-codemods.js';
import { sha256 } from '../core/fs-util.js';
import { keptFilesBreakingTheBuild } from './kept-files.js';
import { readTemplate, templateFiles, type SkillManifest } from './manifest.js';
import { addDependencies, removeDependencies } from '../core/package-json.js';
import { readOriginal, type SkillState } from './state.js';
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
  /** apply --force: files of the target's own it replaces; their bytes go into the state first. */
  overwritten: string[];
  warnings: string[];
}

export interface PlanOptions {
  force?: boolean;
  dryRun?: boolean;
  /** Remove: the skill's packages stay installed, so importing them still works. */
  skipInstall?: boolean;
}

interface TemplatePlan {
  kept: string[];
  overwritten: string[];
  warnings: string[];
}

/**
 * Template files into the tree. A file that differs from what apply wrote is
 * kept, or with --force replaced. When no apply ever wrote it, it is the
 * target's own file: its bytes are saved for remove to put back (once, so a
 * later --force keeps the first). One the skill wrote and the user changed
 * since is only overwritten, as --force says.
 */
function planTemplates(
  tree: Tree,
  manifest: SkillManifest,
  state: SkillState | undefined,
  options: PlanOptions,
  styled: Map<string, string>,
): TemplatePlan {
  const plan: TemplatePlan = { kept: [], overwritten: [], warnings: [] };
  for (const file of templateFiles(manifest)) {
    const wanted =
      styled.get(file) ?? readTemplate(manifest, file).toString('utf8');
    const existing = tree.read(file);
    if (existing === wanted) continue;
    const ours =
      existing === null || state?.templates[file] === sha256(existing);
    if (ours || options.force) {
      tree.write(file, wanted);
      const targetsOwn =
        state?.templates[file] === undefined &&
        !state?.originals?.includes(file);
      if (!ours && targetsOwn) {
        plan.overwritten.push(file);
        plan.warnings.push(
          `${file} exists and differs from the skill's template; --force replaces it (yours is kept for remove-skill to put back).`,
        );
      }
    } else {
      plan.kept.push(file);
      plan.warnings.push(
        `${file} exists and differs from the skill's template; kept yours (--force overwrites it).`,
      );
    }
  }
  return plan;
}

function templateTexts(manifest: SkillManifest) {
  return templateFiles(manifest).map((file) => ({
    path: file,
    text: readTemplate(manifest, file).toString('utf8'),
  }));
}

export async function planApply(
  root: string,
  manifest: SkillManifest,
  state: SkillState | undefined,
  options: PlanOptions = {},
): Promise<Plan> {
  const tree = new Tree(root);
  const styled = await templatesInTargetStyle(root, templateTexts(manifest));
  const { kept, overwritten, warnings } = planTemplates(
    tree,
    manifest,
    state,
    options,
    styled,
  );

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

  failOnProblems(problems, `apply ${manifest.name}`, () =>
    anchorHint(root, manifest),
  );
  return {
    operation: 'apply',
    root,
    manifest,
    changes: tree.changes(),
    edits,
    kept,
    overwritten,
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

  // Only needed to recognise the skill's files when apply left no record.
  const styled = state
    ? new Map<string, string>()
    : await templatesInTargetStyle(root, templateTexts(manifest));
  planTemplateRemoval(
    tree,
    manifest,
    state,
    options,
    { kept, warnings, problems },
    styled,
  );
  const removedPackages = options.skipInstall
    ? []
    : Object.keys(manifest.dependencies);
  problems.push(...keptFilesBreakingTheBuild(tree, kept, removedPackages));

  failOnProblems(problems, `remove ${manifest.name}`, () =>
    anchorHint(root, manifest),
  );
  return {
    operation: 'remove',
    root,
    manifest,
    changes: tree.changes(),
    edits,
    kept,
    overwritten: [],
    warnings,
  };
}

/**
 * Each template file is deleted, or, where apply replaced a file of the
 * target's own, that file is put back. A file changed since apply is kept
 * (--force: deleted, or replaced by the saved one).
 */
function planTemplateRemoval(
  tree: Tree,
  manifest: SkillManifest,
  state: SkillState | undefined,
  options: PlanOptions,
  out: { kept: string[]; warnings: string[]; problems: Problem[] },
  styled: Map<string, string>,
): void {
  for (const file of templateFiles(manifest)) {
    const existing = tree.read(file);
    const original = readOriginal(tree.root, state, file);
    const recorded = state?.templates[file];
    if (existing === null) {
      if (original !== undefined) tree.write(file, original);
      continue;
    }
    // Without a record, as apply writes it: the template, or it in the target's style.
    const unchanged = recorded
      ? recorded === sha256(existing)
      : existing === readTemplate(manifest, file).toString('utf8') ||
        existing === styled.get(file);
    if (unchanged || options.force) {
      if (original !== undefined) tree.write(file, original);
      else tree.delete(file);
    } else if (original !== undefined) {
      out.problems.push({
        file,
        message:
          'apply replaced your own version of this file, and it was changed again since; --force puts your version from before apply back (the changes since apply are lost)',
        forceable: true,
      });
    } else {
      out.kept.push(file);
      out.warnings.push(
        state && !recorded
          ? `${file} is not the skill's version (apply kept yours); kept it (--force removes it).`
          : `${file} was changed since apply; kept it (--force removes it).`,
      );
    }
  }
}
