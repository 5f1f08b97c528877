import fs from 'node:fs';
import path from 'node:path';

import { SkillError } from '../core/errors.js';
import type { Journal } from '../engine/journal.js';
import { parseJsonFile } from '../core/package-json.js';
import { writeFileAtomic } from '../core/fs-util.js';
import { runCommand } from '../core/run-command.js';
import { buildCommandEnv } from './build-env.js';
import { changedBesidesSkill, installBaseline } from './npm-changes.js';
import { scriptCommand, type ScriptCommand } from './scripts.js';

/** npm's flags for every install and uninstall (the benchmark times the same command by hand). */
export const NPM_FLAGS = ['--prefer-offline', '--no-audit', '--no-fund'];
const INSTALL_TIMEOUT_MS = 10 * 60_000;
const BUILD_TIMEOUT_MS = 10 * 60_000;

function specPath(spec: string): string | undefined {
  return spec.startsWith('file:') ? spec.slice('file:'.length) : undefined;
}

/**
 * npm may rewrite package.json with its own key order; when the content means
 * the same, put back the bytes the plan showed, so dry-run and apply agree.
 */
function keepPlannedPackageJson(root: string, planned: string): void {
  const file = path.join(root, 'package.json');
  const actual = fs.readFileSync(file, 'utf8');
  if (actual === planned) return;
  if (
    canonicalJson(parseJsonFile(actual, file)) ===
    canonicalJson(parseJsonFile(planned, file))
  ) {
    // Atomic: a compiler running alongside may read it.
    writeFileAtomic(file, planned);
  }
}

/** JSON text with every object's keys sorted: equal means "same content". */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(
          Object.entries(inner as Record<string, unknown>).sort(([a], [b]) =>
            a.localeCompare(b),
          ),
        )
      : inner,
  );
}

/** The skill's dependencies with no folder in node_modules yet. */
export function missingDependencies(
  root: string,
  dependencies: Record<string, string>,
): string[] {
  return Object.keys(dependencies).filter(
    (name) => !fs.existsSync(path.join(root, 'node_modules', name)),
  );
}

export interface InstalledDependencies {
  names: string[];
  /**
   * What npm changed besides the skill's packages (see ./npm-changes.ts), in
   * words; undefined when it only installed those.
   */
  changedOthers?: string;
}

/**
 * npm install the skill's local dependencies (journaled: package files and
 * node_modules). Everything the rollback needs is recorded before this
 * returns its promise, so other steps may start right after the call.
 */
export function installLocalDependencies(
  root: string,
  dependencies: Record<string, string>,
  journal: Journal,
  signal?: AbortSignal,
): Promise<InstalledDependencies> {
  const paths = Object.values(dependencies)
    .map(specPath)
    .filter((p): p is string => Boolean(p));
  if (paths.length === 0) return Promise.resolve({ names: [] });
  journal.record(['package.json', 'package-lock.json']);
  journal.guardNodeModules(Object.keys(dependencies));
  const planned = fs.readFileSync(path.join(root, 'package.json'), 'utf8');
  const baseline = installBaseline(root, dependencies);
  const install = runCommand(
    'npm',
    ['install', ...paths.map((p) => `./${p}`), ...NPM_FLAGS],
    {
      cwd: root,
      what: 'Installing the local package',
      timeoutMs: INSTALL_TIMEOUT_MS,
      signal,
    },
  ).catch((err: unknown) => {
    if (err instanceof SkillError) {
      throw new SkillError(err.message, {
        file: path.join(root, 'package.json'),
        details: err.details,
        hint: 'npm could not install. NanoClaw may need network access (e.g. to git hosts) for its own dependencies: check `npm install` works in the target, then retry.',
      });
    }
    throw err;
  });
  return install.then(() => {
    const changedOthers = changedBesidesSkill(root, dependencies, baseline);
    keepPlannedPackageJson(root, planned);
    return { names: Object.keys(dependencies), changedOthers };
  });
}

/**
 * npm makes a package's bin files executable when it links them, if they
 * exist by then. Built alongside the install, they may or may not: make them
 * executable once built, as npm does when the build comes first.
 */
export function makeBinsExecutable(root: string, names: string[]): void {
  for (const name of names) {
    const dir = path.join(root, 'node_modules', name);
    let bin: unknown;
    try {
      bin = (
        JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
          bin?: unknown;
        }
      ).bin;
    } catch {
      continue;
    }
    const files =
      typeof bin === 'string'
        ? [bin]
        : bin && typeof bin === 'object'
          ? Object.values(bin as Record<string, unknown>)
          : [];
    for (const file of files) {
      if (typeof file !== 'string') continue;
      try {
        const absolute = path.join(dir, file);
        const { mode } = fs.statSync(absolute);
        // Execute where it may be read, like chmod a+X for readers.
        const executable = mode | ((mode & 0o444) >> 2);
        if (executable !== mode) fs.chmodSync(absolute, executable & 0o7777);
      } catch {
        // Not built (yet): nothing to do, as for npm.
      }
    }
  }
}

/** npm uninstall the skill's dependencies (when the lock cannot simply be restored). */
export async function uninstallDependencies(
  root: string,
  names: string[],
  plannedPackageJson: string,
  journal: Journal,
): Promise<void> {
  journal.record(['package.json', 'package-lock.json']);
  journal.guardNodeModules(names);
  await runCommand('npm', ['uninstall', ...names, ...NPM_FLAGS], {
    cwd: root,
    what: 'Uninstalling the local package',
    timeoutMs: INSTALL_TIMEOUT_MS,
  });
  keepPlannedPackageJson(root, plannedPackageJson);
}

/** One command of a script (see ./scripts.ts), in `dir`. */
export async function runScriptCommand(
  dir: string,
  command: ScriptCommand,
  what: string,
  signal?: AbortSignal,
): Promise<void> {
  await runCommand(command.file, command.args, {
    cwd: dir,
    what,
    env: buildCommandEnv(dir, command.env),
    shown: command.shown,
    timeoutMs: BUILD_TIMEOUT_MS,
    signal,
  });
}

/**
 * `npm run build` in a folder, as npm runs it, but without starting npm when
 * the script runs alone (./scripts.ts).
 */
export async function runBuildScript(
  dir: string,
  what: string,
  signal?: AbortSignal,
): Promise<void> {
  await runScriptCommand(dir, scriptCommand(dir, 'build'), what, signal);
}

/** The build output folder from tsconfig.json (jsonc), `dist` when unsure. */
export function outDir(root: string): string {
  try {
    const tsconfig = parseJsonFile(
      fs.readFileSync(path.join(root, 'tsconfig.json'), 'utf8'),
      'tsconfig.json',
    ) as { compilerOptions?: { outDir?: string } };
    const dir = tsconfig.compilerOptions?.outDir ?? 'dist';
    return path.posix.normalize(dir.replace(/^\.\//, ''));
  } catch {
    return 'dist';
  }
}

/** The target must still start the way its service files expect. */
export function assertEntryPointBuilt(root: string): void {
  const pkg = parseJsonFile(
    fs.readFileSync(path.join(root, 'package.json'), 'utf8'),
    'package.json',
  ) as { main?: string };
  const main = pkg.main ?? 'dist/index.js';
  if (!fs.existsSync(path.join(root, main))) {
    throw new SkillError(
      `The build did not produce ${main}, which npm start and the service run.`,
      {
        file: path.join(root, main),
        hint: 'Check tsconfig.json outDir/rootDir; the skill must not move the output layout.',
      },
    );
  }
}
