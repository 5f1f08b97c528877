/**
 * A V8 code cache for the TypeScript compiler that ts-morph loads: about 13 MB
 * of JavaScript whose compilation is a third of every run. Node 22 has this
 * built in (module.enableCompileCache), and we use it there. Node 20 does not,
 * so for the three big files only we compile through vm.Script with the cached
 * data and, after the codemods ran, save the cache again: saved then, it also
 * holds the functions the parser compiled lazily, which is where the time goes.
 * (v8-compile-cache saves before running, so its cache misses those and made
 * runs slower here.) A cache V8 rejects is simply rebuilt. The target's own
 * builds get it too, for their tsc (../steps/tsc-code-cache.ts).
 */
import { isAscii } from 'node:buffer';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import Module, { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

import { cacheDir } from './cache-dir.js';

/** The compiler bundle and ts-morph's own two bundles; everything else is small. */
const CACHED_FILES =
  /[\\/]node_modules[\\/](?:typescript|@ts-morph[\\/]common|ts-morph)[\\/]/;

/**
 * The file functions the cache uses, taken when it loads: the cache also runs
 * inside programs it is preloaded into (../steps/tsc-code-cache.ts), which may
 * wrap fs to watch what they read and write; the cache's own files are not
 * theirs.
 */
const {
  closeSync,
  existsSync,
  fstatSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} = fs;

/**
 * What names a file's cache: 'file', this installed copy (its size, time and
 * inode, cheap to ask: the tool's own node_modules); 'content', the bytes
 * (a hash: the same compiler in every checkout and copy shares one cache).
 */
export type CacheIdentity = 'file' | 'content';

interface NodeModuleInternals {
  exports: unknown;
}

/** Node's loader for one file extension (Module._extensions). */
type Loader = (module: NodeModuleInternals, filename: string) => void;

interface Pending {
  script: vm.Script;
  file: string;
  /** There was none (rather than one V8 refused). */
  missing: boolean;
}

const pending: Pending[] = [];
let enabled = false;

/**
 * One cache file per Node version, source (see CacheIdentity), and build of
 * this tool: the cache holds the functions our code needed, so new code (a
 * rebuild or an update) saves a new one. `bytes`: the source's.
 */
function cacheFile(
  dir: string,
  filename: string,
  identity: CacheIdentity,
  bytes: Buffer,
): string {
  const source =
    identity === 'content'
      ? [createHash('sha256').update(bytes).digest('hex').slice(0, 32)]
      : (({ size, mtimeMs, ino }) => [size, mtimeMs, ino])(statSync(filename));
  const build = Math.round(statSync(fileURLToPath(import.meta.url)).mtimeMs);
  const id = [process.version, process.arch, ...source, build].join('-');
  const name = filename
    .split(/node_modules[\\/]/)
    .pop()!
    .replace(/[\\/]/g, '+');
  return path.join(dir, `${name}@${id}.v8cache`);
}

/**
 * One buffer for every read: each file is used up (decoded, or deserialized)
 * before the next is read, and fresh memory costs a page fault per 4 KB, so
 * reusing pages saves about as much as the reads themselves take. Sized for
 * the largest file up front; untouched pages of it cost nothing.
 */
const SCRATCH_BYTES = 16 * 1024 * 1024;
let scratch = Buffer.allocUnsafeSlow(0);

function readBytes(file: string): Buffer {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    if (scratch.length < size) {
      scratch = Buffer.allocUnsafeSlow(Math.max(size, SCRATCH_BYTES));
    }
    let read = 0;
    while (read < size) {
      const count = readSync(fd, scratch, read, size - read, read);
      if (count === 0) break;
      read += count;
    }
    return scratch.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}

/** Valid until the next read. */
function readCache(file: string): Buffer | undefined {
  try {
    return readBytes(file);
  } catch {
    return undefined;
  }
}

/**
 * The source as a string. Most of these bundles are plain ASCII, and decoding
 * them as Latin-1 (a copy) is several times faster than Node's UTF-8 read.
 */
function decode(bytes: Buffer): string {
  return isAscii(bytes) ? bytes.toString('latin1') : bytes.toString();
}

/** The file compiled with its cache, and where a new cache would go. */
function compileWithCache(
  filename: string,
  dir: string,
  identity: CacheIdentity,
): Pending {
  const bytes = readBytes(filename);
  // A bin script's #! line, a comment as Node's own loader treats it
  // (same length: positions in stack traces stay right).
  const content = decode(bytes).replace(/^#!/, '//');
  const file = cacheFile(dir, filename, identity, bytes);
  const cachedData = readCache(file);
  const script = new vm.Script(Module.wrap(content), {
    filename,
    cachedData,
  });
  const missing = !cachedData;
  return { script, file, missing };
}

/**
 * Loads the file as Node's loader would, from the cache where there is one.
 * When it cannot be compiled that way (unreadable, or source that only Node's
 * own loader takes), Node's loader loads it: the cache must never be why a
 * program fails.
 */
function loadWithCache(
  module: NodeModuleInternals,
  filename: string,
  dir: string,
  identity: CacheIdentity,
  original: Loader,
): void {
  let compiled: Pending;
  try {
    compiled = compileWithCache(filename, dir, identity);
  } catch {
    return original(module, filename);
  }
  const { script, missing } = compiled;
  if (missing || script.cachedDataRejected) pending.push(compiled);
  const run = script.runInThisContext() as (...args: unknown[]) => unknown;
  run.call(
    module.exports,
    module.exports,
    createRequire(filename),
    module,
    filename,
    path.dirname(filename),
  );
}

/** Turn the cache on for this thread; off when NODE_DISABLE_COMPILE_CACHE is set. */
export function enableCompileCache(identity: CacheIdentity = 'file'): void {
  if (enabled || process.env.NODE_DISABLE_COMPILE_CACHE) return;
  enabled = true;
  const dir = cacheDir();
  if (!dir) return;
  const builtIn = (Module as { enableCompileCache?: (dir: string) => unknown })
    .enableCompileCache;
  if (builtIn) {
    builtIn(dir);
    return;
  }
  const loaders = (Module as unknown as { _extensions: Record<string, Loader> })
    ._extensions;
  const original = loaders['.js'];
  loaders['.js'] = (module, filename) =>
    CACHED_FILES.test(filename)
      ? loadWithCache(module, filename, dir, identity, original)
      : original(module, filename);
}

/** Caches of an earlier install or Node version of the same file are dead weight. */
function removeOutdated(file: string): void {
  const dir = path.dirname(file);
  const name = path.basename(file);
  const prefix = name.slice(0, name.lastIndexOf('@') + 1);
  for (const other of readdirSync(dir)) {
    if (other.startsWith(prefix) && other !== name) {
      rmSync(path.join(dir, other), { force: true });
    }
  }
}

/**
 * Save the caches that were missing or rejected, now that the functions the
 * run needed are compiled. Atomic, so a run cut short leaves no torn file.
 * A missing one that another process saved meanwhile (builds that started
 * together) is left as that process saved it.
 */
export function saveCompileCache(): void {
  (Module as { flushCompileCache?: () => void }).flushCompileCache?.();
  for (const { script, file, missing } of pending.splice(0)) {
    if (missing && existsSync(file)) continue;
    const temporary = `${file}.${process.pid}.tmp`;
    try {
      removeOutdated(file);
      writeFileSync(temporary, script.createCachedData());
      renameSync(temporary, file);
    } catch {
      rmSync(temporary, { force: true });
    }
  }
}
