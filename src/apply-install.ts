/** apply's install and build: the steps after the files are written, journaled. */
import fs from 'node:fs';
import path from 'node:path';

import { UsageError } from './errors.js';
import { sha256, writeFileAtomic } from './fs-util.js';
import type { Journal } from './journal.js';
import type { SkillManifest } from './manifest.js';
import type { Reporter } from './reporter.js';
import { STATE_DIR } from './paths.js';
import type { SkillState } from './state.js';
import {
  assertEntryPointBuilt,
  installLocalDependencies,
  missingDependencies,
  npmBuild,
  outDir,
} from './steps/npm.js';

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

async function install(
  root: string,
  manifest: SkillManifest,
  reporter: Reporter,
  journal: Journal,
): Promise<SkillState['installed']> {
  const lockBefore = lockBeforeInstall(root, manifest);
  await reporter.step(
    'Install local package',
    () => installLocalDependencies(root, manifest.dependencies, journal),
    (names) => names.join(', '),
  );
  const lockFile = path.join(root, 'package-lock.json');
  const installed = {
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
  for (const pkg of manifest.packages) {
    for (const output of outputsOf(manifest, pkg)) journal.preserveDir(output);
    await reporter.step(`Build ${pkg}`, () =>
      npmBuild(path.join(root, pkg), `Building ${pkg}`),
    );
  }
  return installed;
}

export async function installAndValidate(
  root: string,
  manifest: SkillManifest,
  options: InstallOptions,
  reporter: Reporter,
  journal: Journal,
): Promise<InstallOutcome> {
  const outcome: InstallOutcome = { installed: undefined, created: [] };
  if (options.skipInstall) {
    reporter.skip('Install local package', '--skip-install');
  } else if (Object.keys(manifest.dependencies).length > 0) {
    outcome.installed = await install(root, manifest, reporter, journal);
  }
  if (options.skipBuild) {
    reporter.skip('Build and validate NanoClaw', '--skip-build');
    return outcome;
  }
  const out = outDir(root);
  const outExisted = fs.existsSync(path.join(root, out));
  journal.preserveDir(out);
  await reporter.step('Build and validate NanoClaw', async () => {
    await npmBuild(root, 'The NanoClaw build (npm run build)');
    assertEntryPointBuilt(root);
  });
  if (!outExisted) outcome.created.push(out);
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
