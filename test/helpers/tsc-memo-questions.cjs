/**
 * The questions a tsc run asks the file system, for ./tsc-memo.cjs: noting
 * them while tsc runs (recordInto), and asking them again of another copy
 * (stillHolds). Paths inside the copy are kept relative to it (`./...`).
 */
'use strict';

const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const sha1 = (data) => crypto.createHash('sha1').update(data).digest('hex');

function kindOf(stat) {
  if (!stat) return '-';
  if (stat.isFile()) return 'f';
  if (stat.isDirectory()) return 'd';
  if (stat.isSymbolicLink()) return 'l';
  return 'o';
}

/** A path as recorded: relative to the copy (`./...`) when inside it. */
function relativeTo(root) {
  const prefix = root + path.sep;
  return (p) => {
    const abs = path.resolve(String(p));
    if (abs === root) return '.';
    return abs.startsWith(prefix) ? `./${abs.slice(prefix.length)}` : abs;
  };
}

function absoluteFrom(root) {
  return (p) =>
    p === '.' ? root : p.startsWith('./') ? path.join(root, p.slice(2)) : p;
}

function statKind(file) {
  try {
    return kindOf(fs.statSync(file, { throwIfNoEntry: false }));
  } catch {
    return '-';
  }
}

/**
 * A folder's entries as recorded. Dot-entries (.git, the tool's .nanoclaw)
 * are left out: tsc's wildcards never match them. So are the build's own
 * output folders (`ignored`): tsc leaves its outDir out of what it compiles.
 */
function listing(dir, relativeDir, ignored) {
  return shown(entriesOf(dir), relativeDir, ignored);
}

/** A folder's entries as `name:kind`, or undefined when it cannot be read. */
function entriesOf(dir) {
  try {
    return fs
      .readdirSync(dir, { withFileTypes: true })
      .map((entry) => `${entry.name}:${kindOf(entry)}`);
  } catch {
    return undefined;
  }
}

function shown(entries, relativeDir, ignored) {
  if (!entries) return '-';
  return entries
    .filter((entry) => !entry.startsWith('.'))
    .filter((entry) => !ignored.has(childOf(relativeDir, nameOf(entry))))
    .sort()
    .join('/');
}

const nameOf = (entry) => entry.slice(0, entry.lastIndexOf(':'));

/** A recorded listing (`name:kind/...`) with only the entries of `names`. */
function onlyNamed(entries, names) {
  if (entries === '-') return entries;
  return entries
    .split('/')
    .filter((entry) => names.includes(nameOf(entry)))
    .join('/');
}

/**
 * Whether a listing of `p` here answers as recorded, as far as it counts:
 * in the project's folder only the entries of the record's include scope
 * (./tsc-memo-scope.cjs).
 */
function sameListing(scope, p, recorded, here) {
  if (scope && p === scope.dir) {
    return onlyNamed(here, scope.names) === onlyNamed(recorded, scope.names);
  }
  return here === recorded;
}

const childOf = (dir, name) => (dir === '.' ? `./${name}` : `${dir}/${name}`);

/** The folders above a recorded path inside the copy: `./a/b/c` gives `./a/b`, `./a`. */
function ancestors(file) {
  const found = [];
  for (let dir = path.posix.dirname(file); dir.startsWith('./');) {
    found.push(dir);
    dir = path.posix.dirname(dir);
  }
  return found;
}

function realpathOf(file, relative) {
  try {
    return relative(fs.realpathSync.native(file));
  } catch {
    return '-';
  }
}

function contentHash(file) {
  try {
    return sha1(fs.readFileSync(file));
  } catch {
    return '-';
  }
}

/** Whether every question of the record gets the recorded answer here. */
function stillHolds(record, absolute, relative) {
  for (const [p, kind] of record.stats) {
    if (statKind(absolute(p)) !== kind) return false;
  }
  const ignored = new Set(record.outputFolders);
  for (const [p, entries] of record.listings) {
    const here = listing(absolute(p), p, ignored);
    if (!sameListing(record.scope, p, entries, here)) return false;
  }
  for (const [p, real] of record.realpaths) {
    if (realpathOf(absolute(p), relative) !== real) return false;
  }
  for (const [p, hash] of record.reads) {
    if (contentHash(absolute(p)) !== hash) return false;
  }
  return true;
}

/** Wrap the fs calls tsc makes so that each question and answer is noted. */
function recordInto(record, relative) {
  const original = {
    statSync: fs.statSync,
    readdirSync: fs.readdirSync,
    readFileSync: fs.readFileSync,
    realpathNative: fs.realpathSync.native,
    openSync: fs.openSync,
    writeSync: fs.writeSync,
    closeSync: fs.closeSync,
    writeFileSync: fs.writeFileSync,
  };
  const stats = new Map();
  const listings = new Map();
  const realpaths = new Map();
  const reads = new Map();
  const writes = new Map();
  const open = new Map();
  let writing = false;
  let stdout = '';

  fs.statSync = function statSync(p, options) {
    const stat = original.statSync.call(fs, p, options);
    if (!writing) stats.set(relative(p), kindOf(stat));
    return stat;
  };
  fs.readdirSync = function readdirSync(p, options) {
    const result = original.readdirSync.call(fs, p, options);
    if (!writing) listings.set(relative(p), entriesOf(p));
    return result;
  };
  fs.readFileSync = function readFileSync(p, options) {
    try {
      const data = original.readFileSync.call(fs, p, options);
      if (typeof p === 'string') reads.set(relative(p), sha1(data));
      return data;
    } catch (error) {
      if (typeof p === 'string') reads.set(relative(p), '-');
      throw error;
    }
  };
  const realpathNative = function native(p, options) {
    try {
      const real = original.realpathNative.call(fs.realpathSync, p, options);
      realpaths.set(relative(p), relative(real));
      return real;
    } catch (error) {
      realpaths.set(relative(p), '-');
      throw error;
    }
  };
  fs.realpathSync.native = realpathNative;
  fs.openSync = function openSync(p, flags, mode) {
    const fd = original.openSync.call(fs, p, flags, mode);
    if (flags === 'w') {
      writing = true;
      open.set(fd, { path: relative(p), chunks: [] });
    }
    return fd;
  };
  fs.writeSync = function writeSync(fd, data, ...rest) {
    const file = open.get(fd);
    if (file)
      file.chunks.push(
        Buffer.from(data, typeof rest[1] === 'string' ? rest[1] : 'utf8'),
      );
    return original.writeSync.call(fs, fd, data, ...rest);
  };
  fs.closeSync = function closeSync(fd) {
    const file = open.get(fd);
    if (file) {
      open.delete(fd);
      writes.set(file.path, Buffer.concat(file.chunks).toString('base64'));
    }
    return original.closeSync.call(fs, fd);
  };
  fs.writeFileSync = function writeFileSync(p, data, options) {
    writing = true;
    if (typeof p === 'string')
      writes.set(relative(p), Buffer.from(data).toString('base64'));
    return original.writeFileSync.call(fs, p, data, options);
  };
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = (chunk, ...rest) => {
    stdout += String(chunk);
    return write(chunk, ...rest);
  };

  return () => {
    Object.assign(fs, {
      statSync: original.statSync,
      readdirSync: original.readdirSync,
      readFileSync: original.readFileSync,
      openSync: original.openSync,
      writeSync: original.writeSync,
      closeSync: original.closeSync,
      writeFileSync: original.writeFileSync,
    });
    fs.realpathSync.native = original.realpathNative;
    // Whether a copy had dist/ already does not change its build: tsc only
    // asks before its first write there.
    const outputFolders = [
      ...new Set([...writes.keys()].flatMap((file) => ancestors(file))),
    ];
    const ignored = new Set(outputFolders);
    Object.assign(record, {
      outputFolders,
      stats: [...stats].filter(([p]) => !ignored.has(p)),
      listings: [...listings].map(([p, entries]) => [
        p,
        shown(entries, p, ignored),
      ]),
      realpaths: [...realpaths],
      reads: [...reads],
      writes: [...writes],
      stdout,
    });
  };
}

module.exports = {
  absoluteFrom,
  recordInto,
  relativeTo,
  sha1,
  stillHolds,
};
