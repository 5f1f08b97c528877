/**
 * Sample NanoClaw checkouts for end-to-end tests.
 *
 * A variant is the base sample (test/fixtures/nanoclaw) plus an overlay folder
 * (test/fixtures/variants/<name>) holding only the files that differ. Copies get
 * a real node_modules made of hard links into a cache that `npm ci` fills once
 * per lockfile, so a copy costs milliseconds instead of an install.
 */
import { createHash } from 'node:crypto';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { execa } from 'execa';
import fs from 'fs-extra';
import lockfile from 'proper-lockfile';

import { buildKey, cachedBuild } from './build-cache.js';
import { useMemoTsc, type TscMemoMode } from './tsc-memo.js';

const TEST_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
);
export const BASE_SAMPLE_DIR = path.join(TEST_DIR, 'fixtures', 'nanoclaw');
export const VARIANTS_DIR = path.join(TEST_DIR, 'fixtures', 'variants');
const INSTALL_CACHE_ROOT = path.join(TEST_DIR, '.cache', 'sample-install');

/** Never part of a sample: install and build output. */
const GENERATED = new Set(['node_modules', 'dist', '.git']);
/**
 * npm rewrites these in place (fs.writeFile, not rename), so a hard link would let
 * an `npm install` in one copy edit the cache and every other copy.
 */
const REWRITTEN_IN_PLACE = new Set(['.package-lock.json']);

interface VariantSpec {
  description?: string;
  /** Files converted to CRLF when materialised; stored LF so git leaves them alone. */
  crlf?: string[];
  /** Base files the variant does not have. */
  delete?: string[];
}

export interface SampleCopy {
  dir: string;
  cleanup(): Promise<void>;
}

export function listVariants(): string[] {
  const overlays = fs
    .readdirSync(VARIANTS_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  return ['base', ...overlays];
}

function readVariantSpec(variant: string): VariantSpec {
  if (variant === 'base') return {};
  const overlay = path.join(VARIANTS_DIR, variant);
  if (!fs.existsSync(overlay)) {
    throw new Error(
      `Unknown sample variant "${variant}": no folder ${overlay}. ` +
        `Known variants: ${listVariants().join(', ')}.`,
    );
  }
  const specFile = path.join(overlay, 'variant.json');
  return fs.existsSync(specFile)
    ? (fs.readJsonSync(specFile) as VariantSpec)
    : {};
}

/** Write the base sample, the variant's overlay, deletions and CRLF conversions into `dir`. */
export async function materialiseSample(
  variant: string,
  dir: string,
): Promise<void> {
  const spec = readVariantSpec(variant);
  const skipGenerated = (src: string) => !GENERATED.has(path.basename(src));

  await fs.ensureDir(dir);
  await fs.copy(BASE_SAMPLE_DIR, dir, { filter: skipGenerated });
  if (variant !== 'base') {
    const overlay = path.join(VARIANTS_DIR, variant);
    await fs.copy(overlay, dir, {
      filter: (src) =>
        skipGenerated(src) && src !== path.join(overlay, 'variant.json'),
    });
  }

  for (const rel of spec.delete ?? []) {
    const target = path.join(dir, rel);
    if (!fs.existsSync(target)) {
      throw new Error(
        `Variant "${variant}" deletes ${rel}, which the base sample does not have.`,
      );
    }
    await fs.remove(target);
  }
  for (const rel of spec.crlf ?? []) {
    const file = path.join(dir, rel);
    const text = await fs.readFile(file, 'utf8');
    await fs.writeFile(file, text.replace(/\r?\n/g, '\r\n'));
  }
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * What the outer run sets for itself: vitest's markers, the outer `npm test` script's
 * package and lifecycle, and git variables of a hook. Inherited, they make a nested
 * vitest, npm or git behave as part of the outer run (GIT_DIR even points git at the
 * tool's repository). npm's npm_config_* values stay: they come from the same config
 * files the nested npm reads anyway, or from the user's own environment.
 */
const LEAKY_ENV =
  /^(VITEST\w*|TEST|NODE_ENV|NODE_OPTIONS|INIT_CWD|npm_lifecycle_\w+|npm_package_\w+|npm_command|npm_config_local_prefix|GIT_DIR|GIT_WORK_TREE|GIT_INDEX_FILE)$/i;

/**
 * The environment for programs run inside a copy: the caller's without LEAKY_ENV.
 * Pass it with `extendEnv: false`.
 */
export function sampleEnv(): NodeJS.ProcessEnv {
  return {
    ...SAFE_DEFAULTS,
    ...Object.fromEntries(
      Object.entries(process.env).filter(([key]) => !LEAKY_ENV.test(key)),
    ),
  };
}

/**
 * Where the Codex skill would otherwise reach outside the test: the user's real
 * ~/.config/nanoclaw token file and OpenAI's backend. A test that needs either
 * sets its own CODEX_TOKEN_FILE (see tokenFileFor) or CODEX_API_URL (a local server).
 */
const SAFE_DEFAULTS: NodeJS.ProcessEnv = {
  CODEX_TOKEN_FILE: path.join(
    os.tmpdir(),
    `nanoclaw-test-no-tokens-${process.pid}`,
    'codex-tokens.json',
  ),
  // Port 9 (discard) on loopback: refused at once, never an outside host.
  CODEX_API_URL: 'http://127.0.0.1:9/backend-api/codex/responses',
};

/** A token file for one sample copy, outside it (as ~/.config/nanoclaw is outside a checkout). */
export function tokenFileFor(copyDir: string): string {
  return path.join(
    `${copyDir}-home`,
    '.config',
    'nanoclaw',
    'codex-tokens.json',
  );
}

/** The variant's copy of a sample file: its overlay's if it has one, else the base's. */
function variantFile(variant: string, rel: string): string {
  const overlaid = path.join(VARIANTS_DIR, variant, rel);
  return variant !== 'base' && fs.existsSync(overlaid)
    ? overlaid
    : path.join(BASE_SAMPLE_DIR, rel);
}

const installs = new Map<string, Promise<string>>();

/**
 * The cache folder (package.json, package-lock.json, node_modules) for a variant's
 * lockfile, running `npm ci` into it first if no earlier run has. Safe to call from
 * several processes at once: one installs under a lock, into a temporary name that is
 * renamed into place only when complete.
 */
export async function ensureSampleInstall(variant = 'base'): Promise<string> {
  readVariantSpec(variant); // fail early on an unknown variant
  const manifest = variantFile(variant, 'package.json');
  const lock = variantFile(variant, 'package-lock.json');
  const key = sha256(await fs.readFile(lock));
  let install = installs.get(key);
  if (!install) {
    install = installOnce(key, manifest, lock);
    installs.set(key, install);
    install.catch(() => installs.delete(key));
  }
  return install;
}

async function installOnce(
  key: string,
  manifest: string,
  lock: string,
): Promise<string> {
  const target = path.join(INSTALL_CACHE_ROOT, key);
  if (fs.existsSync(target)) return target;

  await fs.ensureDir(INSTALL_CACHE_ROOT);
  // Locked by its own name: proper-lockfile tracks its locks by that name, so one
  // process may install several lockfiles at once.
  const release = await lockfile.lock(target, {
    realpath: false,
    lockfilePath: path.join(INSTALL_CACHE_ROOT, `${key}.lock`),
    stale: 30_000,
    // Another process may be half way through `npm ci`: wait for it (up to ~5 minutes).
    retries: { retries: 300, minTimeout: 200, maxTimeout: 1_000 },
  });
  try {
    if (fs.existsSync(target)) return target;
    // Left over from an aborted run; nobody else writes it while we hold the lock.
    for (const name of await fs.readdir(INSTALL_CACHE_ROOT)) {
      if (name.startsWith(`${key}.tmp-`)) {
        await fs.remove(path.join(INSTALL_CACHE_ROOT, name));
      }
    }

    const temp = path.join(INSTALL_CACHE_ROOT, `${key}.tmp-${process.pid}`);
    await fs.ensureDir(temp);
    await fs.copy(manifest, path.join(temp, 'package.json'));
    await fs.copy(lock, path.join(temp, 'package-lock.json'));

    const started = Date.now();
    process.stderr.write(
      `Installing the sample's node_modules once for lockfile ${key.slice(0, 12)}...\n`,
    );
    try {
      await execa(
        'npm',
        ['ci', '--prefer-offline', '--no-audit', '--no-fund'],
        {
          cwd: temp,
          env: sampleEnv(),
          extendEnv: false,
        },
      );
    } catch (error) {
      await fs.remove(temp);
      const detail = (error as { stderr?: string }).stderr ?? String(error);
      throw new Error(
        `npm ci failed for the sample lockfile ${lock}.\n${detail}\n` +
          'Check that the npm registry (or the local npm cache) is reachable, then run the tests again.',
      );
    }
    await fs.rename(temp, target);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    process.stderr.write(
      `Sample node_modules ready in ${seconds}s: ${target}\n`,
    );
    return target;
  } finally {
    await release();
  }
}

/**
 * Mirror `from` into `to` with hard links (copies where linking is impossible),
 * leaving out the paths in `skip`.
 */
async function linkTree(
  from: string,
  to: string,
  skip: Set<string>,
  state = { canLink: true },
): Promise<void> {
  await fsp.mkdir(to);
  for (const entry of await fsp.readdir(from, { withFileTypes: true })) {
    const src = path.join(from, entry.name);
    const dest = path.join(to, entry.name);
    if (skip.has(src)) continue;
    if (entry.isDirectory()) {
      await linkTree(src, dest, skip, state);
    } else if (entry.isSymbolicLink()) {
      await fsp.symlink(await fsp.readlink(src), dest);
    } else if (state.canLink) {
      try {
        await fsp.link(src, dest);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? '';
        // Another file system, or one without hard links: copy from now on.
        if (!['EXDEV', 'EPERM', 'ENOTSUP', 'EMLINK'].includes(code)) {
          throw error;
        }
        state.canLink = false;
        await fsp.copyFile(src, dest);
      }
    } else {
      await fsp.copyFile(src, dest);
    }
  }
}

async function linkNodeModules(
  cacheDir: string,
  sampleDir: string,
): Promise<void> {
  const from = path.join(cacheDir, 'node_modules');
  const to = path.join(sampleDir, 'node_modules');
  const rewritten = [...REWRITTEN_IN_PLACE].map((name) =>
    path.join(from, name),
  );

  // GNU cp links the tree in one native call, several times faster than
  // linking file by file from here; elsewhere (or across file systems) the
  // walk below does it.
  const cp = await execa('cp', ['-al', from, to], { reject: false });
  if (cp.exitCode !== 0) {
    await fs.remove(to);
    await linkTree(from, to, new Set(rewritten));
  }
  // Copied last, so newer than every folder: npm trusts its hidden lockfile only then.
  for (const src of rewritten) {
    const dest = path.join(to, path.basename(src));
    await fsp.rm(dest, { force: true });
    if (fs.existsSync(src)) await fsp.copyFile(src, dest);
  }
}

async function initGit(dir: string, variant: string): Promise<void> {
  const git = (...args: string[]) =>
    execa('git', args, { cwd: dir, env: sampleEnv(), extendEnv: false });
  await git('init', '--quiet');
  await git('config', 'user.name', 'Sample Owner');
  await git('config', 'user.email', 'sample-owner@example.invalid');
  await git('config', 'commit.gpgsign', 'false');
  // Commit bytes as they are: the CRLF variant must stay CRLF in the index too.
  await git('config', 'core.autocrlf', 'false');
  await git('add', '--all');
  await git(
    'commit',
    '--quiet',
    '--no-verify',
    '-m',
    `Sample NanoClaw (${variant})`,
  );
}

/**
 * Give `dir` (a fresh copy with node_modules) the dist/ that `npm run build` makes:
 * built for real by the first copy of these sources and this install, copied into
 * later ones, which tsc would make byte for byte the same (source maps hold
 * relative paths only).
 */
async function addBuild(dir: string, cacheDir: string): Promise<void> {
  const key = buildKey(
    'sample',
    path.basename(cacheDir),
    JSON.stringify(await treeSnapshot(dir)),
  );
  await cachedBuild(key, path.join(dir, 'dist'), async () => {
    await execa('npm', ['run', 'build'], {
      cwd: dir,
      env: sampleEnv(),
      extendEnv: false,
    });
  });
}

/**
 * A fresh temporary checkout of a sample variant. With `install` (default) it has a
 * working node_modules; with `build` also the dist/ of `npm run build` (as a user's
 * checkout that has run); with `git` it is a repository with everything in one
 * commit (dist/ and node_modules are ignored by the sample's .gitignore).
 */
export async function createSampleCopy(
  variant = 'base',
  options: {
    install?: boolean;
    build?: boolean;
    git?: boolean;
    /** true or 'replay': builds replayed where they can be; 'record': compiled, and recorded; 'own': see useMemoTsc. */
    memoTsc?: boolean | TscMemoMode;
  } = {},
): Promise<SampleCopy> {
  const {
    install = true,
    build = false,
    git = false,
    memoTsc = false,
  } = options;
  if (build && !install) {
    throw new Error('createSampleCopy: a build needs the install.');
  }
  const cacheDir = install ? await ensureSampleInstall(variant) : undefined;
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), `nanoclaw-${variant}-`));
  const cleanup = () =>
    Promise.all([fs.remove(dir), fs.remove(`${dir}-home`)]).then(() => {});
  try {
    await materialiseSample(variant, dir);
    if (cacheDir) await linkNodeModules(cacheDir, dir);
    if (memoTsc && cacheDir) {
      await useMemoTsc(dir, { mode: memoTsc === true ? 'replay' : memoTsc });
    }
    if (build && cacheDir) await addBuild(dir, cacheDir);
    if (git) await initGit(dir, variant);
  } catch (error) {
    await cleanup();
    throw error;
  }
  return { dir, cleanup };
}

export type TreeSnapshot = Record<string, string>;

/** A glob over relative POSIX paths: `*` and `?` stay within a segment, `**` crosses them. */
function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i];
    if (char === '*' && glob[i + 1] === '*') {
      const slashAfter = glob[i + 2] === '/';
      source += slashAfter ? '(?:.*/)?' : '.*';
      i += slashAfter ? 2 : 1;
    } else if (char === '*') {
      source += '[^/]*';
    } else if (char === '?') {
      source += '[^/]';
    } else {
      source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`);
}

/**
 * Every file under `dir` as relative POSIX path -> sha256 of its bytes, keys sorted.
 * Symlinks record their target; empty directories appear as `path/` so a removal that
 * leaves an empty folder behind is not "identical". node_modules, dist and .git are
 * skipped at any depth; `ignore` globs skip a path and everything below it.
 */
export async function treeSnapshot(
  dir: string,
  options: { ignore?: string[] } = {},
): Promise<TreeSnapshot> {
  const patterns = (options.ignore ?? []).map(globToRegExp);
  const ignored = (rel: string) =>
    patterns.some((pattern) => pattern.test(rel) || pattern.test(`${rel}/`));
  const entries: [string, string][] = [];

  async function walk(abs: string, rel: string): Promise<void> {
    const children = await fsp.readdir(abs, { withFileTypes: true });
    if (rel && children.length === 0) {
      entries.push([`${rel}/`, 'empty directory']);
    }
    for (const child of children) {
      if (GENERATED.has(child.name)) continue;
      const childRel = rel ? `${rel}/${child.name}` : child.name;
      if (ignored(childRel)) continue;
      const childAbs = path.join(abs, child.name);
      if (child.isDirectory()) {
        await walk(childAbs, childRel);
      } else if (child.isSymbolicLink()) {
        entries.push([childRel, `symlink:${await fsp.readlink(childAbs)}`]);
      } else {
        entries.push([childRel, sha256(await fsp.readFile(childAbs))]);
      }
    }
  }

  await walk(dir, '');
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries);
}

export interface SnapshotDiff {
  added: string[];
  removed: string[];
  changed: string[];
}

/** What happened between two snapshots of the same tree; all lists empty means identical. */
export function diffSnapshots(
  before: TreeSnapshot,
  after: TreeSnapshot,
): SnapshotDiff {
  const added = Object.keys(after).filter((rel) => !Object.hasOwn(before, rel));
  const removed = Object.keys(before).filter(
    (rel) => !Object.hasOwn(after, rel),
  );
  const changed = Object.keys(after).filter(
    (rel) => Object.hasOwn(before, rel) && before[rel] !== after[rel],
  );
  return { added, removed, changed };
}
