/**
 * NanoClaw's build during apply. After the skill its build script is
 * `<own build> && tsc -p tsconfig.plugins.json` (./scripts.ts splitBuild):
 * the own build compiles src/ and needs nothing of the skill's package; the
 * plugin compile needs only that package, installed and built (plugins/
 * imports nothing from src/, and writes only into dist/plugins/). So:
 *
 *   own build (tsc) ─────────────────────────────────────────────┐
 *   npm install + package build ──> tsc -p tsconfig.plugins.json ┴─> done
 *
 * The two compiles overlap only when the own build is plain `tsc` and src/
 * has no plugins/ folder of its own (their outputs are then disjoint);
 * otherwise the plugin compile waits for the own build, as `&&` would.
 * Either way both must pass, and the own build's failure is the one shown
 * when both fail, as `npm run build` would show it.
 */
import fs from 'node:fs';
import path from 'node:path';

import {
  assertEntryPointBuilt,
  runBuildScript,
  runScriptCommand,
  type InstalledDependencies,
} from './npm.js';
import { splitBuild, type SplitBuild } from './scripts.js';

const WHAT = 'The NanoClaw build (npm run build)';

export interface BuildPrerequisites {
  /** npm install's result; undefined without an install. */
  install?: Promise<InstalledDependencies>;
  /** The local packages' builds: the plugin compile needs them. */
  packages: Promise<unknown>[];
}

/** Whether the plugin compile may run while the own build compiles. */
function compilesOverlap(root: string, split: SplitBuild): boolean {
  const own = split.own?.shown.trim();
  return (
    own !== undefined &&
    /^tsc(\s+(-p|--project)\s+tsconfig\.json)?$/.test(own) &&
    !fs.existsSync(path.join(root, 'src', 'plugins'))
  );
}

/** Settles with the error instead of throwing it (undefined when it passed). */
const failureOf = (work: Promise<unknown>): Promise<unknown> =>
  work.then(
    () => undefined,
    (error: unknown) => error ?? new Error('failed'),
  );

/** The build script whole, as `npm run build`, once the package is in place. */
async function wholeBuild(
  root: string,
  signal: AbortSignal,
  prerequisites: BuildPrerequisites,
): Promise<void> {
  await prerequisites.install;
  await Promise.all(prerequisites.packages);
  await runBuildScript(root, WHAT, signal);
  assertEntryPointBuilt(root);
}

export async function buildNanoclaw(
  root: string,
  signal: AbortSignal,
  prerequisites: BuildPrerequisites,
): Promise<void> {
  const split = splitBuild(root);
  // A build of another shape runs whole.
  if (!split) return wholeBuild(root, signal, prerequisites);
  const overlap = compilesOverlap(root, split);
  const ownFailedStop = new AbortController();
  const own = split.own
    ? failureOf(runScriptCommand(root, split.own, WHAT, signal))
    : Promise.resolve(undefined);
  // The own build failing stops a plugin compile that runs alongside it.
  void own.then((failed) => {
    if (failed !== undefined) ownFailedStop.abort('the own build failed');
  });

  if ((await prerequisites.install)?.changedOthers) {
    // npm changed more than the skill's package while the build compiled:
    // that compile does not count, the whole build runs again on the result.
    await own;
    return wholeBuild(root, signal, prerequisites);
  }
  let pluginsFailed: unknown;
  if (overlap) {
    const stop = AbortSignal.any([signal, ownFailedStop.signal]);
    pluginsFailed = await failureOf(
      Promise.all(prerequisites.packages).then(() =>
        runScriptCommand(root, split.plugins, WHAT, stop),
      ),
    );
  }
  const ownFailed = await own;
  const failure =
    ownFailed ?? pluginsFailed ?? (signal.aborted ? signal.reason : undefined);
  if (failure !== undefined) throw failure;
  if (!overlap) {
    await Promise.all(prerequisites.packages);
    await runScriptCommand(root, split.plugins, WHAT, signal);
  }
  assertEntryPointBuilt(root);
}
