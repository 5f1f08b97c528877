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
 * so are those folders themselves (see ./tsc-memo-questions.cjs). In the
 * listing of the project's folder only the entries its `include` can enter
 * count (./tsc-memo-scope.cjs). A run that finds no record while another
 * copy compiles the same command waits for that record (./tsc-memo-in-flight.cjs).
 *
 * Plain CommonJS on purpose: it is the `tsc` binary of a copy, started once per
 * build, and must not need a transform.
 */
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const {
  absoluteFrom,
  recordInto,
  relativeTo,
  sha1,
  stillHolds,
} = require('./tsc-memo-questions.cjs');
const { markCompiling, waitForOthers } = require('./tsc-memo-in-flight.cjs');
const { includeScope } = require('./tsc-memo-scope.cjs');

/** Bumped when what a record holds changes: old records are then never used. */
const FORMAT = 3;
/** Records kept per command; the oldest go first. */
const KEEP = 64;

function replay(record, absolute) {
  for (const [p, base64] of record.writes) {
    const file = absolute(p);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, Buffer.from(base64, 'base64'));
  }
  if (record.stdout) fs.writeSync(1, record.stdout);
  process.exitCode = record.exitCode;
}

/** The names of the records kept for one command (none yet: empty). */
function recordNames(dir) {
  try {
    return fs.readdirSync(dir).filter((name) => name.endsWith('.json'));
  } catch {
    return [];
  }
}

/**
 * A record, parsed only when it is its turn to be asked: most lookups stop
 * at one of several dozen records of 100 KB or more.
 */
function readRecord(dir, name) {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8'));
  } catch {
    return undefined; // Pruned by another run meanwhile, or unreadable.
  }
}

/** The first kept record whose every question gets the same answer here. */
function matchingRecord(dir, absolute, relative) {
  for (const name of recordNames(dir)) {
    const record = readRecord(dir, name);
    if (record && stillHolds(record, absolute, relative)) return record;
  }
  return undefined;
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

function prune(dir, names) {
  if (names.length < KEEP) return;
  const ages = names.flatMap((name) => {
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

  if (!mustCompile(mode, relative(process.cwd()), args)) {
    const found =
      matchingRecord(dir, absolute, relative) ??
      (waitForOthers(dir)
        ? matchingRecord(dir, absolute, relative)
        : undefined);
    if (found) {
      note('replayed');
      return replay(found, absolute);
    }
  }
  note('compiled');
  const compiled = markCompiling(dir);

  const record = {
    command: JSON.parse(command),
    scope: includeScope(args, process.cwd(), relative),
  };
  const finish = recordInto(record, relative);
  process.on('exit', (code) => {
    finish();
    // tsc's own answers: built, or diagnostics with or without output. Any
    // other code is a crash, whose stack trace is not recorded: not replayed.
    if ([0, 1, 2].includes(code)) {
      record.exitCode = code;
      prune(dir, recordNames(dir));
      save(dir, record);
    }
    compiled();
  });
  require(tscFile);
}

module.exports = { main };
