/**
 * Gives a sample copy the memoised tsc of ./tsc-memo.cjs (createSampleCopy's
 * `memoTsc` does this; tests may switch a copy's mode later).
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HELPERS = path.dirname(fileURLToPath(import.meta.url));
const TSC_MEMO = path.join(HELPERS, 'tsc-memo.cjs');
const TSC_MEMO_DIR = path.join(HELPERS, '..', '.cache', 'tsc-memo');

/**
 * The copy's `tsc` (what `npm run build` and the skill's builds run) becomes
 * ./tsc-memo.cjs: a build whose every input is as in an earlier one, here or
 * in another copy, writes what that build wrote without compiling again. In
 * 'record' mode every build compiles (for tests of the build itself) and is
 * recorded for the copies that replay; in 'own' mode only the checkout's own
 * build does.
 */
export async function useMemoTsc(
  dir: string,
  options: { mode?: TscMemoMode; memoDir?: string } = {},
): Promise<void> {
  const { mode = 'replay', memoDir = TSC_MEMO_DIR } = options;
  const bin = path.join(dir, 'node_modules', '.bin', 'tsc');
  const compiler = path.join(
    dir,
    'node_modules',
    'typescript',
    'lib',
    'tsc.js',
  );
  const args = [dir, memoDir, compiler, mode].map((arg) => JSON.stringify(arg));
  await fsp.rm(bin, { force: true });
  await fsp.writeFile(
    bin,
    `#!/usr/bin/env node\nrequire(${JSON.stringify(TSC_MEMO)}).main(${args.join(', ')});\n`,
    { mode: 0o755 },
  );
}

/** See mustCompile in ./tsc-memo.cjs. */
export type TscMemoMode = 'replay' | 'record' | 'own';
