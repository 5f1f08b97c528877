import fs from 'node:fs';
import path from 'node:path';

import { baseResult, reportDryRun } from '../engine/result.js';
import {
  journaled,
  recoverBeforeChecks,
  recoverInterruptedRun,
  writeChanges,
} from '../engine/commit.js';
import { summarise } from '../engine/diff.js';
import { SkillError } from '../core/errors.js';
import { pruneEmptyDirs, sha256, writeFileAtomic } from '../core/fs-util.js';
import { loadSkillHooks } from '../engine/hooks-loader.js';
import type { Journal } from '../engine/journal.js';
import type { SkillHooks } from '../engine/skill-hooks.js';
import { withTargetLock } from '../engine/lock.js';
import {
  loadManifest,
  templateFiles,
  type SkillManifest,
} from '../engine/manifest.js';
import {
  binLinksInto,
  readModuleEntries,
} from '../core/node-modules-snapshot.js';
import { planRemove, type Plan } from '../engine/plan.js';
import { assertWritable } from '../engine/preflight.js';
import { confirm } from '../core/prompt.js';
import type { Reporter } from '../core/reporter.js';
import type { RunResult } from '../engine/result.js';
import {
  deleteState,
  readState,
  stateBlobPath,
  type SkillState,
} from '../engine/state.js';
import {
  assertEntryPointBuilt,
  missingDependencies,
  outDir,
  runBuildScript,
  uninstallDependencies,
} from '../steps/npm.js';
import { envPaths } from '../steps/env-file.js';
import {
  hookContext,
  runSetup,
  runSkillSteps,
  setupDescription,
} from '../steps/skill-steps.js';
import { assertSupportedRelease, resolveTarget } from '../engine/target.js';

export interface RemoveOptions {
  target?: string;
  dryRun?: boolean;
  yes?: boolean;
  force?: boolean;
  skipInstall?: boolean;
  skipBuild?: boolean;
  restart?: boolean;
  json?: boolean;
  /** The skill's own options (its hooks declare them), camelCase. */
  [skillOption: string]: unknown;
}

function isInstalled(root: string, manifest: SkillManifest): boolean {
  const names = Object.keys(manifest.dependencies);
  return missingDependencies(root, manifest.dependencies).length < names.length;
}

/**
 * Undo the install: restore package-lock.json byte for byte when nothing else
 * changed it since apply, otherwise let npm uninstall the package.
 */
async function uninstallSkillDependencies(
  root: string,
  manifest: SkillManifest,
  state: SkillState | undefined,
  journal: Journal,
): Promise<string> {
  const names = Object.keys(manifest.dependencies);
  const lockFile = path.join(root, 'package-lock.json');
  const blob = stateBlobPath(root, manifest.name, 'package-lock.before.json');
  const lockUnchanged =
    state?.installed?.packageLock !== undefined &&
    fs.existsSync(lockFile) &&
    fs.existsSync(blob) &&
    sha256(fs.readFileSync(lockFile)) === state.installed.packageLock;
  if (lockUnchanged) {
    journal.record(['package-lock.json']);
    journal.guardNodeModules(names);
    writeFileAtomic(lockFile, fs.readFileSync(blob));
    removeModules(root, names);
    return 'package-lock.json restored';
  }
  const plannedPackageJson = fs.readFileSync(
    path.join(root, 'package.json'),
    'utf8',
  );
  await uninstallDependencies(root, names, plannedPackageJson, journal);
  return `npm uninstall ${names.join(' ')}`;
}

/** What npm uninstall would take out of node_modules: the packages and their .bin links. */
function removeModules(root: string, names: string[]): void {
  const links = binLinksInto(readModuleEntries(root), names);
  for (const entry of [...names, ...links]) {
    fs.rmSync(path.join(root, 'node_modules', entry), {
      recursive: true,
      force: true,
    });
  }
}

function removeBuildOutputs(
  root: string,
  manifest: SkillManifest,
  journal: Journal,
): number {
  let removed = 0;
  for (const output of manifest.buildOutputs) {
    const absolute = path.join(root, output);
    if (!fs.existsSync(absolute)) continue;
    journal.preserveDir(output);
    fs.rmSync(absolute, { recursive: true, force: true });
    pruneEmptyDirs(root, path.dirname(output));
    removed++;
  }
  // Template folders emptied by the file deletions and the outputs above.
  for (const file of templateFiles(manifest))
    pruneEmptyDirs(root, path.dirname(file));
  return removed;
}

/** The validation build; when it fails, name the kept files it may trip over. */
async function validateBuild(
  root: string,
  plan: Plan,
  reporter: Reporter,
  journal: Journal,
): Promise<void> {
  journal.preserveDir(outDir(root));
  await reporter.step('Build and validate NanoClaw', async () => {
    try {
      await runBuildScript(root, 'The NanoClaw build (npm run build)');
      assertEntryPointBuilt(root);
    } catch (err) {
      if (!(err instanceof SkillError) || plan.kept.length === 0) throw err;
      throw new SkillError(err.message, {
        file: err.file,
        details: err.details,
        hint: `Remove kept ${plan.kept.join(', ')} because you changed them since apply. If the errors above are in them, run remove-skill again with --force to delete them too (save your changes elsewhere first).`,
      });
    }
  });
}

/** What apply's steps created (the build output folder): gone again, inside the journal. */
function removeCreatedOutput(
  root: string,
  state: SkillState | undefined,
  journal: Journal,
): void {
  const out = outDir(root);
  if (!state?.createdPaths?.includes(out)) return;
  if (!fs.existsSync(path.join(root, out))) return;
  journal.preserveDir(out);
  fs.rmSync(path.join(root, out), { recursive: true, force: true });
}

/** data/env/env apply created, once setup restored .env, unless .env holds more since. */
function removeCreatedContainerEnv(
  root: string,
  state: SkillState | undefined,
): void {
  const created = state?.containerEnvCreated;
  if (!created) return;
  const { envFile, containerEnvFile } = envPaths(root);
  const envNow = fs.existsSync(envFile)
    ? sha256(fs.readFileSync(envFile))
    : null;
  if (envNow !== created.envBefore) return;
  fs.rmSync(containerEnvFile, { force: true });
  pruneEmptyDirs(root, path.relative(root, path.dirname(containerEnvFile)));
}

async function removePlan(
  root: string,
  manifest: SkillManifest,
  hooks: SkillHooks,
  state: SkillState | undefined,
  plan: Plan,
  options: RemoveOptions,
  reporter: Reporter,
): Promise<void> {
  const summary = summarise(plan.changes);
  reporter.info(
    `${manifest.name}: ${summary.deleted.length} file(s) to delete, ${summary.updated.length + summary.created.length} to restore in ${root}`,
  );
  if (!options.yes && !(await confirm('Remove the skill?', true))) {
    throw new SkillError('Cancelled; nothing was changed.');
  }
  assertWritable(
    root,
    plan.changes,
    options.skipInstall ? [] : ['package-lock.json'],
  );

  await journaled(root, 'remove', manifest.name, reporter, async (journal) => {
    await reporter.step(
      'Restore files',
      async () => {
        writeChanges(root, plan.changes, journal);
        journal.snapshotFiles();
      },
      () =>
        `${summary.deleted.length} deleted, ${summary.updated.length + summary.created.length} restored`,
    );
    if (options.skipInstall) {
      reporter.skip('Remove local package', '--skip-install');
    } else if (isInstalled(root, manifest) || state?.installed) {
      await reporter.step(
        'Remove local package',
        () => uninstallSkillDependencies(root, manifest, state, journal),
        (how) => how,
      );
    }
    await reporter.step(
      'Remove build outputs',
      async () => removeBuildOutputs(root, manifest, journal),
      (count) => `${count} removed`,
    );
    if (options.skipBuild) {
      reporter.skip('Build and validate NanoClaw', '--skip-build');
    } else {
      await validateBuild(root, plan, reporter, journal);
    }
    removeCreatedOutput(root, state, journal);
    const context = hookContext(root, manifest, options, reporter);
    await runSkillSteps(hooks, 'remove', context, journal);
    deleteState(root, manifest.name);
  });
}

export async function removeSkill(
  skillName: string,
  options: RemoveOptions,
  reporter: Reporter,
  print: (text: string) => void,
): Promise<RunResult> {
  const manifest = loadManifest(skillName);
  const hooks = await loadSkillHooks(manifest.name);
  if (!options.dryRun) await recoverBeforeChecks(options.target, reporter);
  const root = resolveTarget(options.target, manifest);
  assertSupportedRelease(root, manifest);

  if (options.dryRun) {
    const plan = await planRemove(
      root,
      manifest,
      readState(root, manifest.name),
      options,
    );
    return reportDryRun(
      plan,
      reporter,
      print,
      'is not applied',
      setupDescription(hooks, 'remove'),
    );
  }

  return withTargetLock(root, async () => {
    await recoverInterruptedRun(root, reporter);
    const state = readState(root, manifest.name);
    const plan = await planRemove(root, manifest, state, options);
    const result = baseResult('remove', manifest, root, plan, false);
    for (const warning of plan.warnings) reporter.warn(warning);

    if (plan.changes.length === 0 && !state && !isInstalled(root, manifest)) {
      result.status = 'not-applied';
      reporter.info(
        `${manifest.name} is not applied to ${root}; nothing to remove.`,
      );
      return result;
    }

    await removePlan(root, manifest, hooks, state, plan, options, reporter);
    result.status = 'removed';
    const context = hookContext(root, manifest, options, reporter, state);
    await runSetup(hooks, 'remove', context, result);
    removeCreatedContainerEnv(root, state);
    return result;
  });
}
