import fs from 'node:fs';
import path from 'node:path';

import { journaled, recoverInterruptedRun, writeChanges } from './commit.js';
import { summarise } from './diff.js';
import { SkillError, UsageError } from './errors.js';
import { finishApply } from './finish.js';
import { sha256 } from './fs-util.js';
import type { Journal } from './journal.js';
import { loadManifest, templateFiles, type SkillManifest } from './manifest.js';
import { toolVersion } from './paths.js';
import { assertWritable, planApply } from './plan.js';
import type { Reporter } from './reporter.js';
import { baseResult, reportDryRun, type RunResult } from './result.js';
import {
  readState,
  stateBlobPath,
  writeState,
  type SkillState,
} from './state.js';
import {
  assertEntryPointBuilt,
  installLocalDependencies,
  missingDependencies,
  npmBuild,
  outDir,
} from './steps/npm.js';
import { confirm } from './prompt.js';
import { resolveTarget } from './target.js';
import { withTargetLock } from './lock.js';

export interface ApplyOptions {
  target?: string;
  dryRun?: boolean;
  yes?: boolean;
  force?: boolean;
  skipInstall?: boolean;
  skipBuild?: boolean;
  skipAuth?: boolean;
  restart?: boolean;
  json?: boolean;
  /** Run the sign-in step even without a terminal (it opens or prints the URL). */
  auth?: boolean;
  reauth?: boolean;
  browser?: boolean;
  deviceAuth?: boolean;
  provider?: 'codex' | 'claude';
  /** Model to pin (validated against the account's catalog after sign-in). */
  model?: string;
}

/** The lock file as it was before install, kept so remove can restore it byte for byte. */
function lockBeforeInstall(
  root: string,
  manifest: SkillManifest,
): Buffer | undefined {
  const file = path.join(root, 'package-lock.json');
  if (!fs.existsSync(file)) return undefined;
  const bytes = fs.readFileSync(file);
  const alreadyThere = Object.keys(manifest.dependencies).some((name) =>
    bytes.includes(`"node_modules/${name}"`),
  );
  return alreadyThere ? undefined : bytes;
}

async function installAndValidate(
  root: string,
  manifest: SkillManifest,
  options: ApplyOptions,
  reporter: Reporter,
  journal: Journal,
): Promise<SkillState['installed']> {
  let installed: SkillState['installed'];
  if (options.skipInstall) {
    reporter.skip('Install local package', '--skip-install');
  } else if (Object.keys(manifest.dependencies).length > 0) {
    const lockBefore = lockBeforeInstall(root, manifest);
    await reporter.step(
      'Install local package',
      () => installLocalDependencies(root, manifest.dependencies, journal),
      (names) => names.join(', '),
    );
    const lockFile = path.join(root, 'package-lock.json');
    installed = {
      packageJson: sha256(fs.readFileSync(path.join(root, 'package.json'))),
      packageLock: fs.existsSync(lockFile)
        ? sha256(fs.readFileSync(lockFile))
        : undefined,
    };
    if (lockBefore) {
      const blob = stateBlobPath(
        root,
        manifest.name,
        'package-lock.before.json',
      );
      journal.willCreate(path.relative(root, path.dirname(blob)));
      fs.mkdirSync(path.dirname(blob), { recursive: true });
      fs.writeFileSync(blob, lockBefore);
    }
    for (const pkg of manifest.packages) {
      await reporter.step(`Build ${pkg}`, () =>
        npmBuild(path.join(root, pkg), `Building ${pkg}`),
      );
    }
  }
  if (options.skipBuild) {
    reporter.skip('Build and validate NanoClaw', '--skip-build');
  } else {
    journal.preserveDir(outDir(root));
    await reporter.step('Build and validate NanoClaw', async () => {
      await npmBuild(root, 'The NanoClaw build (npm run build)');
      assertEntryPointBuilt(root);
    });
  }
  return installed;
}

function recordState(
  root: string,
  manifest: SkillManifest,
  previous: SkillState | undefined,
  installed: SkillState['installed'],
): void {
  const templates: Record<string, string> = {};
  for (const file of templateFiles(manifest)) {
    const absolute = path.join(root, file);
    if (fs.existsSync(absolute))
      templates[file] = sha256(fs.readFileSync(absolute));
  }
  writeState(root, {
    ...previous,
    skill: manifest.name,
    version: manifest.version,
    toolVersion: toolVersion(),
    appliedAt: new Date().toISOString(),
    templates,
    installed: installed ?? previous?.installed,
  });
}

/** The build needs the local packages: refuse --skip-install alone before anything is written. */
function assertBuildable(
  root: string,
  manifest: SkillManifest,
  options: ApplyOptions,
): void {
  if (!options.skipInstall || options.skipBuild || options.dryRun) return;
  const missing = missingDependencies(root, manifest.dependencies);
  if (missing.length > 0) {
    throw new UsageError(
      `--skip-install leaves ${missing.join(', ')} uninstalled, so the build would fail.`,
      'Add --skip-build as well, or drop --skip-install.',
    );
  }
}

export async function applySkill(
  skillName: string,
  options: ApplyOptions,
  reporter: Reporter,
  print: (text: string) => void,
): Promise<RunResult> {
  const manifest = loadManifest(skillName);
  const root = resolveTarget(options.target, manifest);
  assertBuildable(root, manifest, options);

  if (options.dryRun) {
    const plan = await planApply(
      root,
      manifest,
      readState(root, manifest.name),
      options,
    );
    return reportDryRun(plan, reporter, print, 'is already applied');
  }

  return withTargetLock(root, async () => {
    recoverInterruptedRun(root, reporter);
    const state = readState(root, manifest.name);
    const plan = await planApply(root, manifest, state, options);
    const result = baseResult('apply', manifest, root, plan, false);
    for (const warning of plan.warnings) reporter.warn(warning);

    if (plan.changes.length === 0) {
      result.status = 'already-applied';
      reporter.info(
        `${manifest.name} is already applied to ${root}; going straight to setup.`,
      );
      if (!state) recordState(root, manifest, state, undefined);
      await finishApply(root, manifest, options, reporter, result);
      return result;
    }

    const summary = summarise(plan.changes);
    reporter.info(
      `${manifest.name}: ${summary.created.length} file(s) to create, ${summary.updated.length} to update in ${root}`,
    );
    if (!options.yes && !(await confirm('Apply these changes?', true))) {
      throw new SkillError('Cancelled; nothing was changed.');
    }
    assertWritable(root, plan.changes);

    await journaled(root, 'apply', manifest.name, reporter, async (journal) => {
      await reporter.step(
        'Write files',
        async () => {
          writeChanges(root, plan.changes, journal);
          journal.snapshotFiles();
        },
        () =>
          `${summary.created.length} created, ${summary.updated.length} updated`,
      );
      const installed = await installAndValidate(
        root,
        manifest,
        options,
        reporter,
        journal,
      );
      recordState(root, manifest, state, installed);
    });
    result.status = 'applied';
    await finishApply(root, manifest, options, reporter, result);
    return result;
  });
}
