#!/usr/bin/env node
// npm's `prepare`: build dist/ with the project's own TypeScript.
//
// `npm install -g <this folder>` links the folder and runs `prepare` before any
// dependency is installed in it, so `tsc` is not there yet: install the locked
// dependencies (dev ones included) first, then build. Plain JavaScript on
// purpose: nothing is compiled before this runs.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');

// The outer `npm install -g` passes --global and its prefix down; the nested
// install is local to this folder.
const localEnv = Object.fromEntries(
  Object.entries(process.env).filter(
    ([key]) => !/^npm_config_(global|prefix|location)$/i.test(key),
  ),
);

function run(command, args) {
  const result = spawnSync(command, args, {
    cwd: root,
    stdio: 'inherit',
    env: localEnv,
  });
  if (result.status !== 0) {
    process.stderr.write(
      `nanoclaw-skill-applicator: \`${command} ${args.join(' ')}\` failed in ${root}\n`,
    );
    process.exit(result.status ?? 1);
  }
}

if (!fs.existsSync(tsc)) {
  process.stderr.write(
    'nanoclaw-skill-applicator: installing its build dependencies (npm ci) before the first build\n',
  );
  run(process.platform === 'win32' ? 'npm.cmd' : 'npm', [
    'ci',
    '--ignore-scripts',
    '--no-audit',
    '--no-fund',
  ]);
}
// Build mode: an up-to-date dist/ (its tsconfig.tsbuildinfo says so) is not
// compiled again, e.g. when npx installs a folder that was just built.
run(process.execPath, [tsc, '-b', 'tsconfig.json']);
