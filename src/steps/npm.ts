import fs from 'node:fs';
import path from 'node:path';

import { SkillError } from '../errors.js';
import type { Journal } from '../journal.js';
import { parseJsonFile } from '../package-json.js';
import { runCommand } from '../run-command.js';

const NPM_FLAGS = ['--prefer-offline', '--no-audit', '--no-fund'];
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
    fs.writeFileSync(file, planned);
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

/** npm install the skill's local dependencies (journaled: package files and node_modules). */
export async function installLocalDependencies(
  root: string,
  dependencies: Record<string, string>,
  journal: Journal,
): Promise<string[]> {
  const paths = Object.values(dependencies)
    .map(specPath)
    .filter((p): p is string => Boolean(p));
  if (paths.length === 0) return [];
  journal.record(['package.json', 'package-lock.json']);
  journal.guardNodeModules(Object.keys(dependencies));
  const planned = fs.readFileSync(path.join(root, 'package.json'), 'utf8');
  await runCommand(
    'npm',
    ['install', ...paths.map((p) => `./${p}`), ...NPM_FLAGS],
    {
      cwd: root,
      what: 'Installing the local package',
      timeoutMs: INSTALL_TIMEOUT_MS,
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
  keepPlannedPackageJson(root, planned);
  return Object.keys(dependencies);
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

/** Run `npm run build` in a folder (a local package, or the target itself). */
export async function npmBuild(dir: string, what: string): Promise<void> {
  await runCommand('npm', ['run', 'build'], {
    cwd: dir,
    what,
    timeoutMs: BUILD_TIMEOUT_MS,
  });
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
