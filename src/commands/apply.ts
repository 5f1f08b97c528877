import fs from 'node:fs';
import path from 'node:path';

import {
  assertBuildable,
  installAndValidate,
  missingInstallation,
  type InstallOutcome,
} from '../steps/install-and-build.js';
import {
  journaled,
  recoverBeforeChecks,
  recoverInterruptedRun,
  writeChanges,
} from '../engine/commit.js';
import { summarise } from '../engine/diff.js';
import { SkillError } from '../core/errors.js';
import { sha256 } from '../core/fs-util.js';
import { loadSkillHooks } from '../engine/hooks-loader.js';
import type { Journal } from '../engine/journal.js';
import {
  loadManifest,
  templateFiles,
  type SkillManifest,
} from '../engine/manifest.js';
import { toolVersion } from '../core/paths.js';
import { planApply, type Plan } from '../engine/plan.js';
import { assertWritable } from '../engine/preflight.js';
import type { Reporter } from '../core/reporter.js';
import { baseResult, reportDryRun, type RunResult } from '../engine/result.js';
import {
  originalFilePath,
  readState,
  stateFilePath,
  updateState,
  writeState,
  type SkillState,
} from '../engine/state.js';
import { envPaths } from '../steps/env-file.js';
import {
  hookContext,
  runSetup,
  runSkillSteps,
  setupDescription,
} from '../steps/skill-steps.js';
import type { SkillHooks } from '../engine/skill-hooks.js';
import { confirm } from '../core/prompt.js';
import { loadExeca } from '../core/run-command.js';
import { assertSupportedRelease, resolveTarget } from '../engine/target.js';
import { withTargetLock } from '../engine/lock.js';

export interface ApplyOptions {
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

function recordState(
  root: string,
  manifest: SkillManifest,
  previous: SkillState | undefined,
  outcome: InstallOutcome | undefined,
  plan: Plan,
  journal?: Journal,
): void {
  // A kept file is the user's: only a hash from an apply that wrote it stays.
  const templates: Record<string, string> = {};
  for (const file of templateFiles(manifest)) {
    const absolute = path.join(root, file);
    const hash = plan.kept.includes(file)
      ? previous?.templates[file]
      : fs.existsSync(absolute)
        ? sha256(fs.readFileSync(absolute))
        : undefined;
    if (hash) templates[file] = hash;
  }
  const union = (a: string[] = [], b: string[] = []) =>
    a.length + b.length > 0 ? [...new Set([...a, ...b])] : undefined;
  journal?.record([stateFilePath(manifest.name)]);
  writeState(root, {
    ...previous,
    skill: manifest.name,
    version: manifest.version,
    toolVersion: toolVersion(),
    appliedAt: new Date().toISOString(),
    templates,
    installed: outcome?.installed ?? previous?.installed,
    originals: union(previous?.originals, plan.overwritten),
    createdPaths: union(previous?.createdPaths, outcome?.created),
  });
}

/**
 * The target's own files that --force replaces: their bytes go into the
 * state (journaled, so a rollback takes them out again) before the write.
 */
function saveOriginals(
  root: string,
  manifest: SkillManifest,
  files: string[],
  journal: Journal,
): void {
  const saved = files.map((file) => originalFilePath(manifest.name, file));
  journal.record(saved);
  files.forEach((file, i) => {
    const target = path.join(root, saved[i]);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(path.join(root, file), target);
  });
}

/** Run the skill's setup, recording data/env/env in the state when it creates it. */
async function finishAndRecord(
  root: string,
  manifest: SkillManifest,
  hooks: SkillHooks,
  options: ApplyOptions,
  reporter: Reporter,
  result: RunResult,
): Promise<void> {
  const { envFile, containerEnvFile } = envPaths(root);
  const existed = fs.existsSync(containerEnvFile);
  const envBefore = fs.existsSync(envFile)
    ? sha256(fs.readFileSync(envFile))
    : null;
  try {
    const context = hookContext(root, manifest, options, reporter);
    await runSetup(hooks, 'apply', context, result);
  } finally {
    if (!existed && fs.existsSync(containerEnvFile)) {
      updateState(root, manifest.name, (state) => ({
        containerEnvCreated: state.containerEnvCreated ?? { envBefore },
      }));
    }
  }
}

interface ApplyRun {
  root: string;
  manifest: SkillManifest;
  hooks: SkillHooks;
  state: SkillState | undefined;
  plan: Plan;
  options: ApplyOptions;
  reporter: Reporter;
}

/**
 * What follows the files inside apply's transaction: install and build, the
 * state record, the skill's steps.
 */
async function afterFilesWritten(
  run: ApplyRun,
  journal: Journal,
): Promise<void> {
  const { root, manifest, hooks, state, plan, options, reporter } = run;
  const outcome = await installAndValidate(
    root,
    manifest,
    options,
    reporter,
    journal,
  );
  recordState(root, manifest, state, outcome, plan, journal);
  const context = hookContext(root, manifest, options, reporter);
  await runSkillSteps(hooks, 'apply', context, journal);
}

/** Files are in place, yet the install or build is not: redo those steps. */
async function reinstall(run: ApplyRun): Promise<void> {
  const { root, manifest, options, reporter } = run;
  assertWritable(root, [], options.skipInstall ? [] : ['package-lock.json']);
  await journaled(root, 'apply', manifest.name, reporter, async (journal) => {
    journal.snapshotFiles();
    await afterFilesWritten(run, journal);
  });
}

async function applyPlan(run: ApplyRun): Promise<void> {
  const { root, manifest, plan, options, reporter } = run;
  const summary = summarise(plan.changes);
  reporter.info(
    `${manifest.name}: ${summary.created.length} file(s) to create, ${summary.updated.length} to update in ${root}`,
  );
  if (!options.yes && !(await confirm('Apply these changes?', true))) {
    throw new SkillError('Cancelled; nothing was changed.');
  }
  assertWritable(
    root,
    plan.changes,
    options.skipInstall ? [] : ['package-lock.json'],
  );

  await journaled(root, 'apply', manifest.name, reporter, async (journal) => {
    await reporter.step(
      'Write files',
      async () => {
        saveOriginals(root, manifest, plan.overwritten, journal);
        writeChanges(root, plan.changes, journal);
        journal.snapshotFiles();
      },
      () =>
        `${summary.created.length} created, ${summary.updated.length} updated`,
    );
    await afterFilesWritten(run, journal);
  });
}

export async function applySkill(
  skillName: string,
  options: ApplyOptions,
  reporter: Reporter,
  print: (text: string) => void,
): Promise<RunResult> {
  const manifest = loadManifest(skillName);
  const hooks = await loadSkillHooks(manifest.name);
  if (!options.dryRun) await recoverBeforeChecks(options.target, reporter);
  const root = resolveTarget(options.target, manifest);
  assertSupportedRelease(root, manifest);
  assertBuildable(root, manifest, options);

  if (options.dryRun) {
    const plan = await planApply(
      root,
      manifest,
      readState(root, manifest.name),
      options,
    );
    return reportDryRun(
      plan,
      reporter,
      print,
      'is already applied',
      setupDescription(hooks, 'apply'),
    );
  }

  // The install and the builds start their programs through execa: load it
  // now, while the codemod worker plans, rather than after the write.
  if (!options.skipInstall || !options.skipBuild) {
    loadExeca().catch(() => undefined); // runCommand reports a failed import
  }
  return withTargetLock(root, async () => {
    await recoverInterruptedRun(root, reporter);
    const state = readState(root, manifest.name);
    const plan = await planApply(root, manifest, state, options);
    const result = baseResult('apply', manifest, root, plan, false);
    for (const warning of plan.warnings) reporter.warn(warning);

    const run = { root, manifest, hooks, state, plan, options, reporter };
    if (plan.changes.length > 0) {
      await applyPlan(run);
      result.status = 'applied';
    } else {
      const missing = missingInstallation(root, manifest, options);
      if (missing.length > 0) {
        reporter.warn(
          `${manifest.name}'s files are in place, but ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing; installing and building again.`,
        );
        await reinstall(run);
        result.status = 'applied';
      } else {
        result.status = 'already-applied';
        reporter.info(
          `${manifest.name} is already applied to ${root}; going straight to setup.`,
        );
        if (!state) recordState(root, manifest, state, undefined, plan);
      }
    }
    await finishAndRecord(root, manifest, hooks, options, reporter, result);
    return result;
  });
}
