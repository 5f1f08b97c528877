/**
 * The full apply (install and builds; no sign-in, no restart) and its parts
 * run by hand one after another, on one installed copy of a sample.
 */
import fs from 'node:fs';
import path from 'node:path';

import {
  binLinksInto,
  HIDDEN_LOCK,
  readModuleEntries,
} from '../../src/core/node-modules-snapshot.js';
import { TOOL_ROOT } from '../../src/core/paths.js';
import { loadManifest } from '../../src/engine/manifest.js';
import { buildCommandEnv } from '../../src/steps/build-env.js';
import { NPM_FLAGS } from '../../src/steps/npm.js';
import {
  BenchFailure,
  FILES_ONLY,
  helpers,
  median,
  SKILL,
  timed,
  tool,
  type Bench,
} from './common.js';

export interface Full {
  install: number;
  packageBuild: number;
  build: number;
  parts: number;
  apply: number;
  /**
   * The same two builds again, with the code cache for tsc that the tool's
   * builds load (src/steps/tsc-code-cache.ts); only when asked.
   */
  cachedBuilds?: number;
}

/** An installed copy and how to put it back as it was after each half. */
async function installedCopy(variant: string) {
  const copy = await helpers.createSampleCopy(variant, { install: true });
  const hiddenLock = path.join(copy.dir, 'node_modules', HIDDEN_LOCK);
  const pristine = {
    tree: await helpers.treeSnapshot(copy.dir),
    modules: JSON.stringify(readModuleEntries(copy.dir)),
    hiddenLock: fs.existsSync(hiddenLock)
      ? fs.readFileSync(hiddenLock)
      : undefined,
  };
  const names = Object.keys(loadManifest(SKILL).dependencies);
  /** Everything but node_modules from the sample again; npm's changes to node_modules undone. */
  const reset = async () => {
    for (const entry of fs.readdirSync(copy.dir)) {
      if (entry === 'node_modules') continue;
      fs.rmSync(path.join(copy.dir, entry), { recursive: true, force: true });
    }
    await helpers.materialiseSample(variant, copy.dir);
    const modules = path.join(copy.dir, 'node_modules');
    for (const entry of [
      ...names,
      ...binLinksInto(readModuleEntries(copy.dir), names),
    ]) {
      fs.rmSync(path.join(modules, entry), { recursive: true, force: true });
    }
    // Written last, so newer than every folder: npm trusts it only then.
    if (pristine.hiddenLock) fs.writeFileSync(hiddenLock, pristine.hiddenLock);
    const diff = helpers.diffSnapshots(
      pristine.tree,
      await helpers.treeSnapshot(copy.dir),
    );
    const same =
      diff.added.length + diff.removed.length + diff.changed.length === 0 &&
      JSON.stringify(readModuleEntries(copy.dir)) === pristine.modules;
    if (!same) {
      throw new BenchFailure(
        `could not reset ${copy.dir}: ${JSON.stringify(diff)}`,
      );
    }
  };
  return { dir: copy.dir, reset, cleanup: copy.cleanup };
}

/**
 * The full apply and its parts by hand, on one installed copy, reset after
 * each; the order alternates so that neither always runs first.
 */
export async function fullRuns(
  bench: Bench,
  variant: string,
  runs: number,
  withCachedBuilds = false,
): Promise<Full[]> {
  const manifest = loadManifest(SKILL);
  const specs = Object.values(manifest.dependencies)
    .filter((spec) => spec.startsWith('file:'))
    .map((spec) => `./${spec.slice('file:'.length)}`);
  const copy = await installedCopy(variant);
  const results: Full[] = [];
  try {
    for (let run = 0; run < runs; run++) {
      const result = {} as Full;
      const parts = async () => {
        await timed(
          bench,
          'node',
          tool('apply-skill.js', copy.dir, [...FILES_ONLY, '--skip-auth']),
          TOOL_ROOT,
        );
        result.install = await timed(
          bench,
          'npm',
          ['install', ...specs, ...NPM_FLAGS],
          copy.dir,
        );
        Object.assign(result, await builds(bench));
        result.parts = result.install + result.packageBuild + result.build;
        if (withCachedBuilds) {
          // The same builds as the tool's builds run tsc (for information).
          const env = buildCommandEnv(copy.dir, bench.env) ?? bench.env;
          const cached = await builds({ ...bench, env });
          result.cachedBuilds = cached.packageBuild + cached.build;
        }
      };
      /** `npm run build` in each local package, then in the checkout. */
      const builds = async (how: Bench) => {
        let packageBuild = 0;
        for (const pkg of manifest.packages) {
          packageBuild += await timed(
            how,
            'npm',
            ['run', 'build'],
            path.join(copy.dir, pkg),
          );
        }
        const build = await timed(how, 'npm', ['run', 'build'], copy.dir);
        return { packageBuild, build };
      };
      const apply = async () => {
        result.apply = await timed(
          bench,
          'node',
          tool('apply-skill.js', copy.dir, [
            '--yes',
            '--skip-auth',
            '--no-restart',
          ]),
          TOOL_ROOT,
        );
      };
      for (const half of run % 2 === 0 ? [parts, apply] : [apply, parts]) {
        await half();
        await copy.reset();
      }
      results.push(result);
    }
  } finally {
    await copy.cleanup();
  }
  return results;
}

/**
 * For information: the apply against the install and the two builds by hand
 * with the tsc code cache the tool's builds load (like for like); undefined
 * when those were not timed.
 */
export function cachedBuildsLine(
  full: Full[],
  applyMedian: number,
): string | undefined {
  const cached = full.flatMap((f) => f.cachedBuilds ?? []);
  if (cached.length === 0) return undefined;
  const builds = median(cached);
  const likeForLike = median(full.map((f) => f.install)) + builds;
  return `information, no target: the two builds by hand with the tool's tsc code cache ${builds.toFixed(0)} ms; apply = ${(applyMedian / likeForLike).toFixed(2)}x of npm install + those`;
}
