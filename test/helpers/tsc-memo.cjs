/**
 * `tsc` for sample copies whose tests need something built but do not test the
 * build itself (createSampleCopy's `memoTsc`): a ccache for the TypeScript
 * compiler. It runs the copy's own tsc in this process, recording every file
 * system question tsc asks (each file read and its hash, each stat, directory
 * listing and realpath) and everything it answers (the files it writes, its
 * output, its exit code). A later run with the same arguments, in the same
 * folder of a copy, whose every question still gets the same answer, is given
 * the recorded answer instead of compiling: exactly what tsc would have done.
 *
 * Paths inside the copy are recorded relative to it, so one copy's build serves
 * another. Stats and listings made once tsc started writing are left out: they
 * are tsc making its output folders, which exist in one copy and not another;
 * so are those folders themselves (see `listing`).
 *
 * Plain CommonJS on purpose: it is the `tsc` binary of a copy, started once per
 * build, and must not need a transform.
 */
'use strict';

const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

/** Bumped when what a record holds changes: old records are then never used. */
const FORMAT = 2;
/** Records kept per command; the oldest go first. */
const KEEP = 64;

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
    .filter(
      (entry) =>
        !ignored.has(
          childOf(relativeDir, entry.slice(0, entry.lastIndexOf(':'))),
        ),
    )
    .sort()
    .join('/');
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
    if (listing(absolute(p), p, ignored) !== entries) return false;
  }
  for (const [p, real] of record.realpaths) {
    if (realpathOf(absolute(p), relative) !== real) return false;
  }
  for (const [p, hash] of record.reads) {
    if (contentHash(absolute(p)) !== hash) return false;
  }
  return true;
}

function replay(record, absolute) {
  for (const [p, base64] of record.writes) {
    const file = absolute(p);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, Buffer.from(base64, 'base64'));
  }
  if (record.stdout) fs.writeSync(1, record.stdout);
  process.exitCode = record.exitCode;
}

function readRecords(dir) {
  let names;
  try {
    names = fs.readdirSync(dir).filter((name) => name.endsWith('.json'));
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    try {
      return [
        {
          name,
          record: JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')),
        },
      ];
    } catch {
      return [];
    }
  });
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

/** For the helper's own test: whether a run compiled or replayed. */
function note(what) {
  const log = process.env.TSC_MEMO_LOG;
  if (log)
    fs.appendFileSync(log, `${what} ${process.argv.slice(2).join(' ')}\n`);
}

function save(dir, record) {
  const text = JSON.stringify(record);
  const file = path.join(dir, `${sha1(text)}.json`);
  const temp = `${file}.tmp-${process.pid}`;
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(temp, text);
    fs.renameSync(temp, file);
  } catch {
    fs.rmSync(temp, { force: true });
  }
}

function prune(dir, records) {
  if (records.length < KEEP) return;
  const ages = records.flatMap(({ name }) => {
    try {
      return [{ name, mtime: fs.statSync(path.join(dir, name)).mtimeMs }];
    } catch {
      return []; // Pruned by another run meanwhile.
    }
  });
  ages.sort((a, b) => a.mtime - b.mtime);
  for (const { name } of ages.slice(0, ages.length - KEEP + 1)) {
    fs.rmSync(path.join(dir, name), { force: true });
  }
}

/**
 * Whether this run must compile: always in 'record' mode (a test of the build
 * itself); in 'own' mode for the checkout's own build only (tsc at its root on
 * tsconfig.json), while other projects (a skill's package, its plugins) replay.
 */
function mustCompile(mode, cwd, args) {
  if (mode === 'record') return true;
  if (mode !== 'own' || cwd !== '.') return false;
  const project = args.findIndex((arg) => arg === '-p' || arg === '--project');
  return (
    project === -1 || /^(\.\/)?tsconfig\.json$/.test(args[project + 1] ?? '')
  );
}

/**
 * The copy's tsc: `root` is the copy, `memoDir` where records live, `tscFile`
 * the real compiler (typescript/lib/tsc.js of the copy), `mode` 'replay',
 * 'record' or 'own' (see mustCompile). What compiles is recorded.
 */
function main(root, memoDir, tscFile, mode = 'replay') {
  const relative = relativeTo(root);
  const absolute = absoluteFrom(root);
  const args = process.argv.slice(2);
  const version = JSON.parse(
    fs.readFileSync(
      path.join(path.dirname(tscFile), '..', 'package.json'),
      'utf8',
    ),
  ).version;
  const command = JSON.stringify([
    FORMAT,
    version,
    relative(process.cwd()),
    args,
    Boolean(process.stdout.isTTY),
  ]);
  const dir = path.join(memoDir, sha1(command));

  const records = readRecords(dir);
  const compile = mustCompile(mode, relative(process.cwd()), args);
  for (const { record } of compile ? [] : records) {
    if (stillHolds(record, absolute, relative)) {
      note('replayed');
      return replay(record, absolute);
    }
  }
  note('compiled');

  const record = { command: JSON.parse(command) };
  const finish = recordInto(record, relative);
  process.on('exit', (code) => {
    finish();
    // tsc's own answers: built, or diagnostics with or without output. Any
    // other code is a crash, whose stack trace is not recorded: not replayed.
    if (![0, 1, 2].includes(code)) return;
    record.exitCode = code;
    prune(dir, records);
    save(dir, record);
  });
  require(tscFile);
}

module.exports = { main };
