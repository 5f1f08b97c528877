/**
 * Whether `npm install ./packages/<skill package>` changed anything besides
 * the skill's own packages. Apply compiles while npm installs; the compilers
 * read package.json and node_modules (typescript, @types/node). When npm only
 * links the skill's package, which is what it does on a checkout whose
 * node_modules matches its lock file, nothing they read changes under them.
 * When it does more (rewrites package.json, installs, updates or removes
 * other packages), the builds that ran meanwhile do not count, and apply
 * runs them again, one after another, on the tree npm left.
 */
import fs from 'node:fs';
import path from 'node:path';

import {
  HIDDEN_LOCK,
  binLinksInto,
  readModuleEntries,
} from '../core/node-modules-snapshot.js';

type LockPackages = Record<string, unknown>;

export interface InstallBaseline {
  packageJson: { bytes: Buffer; mtimeMs: number } | undefined;
  lock: string | undefined;
  hiddenLock: string | undefined;
  entries: string;
}

interface Skill {
  names: string[];
  /** The folders of `file:` dependencies, relative to the target (e.g. packages/some-package). */
  folders: string[];
}

function readOrUndefined(file: string): Buffer | undefined {
  try {
    return fs.readFileSync(file);
  } catch {
    return undefined;
  }
}

/** A lock file's content without what installing the skill's packages adds to it. */
function lockWithoutSkill(
  bytes: Buffer | undefined,
  skill: Skill,
): string | undefined {
  if (!bytes) return undefined;
  let lock: { packages?: LockPackages; dependencies?: unknown };
  try {
    lock = JSON.parse(bytes.toString('utf8')) as typeof lock;
  } catch {
    return `unparsable ${bytes.length}`;
  }
  const ours = (key: string) =>
    skill.names.some(
      (name) =>
        key === `node_modules/${name}` ||
        key.startsWith(`node_modules/${name}/`),
    ) ||
    skill.folders.some(
      (folder) => key === folder || key.startsWith(`${folder}/`),
    );
  const packages: LockPackages = {};
  for (const [key, value] of Object.entries(lock.packages ?? {})) {
    if (ours(key)) continue;
    if (key === '' && value && typeof value === 'object') {
      const root = { ...(value as Record<string, unknown>) };
      for (const field of [
        'dependencies',
        'devDependencies',
        'optionalDependencies',
      ]) {
        const deps = root[field] as Record<string, unknown> | undefined;
        if (!deps) continue;
        const rest = Object.fromEntries(
          Object.entries(deps).filter(([name]) => !skill.names.includes(name)),
        );
        if (Object.keys(rest).length > 0) root[field] = rest;
        else delete root[field];
      }
      packages[key] = root;
    } else {
      packages[key] = value;
    }
  }
  // lockfileVersion 1 has no "packages": compare its tree as it is.
  return JSON.stringify({ ...lock, packages });
}

function entriesWithoutSkill(root: string, skill: Skill): string {
  const entries = readModuleEntries(root);
  const skip = new Set([...skill.names, ...binLinksInto(entries, skill.names)]);
  return JSON.stringify(
    Object.entries(entries)
      .filter(([name]) => !skip.has(name))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
}

function skillOf(dependencies: Record<string, string>): Skill {
  return {
    names: Object.keys(dependencies),
    folders: Object.values(dependencies)
      .filter((spec) => spec.startsWith('file:'))
      .map((spec) =>
        path.posix.normalize(spec.slice('file:'.length).replace(/^\.\//, '')),
      ),
  };
}

/** Read before npm starts. */
export function installBaseline(
  root: string,
  dependencies: Record<string, string>,
): InstallBaseline {
  const skill = skillOf(dependencies);
  const packageFile = path.join(root, 'package.json');
  const bytes = readOrUndefined(packageFile);
  return {
    packageJson: bytes && {
      bytes,
      mtimeMs: fs.statSync(packageFile).mtimeMs,
    },
    lock: lockWithoutSkill(
      readOrUndefined(path.join(root, 'package-lock.json')),
      skill,
    ),
    hiddenLock: lockWithoutSkill(
      readOrUndefined(path.join(root, 'node_modules', HIDDEN_LOCK)),
      skill,
    ),
    entries: entriesWithoutSkill(root, skill),
  };
}

/**
 * After npm: what it changed besides the skill's packages, in words, or
 * undefined when nothing. Without a lock file (or npm's hidden one in
 * node_modules) before, there is nothing to compare with: that counts as a
 * change.
 */
export function changedBesidesSkill(
  root: string,
  dependencies: Record<string, string>,
  before: InstallBaseline,
): string | undefined {
  const skill = skillOf(dependencies);
  const packageFile = path.join(root, 'package.json');
  const bytes = readOrUndefined(packageFile);
  if (
    !before.packageJson ||
    !bytes ||
    !bytes.equals(before.packageJson.bytes) ||
    fs.statSync(packageFile).mtimeMs !== before.packageJson.mtimeMs
  ) {
    return 'npm rewrote package.json';
  }
  if (!before.lock) return 'there was no package-lock.json before';
  if (
    lockWithoutSkill(
      readOrUndefined(path.join(root, 'package-lock.json')),
      skill,
    ) !== before.lock
  ) {
    return 'npm changed other packages in package-lock.json';
  }
  if (!before.hiddenLock)
    return `there was no node_modules/${HIDDEN_LOCK} before`;
  if (
    lockWithoutSkill(
      readOrUndefined(path.join(root, 'node_modules', HIDDEN_LOCK)),
      skill,
    ) !== before.hiddenLock
  ) {
    return 'npm changed other packages in node_modules';
  }
  if (entriesWithoutSkill(root, skill) !== before.entries) {
    return 'npm changed other entries of node_modules';
  }
  return undefined;
}
