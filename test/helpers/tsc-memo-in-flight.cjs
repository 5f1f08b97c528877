/**
 * Compiles in flight, for ./tsc-memo.cjs: test files run side by side, and
 * at the start of a run several copies ask for the same build before any of
 * them has recorded it (the skill's package on every variant). A run that
 * finds no record waits while another run of the same command compiles, and
 * then looks again, instead of compiling the same inputs a second time.
 * Runs that must compile never wait, so no two runs wait on each other.
 *
 * Plain CommonJS for the same reason as ./tsc-memo.cjs.
 */
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const PREFIX = 'in-flight-';
/** Long enough for one compile of a sample on a busy machine; then compile anyway. */
const WAIT_AT_MOST_MS = 20_000;
const POLL_MS = 50;

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/** Whether another live process compiles this command now (markers of dead ones go). */
function othersCompiling(dir) {
  let names;
  try {
    names = fs.readdirSync(dir).filter((name) => name.startsWith(PREFIX));
  } catch {
    return false;
  }
  return names.some((name) => {
    const pid = Number(name.slice(PREFIX.length));
    if (pid === process.pid) return false;
    if (alive(pid)) return true;
    fs.rmSync(path.join(dir, name), { force: true });
    return false;
  });
}

/** Wait while others compile this command; whether there was anything to wait for. */
function waitForOthers(dir) {
  if (!othersCompiling(dir)) return false;
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  const until = Date.now() + WAIT_AT_MOST_MS;
  while (Date.now() < until && othersCompiling(dir)) {
    Atomics.wait(sleeper, 0, 0, POLL_MS);
  }
  return true;
}

/** Mark this process as compiling the command; the result unmarks it. */
function markCompiling(dir) {
  const marker = path.join(dir, `${PREFIX}${process.pid}`);
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(marker, '');
  } catch {
    // Unmarked, others only compile too.
  }
  return () => fs.rmSync(marker, { force: true });
}

module.exports = { markCompiling, waitForOthers };
