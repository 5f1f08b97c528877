/**
 * What npm changes in node_modules, kept so a rollback can undo it: the
 * top-level entries (packages, @scope/packages, .bin links) with their link
 * targets, and npm's hidden lock file. A local `file:` dependency is a link,
 * so putting it back costs nothing; a real folder the run is about to remove
 * is copied aside first.
 */
import fs from 'node:fs';
import path from 'node:path';

/** One entry of node_modules: a link (with its target as written) or a folder or file. */
export interface ModuleEntry {
  link?: string;
}

export type ModuleEntries = Record<string, ModuleEntry>;

export const HIDDEN_LOCK = '.package-lock.json';

function readEntry(absolute: string): ModuleEntry | undefined {
  try {
    const stat = fs.lstatSync(absolute);
    return stat.isSymbolicLink() ? { link: fs.readlinkSync(absolute) } : {};
  } catch {
    return undefined;
  }
}

function childNames(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

/** node_modules' packages, @scope/packages and .bin entries, by path below node_modules. */
export function readModuleEntries(root: string): ModuleEntries {
  const base = path.join(root, 'node_modules');
  const entries: ModuleEntries = {};
  for (const name of childNames(base)) {
    if (name === HIDDEN_LOCK) continue;
    const nested = name.startsWith('@') || name === '.bin';
    const names = nested
      ? childNames(path.join(base, name)).map((child) => `${name}/${child}`)
      : [name];
    for (const entryName of names) {
      const entry = readEntry(path.join(base, entryName));
      if (entry) entries[entryName] = entry;
    }
  }
  return entries;
}

/** .bin links that point into one of these packages (npm adds them with the package). */
export function binLinksInto(
  entries: ModuleEntries,
  packages: string[],
): string[] {
  return Object.entries(entries)
    .filter(([name, entry]) => {
      if (!name.startsWith('.bin/') || entry.link === undefined) return false;
      const target = path.posix.normalize(
        path.posix.join('.bin', entry.link.split(path.sep).join('/')),
      );
      return packages.some(
        (pkg) => target === pkg || target.startsWith(`${pkg}/`),
      );
    })
    .map(([name]) => name);
}

export interface ModuleChange {
  /** Path below the target, e.g. node_modules/some-package. */
  path: string;
  how: 'removed' | 'restored';
}

/**
 * Put node_modules' entries back as `before` lists them: entries added since
 * are removed, links are re-made, folders copied aside (`backups`, by name)
 * are copied back. An entry that is gone and was neither a link nor copied
 * aside cannot be restored here: its `attempt` fails, naming it.
 */
export function restoreModuleEntries(
  root: string,
  before: ModuleEntries,
  backups: Record<string, string>,
  attempt: (relative: string, action: () => ModuleChange | undefined) => void,
): void {
  const base = path.join(root, 'node_modules');
  const now = readModuleEntries(root);
  for (const name of Object.keys(now)) {
    if (name in before) continue;
    attempt(`node_modules/${name}`, () => {
      fs.rmSync(path.join(base, name), { recursive: true, force: true });
      return { path: `node_modules/${name}`, how: 'removed' };
    });
  }
  for (const [name, entry] of Object.entries(before)) {
    const current = now[name];
    if (current !== undefined && current.link === entry.link) continue;
    attempt(`node_modules/${name}`, () => {
      const absolute = path.join(base, name);
      if (entry.link === undefined && !(name in backups)) {
        throw new Error('npm removed it and it was not copied aside');
      }
      fs.rmSync(absolute, { recursive: true, force: true });
      fs.mkdirSync(path.dirname(absolute), { recursive: true });
      if (entry.link !== undefined) fs.symlinkSync(entry.link, absolute);
      else
        fs.cpSync(backups[name], absolute, {
          recursive: true,
          verbatimSymlinks: true,
        });
      return { path: `node_modules/${name}`, how: 'restored' };
    });
  }
}
