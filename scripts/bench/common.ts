/**
 * What the bench's parts share: the sample helpers of the tests, how a
 * program is timed, and how the tool is called.
 */
import { execa } from 'execa';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';

import { TOOL_ROOT } from '../../src/core/paths.js';

export const SKILL = 'add-codex-provider';
/** apply-skill and remove-skill without install, build and restart. */
export const FILES_ONLY = [
  '--yes',
  '--skip-install',
  '--skip-build',
  '--no-restart',
];
const BIN = path.join(TOOL_ROOT, 'dist', 'scripts');

/** What the bench uses of test/helpers/sample.ts (loaded with tsx: test/ is not built). */
export interface SampleHelpers {
  listVariants(): string[];
  materialiseSample(variant: string, dir: string): Promise<void>;
  createSampleCopy(
    variant?: string,
    options?: { install?: boolean },
  ): Promise<{ dir: string; cleanup(): Promise<void> }>;
  sampleEnv(): NodeJS.ProcessEnv;
  treeSnapshot(dir: string): Promise<Record<string, string>>;
  diffSnapshots(
    before: Record<string, string>,
    after: Record<string, string>,
  ): { added: string[]; removed: string[]; changed: string[] };
}

export const helpers = (await tsImport(
  pathToFileURL(path.join(TOOL_ROOT, 'test', 'helpers', 'sample.ts')).href,
  import.meta.url,
)) as SampleHelpers;

export class BenchFailure extends Error {}

export interface Bench {
  work: string;
  env: NodeJS.ProcessEnv;
  probe: string;
  rssFile: string;
}

function lastLines(text: string, lines = 6): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n    ');
}

/** Run a program to completion; ms of wall time. */
export async function timed(
  bench: Bench,
  file: string,
  args: string[],
  cwd: string,
): Promise<number> {
  const started = process.hrtime.bigint();
  const run = await execa(file, args, {
    cwd,
    env: bench.env,
    extendEnv: false,
    reject: false,
    all: true,
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (run.exitCode !== 0) {
    throw new BenchFailure(
      `\`${[path.basename(file), ...args].join(' ')}\` in ${cwd} exited with ${run.exitCode}:\n    ${lastLines(run.all ?? '')}`,
    );
  }
  return ms;
}

export const tool = (script: string, target: string, args: string[]) => [
  path.join(BIN, script),
  SKILL,
  '--target',
  target,
  ...args,
];

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? sorted[middle]
    : (sorted[middle - 1] + sorted[middle]) / 2;
}
