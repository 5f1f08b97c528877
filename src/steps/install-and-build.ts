/** apply's install and build: the steps after the files are written, journaled. */
import fs from 'node:fs';
import path from 'node:path';

import { UsageError } from '../core/errors.js';
import { sha256, writeFileAtomic } from '../core/fs-util.js';
import type { Journal } from '../engine/journal.js';
import type { SkillManifest } from '../engine/manifest.js';
import type { Reporter } from '../core/reporter.js';
import { STATE_DIR } from '../core/paths.js';
import type { SkillState } from '../engine/state.js';
import { ConcurrentSteps, type ShownStep } from './concurrent.js';
import {
  installLocalDependencies,
  makeBinsExecutable,
  missingDependencies,
  outDir,
  runBuildScript,
  type InstalledDependencies,
} from './npm.js';
import { buildNanoclaw } from './nanoclaw-build.js';

export interface InstallOptions {
  skipInstall?: boolean;
  skipBuild?: boolean;
  dryRun?: boolean;
}

export interface InstallOutcome {
  installed: SkillState['installed'];
  /** Folders the steps created that did not exist before (the build output folder). */
  created: string[];
}

/** Where the lock file from before install is kept, relative to the target. */
export function lockBeforePath(skill: string): string {
  return `${STATE_DIR}/${skill}/package-lock.before.json`;
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

const outputsOf = (manifest: SkillManifest, pkg: string) =>
  manifest.buildOutputs.filter((output) => output.startsWith(`${pkg}/`));

/** Build output folders of a local package (journaled whole). */
function preserveOutputs(
  manifest: SkillManifest,
  pkg: string,
  journal: Journal,
): void {
  for (const output of outputsOf(manifest, pkg)) journal.preserveDir(output);
}

/** A local package's build; run again when npm changed the tree it compiled against. */
async function buildPackage(
  root: string,
  pkg: string,
  signal: AbortSignal,
  install: Promise<InstalledDependencies>,
): Promise<void> {
  const dir = path.join(root, pkg);
  const what = `Building ${pkg}`;
  let failed: unknown;
  try {
    await runBuildScript(dir, what, signal);
  } catch (err) {
    if (signal.aborted) throw err;
    failed = err;
  }
  const { changedOthers } = await install;
  if (changedOthers) await runBuildScript(dir, what, signal);
  else if (failed !== undefined) throw failed;
}

/**
 * npm install, the local packages' builds and NanoClaw's build, at the same
 * time where they do not depend on each other:
 *
 *   npm install ./packages/<pkg> ─────────────┐
 *   packages/<pkg>: npm run build ────────────┤
 *   NanoClaw: its own build (tsc) ────────────┴─> tsc -p tsconfig.plugins.json
 *
 * Everything a rollback needs is journaled before any of them starts, and a
 * failure of one stops the others before the rollback.
 */
export async function installAndValidate(
  root: string,
  manifest: SkillManifest,
  options: InstallOptions,
  reporter: Reporter,
  journal: Journal,
): Promise<InstallOutcome> {
  const outcome: InstallOutcome = { installed: undefined, created: [] };
  const installing =
    !options.skipInstall && Object.keys(manifest.dependencies).length > 0;
  if (options.skipInstall) {
    reporter.skip('Install local package', '--skip-install');
  }
  const lockBefore = installing ? lockBeforeInstall(root, manifest) : undefined;
  const out = outDir(root);
  const outExisted = fs.existsSync(path.join(root, out));
  if (installing) {
    for (const pkg of manifest.packages)
      preserveOutputs(manifest, pkg, journal);
  }
  if (!options.skipBuild) journal.preserveDir(out);

  const steps = new ConcurrentSteps();
  const shown: ShownStep[] = [];
  let install: Promise<InstalledDependencies> | undefined;
  const packages: Promise<unknown>[] = [];
  if (installing) {
    install = steps.start('Install local package', (signal) =>
      installLocalDependencies(root, manifest.dependencies, journal, signal),
    );
    shown.push([
      'Install local package',
      (value) => {
        const { names, changedOthers } = value as InstalledDependencies;
        return changedOthers
          ? `${names.join(', ')}; ${changedOthers}, so the builds run again on what it installed`
          : names.join(', ');
      },
    ]);
    for (const pkg of manifest.packages) {
      const name = `Build ${pkg}`;
      const installed = install;
      packages.push(
        steps.start(name, (signal) =>
          buildPackage(root, pkg, signal, installed),
        ),
      );
      shown.push([name]);
    }
  }
  if (!options.skipBuild) {
    steps.start('Build and validate NanoClaw', (signal) =>
      buildNanoclaw(root, signal, { install, packages }),
    );
    shown.push(['Build and validate NanoClaw']);
  }
  await steps.showAll(reporter, shown);

  if (install) {
    makeBinsExecutable(root, Object.keys(manifest.dependencies));
    const lockFile = path.join(root, 'package-lock.json');
    outcome.installed = {
      packageJson: sha256(fs.readFileSync(path.join(root, 'package.json'))),
      packageLock: fs.existsSync(lockFile)
        ? sha256(fs.readFileSync(lockFile))
        : undefined,
    };
    if (lockBefore) {
      const blob = lockBeforePath(manifest.name);
      journal.record([blob]);
      writeFileAtomic(path.join(root, blob), lockBefore);
    }
  }
  if (options.skipBuild) {
    reporter.skip('Build and validate NanoClaw', '--skip-build');
  } else if (!outExisted) {
    outcome.created.push(out);
  }
  return outcome;
}

/**
 * What an applied target lacks of the install and the build (as far as this
 * run would make them): "already applied" must mean it also builds.
 */
export function missingInstallation(
  root: string,
  manifest: SkillManifest,
  options: InstallOptions,
): string[] {
  const exists = (relative: string) => fs.existsSync(path.join(root, relative));
  const missing: string[] = [];
  if (!options.skipInstall) {
    missing.push(
      ...missingDependencies(root, manifest.dependencies).map(
        (name) => `node_modules/${name}`,
      ),
      ...manifest.packages
        .flatMap((pkg) => outputsOf(manifest, pkg))
        .filter((output) => !exists(output)),
    );
  }
  if (!options.skipBuild) {
    const out = `${outDir(root)}/`;
    // Maps and declarations depend on the target's tsconfig; the code does not.
    missing.push(
      ...manifest.buildOutputs.filter(
        (output) =>
          output.startsWith(out) &&
          !/\.(map|d\.ts)$/.test(output) &&
          !exists(output),
      ),
    );
  }
  return missing;
}

/** The build needs the local packages: refuse --skip-install alone before anything is written. */
export function assertBuildable(
  root: string,
  manifest: SkillManifest,
  options: InstallOptions,
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
