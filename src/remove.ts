import fs from 'node:fs';
import path from 'node:path';

import { baseResult, reportDryRun } from './result.js';
import { journaled, recoverInterruptedRun, writeChanges } from './commit.js';
import { summarise } from './diff.js';
import { SkillError } from './errors.js';
import { finishRemove } from './finish.js';
import { pruneEmptyDirs, sha256, writeFileAtomic } from './fs-util.js';
import type { Journal } from './journal.js';
import { withTargetLock } from './lock.js';
import { loadManifest, templateFiles, type SkillManifest } from './manifest.js';
import { assertWritable, planRemove } from './plan.js';
import { confirm } from './prompt.js';
import type { Reporter } from './reporter.js';
import type { RunResult } from './result.js';
import {
  deleteState,
  readState,
  stateBlobPath,
  type SkillState,
} from './state.js';
import {
  assertEntryPointBuilt,
  missingDependencies,
  npmBuild,
  outDir,
  uninstallDependencies,
} from './steps/npm.js';
import { resolveTarget } from './target.js';

export interface RemoveOptions {
  target?: string;
  dryRun?: boolean;
  yes?: boolean;
  force?: boolean;
  skipInstall?: boolean;
  skipBuild?: boolean;
  restart?: boolean;
  json?: boolean;
  purgeTokens?: boolean;
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
    writeFileAtomic(lockFile, fs.readFileSync(blob));
    for (const name of names) {
      fs.rmSync(path.join(root, 'node_modules', name), {
        recursive: true,
        force: true,
      });
    }
    return 'package-lock.json restored';
  }
  const plannedPackageJson = fs.readFileSync(
    path.join(root, 'package.json'),
    'utf8',
  );
  await uninstallDependencies(root, names, plannedPackageJson, journal);
  return `npm uninstall ${names.join(' ')}`;
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

export async function removeSkill(
  skillName: string,
  options: RemoveOptions,
  reporter: Reporter,
  print: (text: string) => void,
): Promise<RunResult> {
  const manifest = loadManifest(skillName);
  const root = resolveTarget(options.target, manifest);

  if (options.dryRun) {
    const plan = await planRemove(
      root,
      manifest,
      readState(root, manifest.name),
      options,
    );
    return reportDryRun(plan, reporter, print, 'is not applied');
  }

  return withTargetLock(root, async () => {
    recoverInterruptedRun(root, reporter);
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

    const summary = summarise(plan.changes);
    reporter.info(
      `${manifest.name}: ${summary.deleted.length} file(s) to delete, ${summary.updated.length} to restore in ${root}`,
    );
    if (!options.yes && !(await confirm('Remove the skill?', true))) {
      throw new SkillError('Cancelled; nothing was changed.');
    }
    assertWritable(root, plan.changes);

    await journaled(
      root,
      'remove',
      manifest.name,
      reporter,
      async (journal) => {
        await reporter.step(
          'Restore files',
          async () => {
            writeChanges(root, plan.changes, journal);
            journal.snapshotFiles();
          },
          () =>
            `${summary.deleted.length} deleted, ${summary.updated.length} restored`,
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
          journal.preserveDir(outDir(root));
          await reporter.step('Build and validate NanoClaw', async () => {
            await npmBuild(root, 'The NanoClaw build (npm run build)');
            assertEntryPointBuilt(root);
          });
        }
        deleteState(root, manifest.name);
      },
    );
    result.status = 'removed';
    await finishRemove(root, manifest, options, state ?? {}, reporter, result);
    return result;
  });
}
