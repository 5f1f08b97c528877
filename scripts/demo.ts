#!/usr/bin/env node
/**
 * The main job on the bundled sample NanoClaw: a fresh copy in .demo/, then
 * dry-run (the diff), apply (install, build), remove, and proof that the tree
 * is back to its original bytes (git status clean).
 */
import { execa } from 'execa';
import fs from 'node:fs';
import path from 'node:path';
import pc from 'picocolors';

import { TOOL_ROOT } from '../src/core/paths.js';

const SAMPLE = path.join(TOOL_ROOT, 'test', 'fixtures', 'nanoclaw');
const TARGET = path.join(TOOL_ROOT, '.demo', 'nanoclaw');
const BIN = path.join(TOOL_ROOT, 'dist', 'scripts');

function banner(text: string): void {
  process.stderr.write(`\n${pc.bold(pc.cyan(`== ${text}`))}\n`);
}

async function run(
  file: string,
  args: string[],
  cwd = TOOL_ROOT,
): Promise<void> {
  process.stderr.write(
    pc.dim(`$ ${[path.basename(file), ...args].join(' ')}\n`),
  );
  await execa(file, args, { cwd, stdio: 'inherit' });
}

async function git(args: string[]): Promise<string> {
  const { stdout } = await execa('git', args, { cwd: TARGET });
  return stdout;
}

async function prepareTarget(): Promise<void> {
  banner(
    `Preparing a fresh sample NanoClaw in ${path.relative(TOOL_ROOT, TARGET)}`,
  );
  fs.rmSync(TARGET, { recursive: true, force: true });
  fs.cpSync(SAMPLE, TARGET, {
    recursive: true,
    filter: (source) => !/[\\/](node_modules|dist)$/.test(source),
  });
  await run(
    'npm',
    ['ci', '--prefer-offline', '--no-audit', '--no-fund'],
    TARGET,
  );
  await git(['init', '-q']);
  await git(['add', '-A']);
  await git([
    '-c',
    'user.name=demo',
    '-c',
    'user.email=demo@localhost',
    'commit',
    '-qm',
    'sample',
  ]);
}

const PATCH_FILE = path.join(TOOL_ROOT, '.demo', 'add-codex-provider.patch');

/**
 * The whole patch runs to thousands of lines (the plugin and the sign-in package
 * are new files): write it to a file, show which files it touches, and prove the
 * file is exactly what apply will do by checking it applies cleanly.
 */
async function dryRunSummary(apply: string, common: string[]): Promise<void> {
  process.stderr.write(
    pc.dim(`$ apply-skill ${common.join(' ')} --dry-run > ${PATCH_FILE}\n`),
  );
  const { stdout } = await execa('node', [apply, ...common, '--dry-run'], {
    cwd: TOOL_ROOT,
    stderr: 'inherit',
    stripFinalNewline: false,
  });
  fs.writeFileSync(PATCH_FILE, stdout);
  const stat = await execa('git', ['apply', '--stat', PATCH_FILE], {
    cwd: TARGET,
  });
  await execa('git', ['apply', '--check', PATCH_FILE], { cwd: TARGET });
  process.stderr.write(`${stat.stdout}\n`);
  process.stderr.write(
    `The full patch (${stdout.split('\n').length - 1} lines, \`git apply --check\` passes) is in ${path.relative(process.cwd(), PATCH_FILE)}.\n`,
  );
}

async function main(): Promise<void> {
  await prepareTarget();
  const apply = path.join(BIN, 'apply-skill.js');
  const remove = path.join(BIN, 'remove-skill.js');
  const common = ['add-codex-provider', '--target', TARGET];

  banner('1. Dry run: the exact diff apply would write (nothing changes)');
  await dryRunSummary(apply, common);

  banner('2. Apply: write files, install codex-oauth, build and validate');
  await run('node', [apply, ...common, '--yes', '--skip-auth', '--no-restart']);
  process.stderr.write(`${await git(['status', '--short'])}\n`);

  banner('3. Remove: undo everything, by detection');
  await run('node', [remove, ...common, '--yes', '--no-restart']);

  banner('4. Proof: the checkout is back to its original bytes');
  const status = await git(['status', '--short', '--untracked-files=all']);
  if (status.trim()) {
    process.stderr.write(`${pc.red('Not clean after remove:')}\n${status}\n`);
    process.exitCode = 1;
    return;
  }
  process.stderr.write(
    pc.green('git status is clean: apply + remove left no trace.\n'),
  );
}

await main();
