/**
 * The memoised tsc that end-to-end tests without a build of their own to test
 * use (test/helpers/tsc-memo.cjs): a build replayed from a record must be the
 * build tsc would make, and anything tsc would see differently must compile.
 * A small project inside sample copies (their real node_modules and
 * TypeScript), with a memo folder of this file's own.
 */
import { execa } from 'execa';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  createSampleCopy,
  sampleEnv,
  type SampleCopy,
} from './helpers/sample.js';
import { NO_LIB_GLOBALS } from './helpers/no-lib-globals.js';
import { useMemoTsc, type TscMemoMode } from './helpers/tsc-memo.js';

const copies: SampleCopy[] = [];
let memoDir: string;
let log: string;

beforeAll(() => {
  memoDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsc-memo-'));
  log = path.join(memoDir, 'log');
});
afterAll(async () => {
  await Promise.all(copies.map((copy) => copy.cleanup()));
  fs.rmSync(memoDir, { recursive: true, force: true });
});

// No standard library, only the few global types the checker needs
// (./small/globals.d.ts): each compile here then takes a quarter of the time.
const PROJECT = {
  'tsconfig.small.json': JSON.stringify({
    compilerOptions: {
      outDir: 'out',
      rootDir: 'small',
      target: 'ES2022',
      module: 'NodeNext',
      noLib: true,
      types: [],
      strict: true,
      declaration: true,
      sourceMap: true,
    },
    include: ['small/**/*'],
  }),
  'small/greet.ts':
    'export const greet = (name: string): string => `hi ${name}`;\n',
  'small/main.ts':
    "import { greet } from './greet.js';\nexport const line = greet('you');\n",
  'small/globals.d.ts': NO_LIB_GLOBALS,
};

async function project(
  files: Record<string, string> = {},
  mode: TscMemoMode = 'replay',
): Promise<string> {
  const copy = await createSampleCopy('base');
  copies.push(copy);
  await useMemoTsc(copy.dir, { memoDir, mode });
  for (const [file, text] of Object.entries({ ...PROJECT, ...files })) {
    fs.mkdirSync(path.dirname(path.join(copy.dir, file)), { recursive: true });
    fs.writeFileSync(path.join(copy.dir, file), text);
  }
  return copy.dir;
}

async function tsc(
  dir: string,
  args = ['-p', 'tsconfig.small.json'],
  logFile = log,
) {
  fs.rmSync(logFile, { force: true });
  const run = await execa(path.join(dir, 'node_modules', '.bin', 'tsc'), args, {
    cwd: dir,
    env: { ...sampleEnv(), TSC_MEMO_LOG: logFile },
    extendEnv: false,
    reject: false,
  });
  const how = fs.readFileSync(logFile, 'utf8').trim().split(' ')[0];
  return { how, exitCode: run.exitCode, stdout: run.stdout };
}

/** Every file under `out/`, by path. */
function output(dir: string): Record<string, string> {
  const out = path.join(dir, 'out');
  if (!fs.existsSync(out)) return {};
  return Object.fromEntries(
    fs
      .readdirSync(out, { recursive: true, encoding: 'utf8' })
      .filter((file) => fs.statSync(path.join(out, file)).isFile())
      .sort()
      .map((file) => [file, fs.readFileSync(path.join(out, file), 'utf8')]),
  );
}

describe('the memoised tsc of sample copies', () => {
  it('replays the same build in another copy: the same files, output and exit code', async () => {
    const first = await project();
    const compiled = await tsc(first);
    expect(compiled).toEqual({ how: 'compiled', exitCode: 0, stdout: '' });
    expect(Object.keys(output(first))).toEqual([
      'greet.d.ts',
      'greet.js',
      'greet.js.map',
      'main.d.ts',
      'main.js',
      'main.js.map',
    ]);

    const second = await project();
    expect(await tsc(second)).toEqual({ ...compiled, how: 'replayed' });
    expect(output(second)).toEqual(output(first));
  });

  it('compiles again when a source changes, or a file appears where tsc looks', async () => {
    const changed = await project({
      'small/greet.ts':
        'export const greet = (name: string): string => `hello ${name}`;\n',
    });
    expect((await tsc(changed)).how).toBe('compiled');
    expect(output(changed)['greet.js']).toContain('hello');

    const added = await project({
      'small/extra.ts': 'export const extra = 1;\n',
    });
    expect((await tsc(added)).how).toBe('compiled');
    expect(output(added)['extra.js']).toContain('extra = 1');
  });

  it("replays with a new folder at the project's top that its include never enters, and compiles when the include could", async () => {
    const files = { 'small/main.ts': 'export const top = 1;\n' };
    // A folder NanoClaw makes when it runs, with TypeScript in it.
    const data = { 'data/sessions/runner.ts': 'export const other = 2;\n' };
    const first = await project(files);
    expect((await tsc(first)).how).toBe('compiled');
    const withData = await project({ ...files, ...data });
    expect((await tsc(withData)).how).toBe('replayed');
    expect(output(withData)).toEqual(output(first));

    // An include starting with a wildcard may enter any folder at the top.
    const wild = JSON.parse(PROJECT['tsconfig.small.json']);
    wild.include = ['sm*/**/*'];
    const wildFiles = {
      ...files,
      'tsconfig.small.json': JSON.stringify(wild),
    };
    expect((await tsc(await project(wildFiles))).how).toBe('compiled');
    expect((await tsc(await project({ ...wildFiles, ...data }))).how).toBe(
      'compiled',
    );
  });

  it('a copy that asks while another compiles the same build waits for it, then replays it', async () => {
    // Enough code for the first compile to be still running when the second asks.
    const big = Array.from(
      { length: 3000 },
      (_, i) => `export const f${i} = (n: number): number => n + ${i};\n`,
    ).join('');
    const files = { 'small/big.ts': big };
    const [first, second] = await Promise.all([project(files), project(files)]);
    const compiling = tsc(first, undefined, path.join(memoDir, 'first.log'));
    let firstDone = false;
    const ended = () => (firstDone = true);
    compiling.then(ended, ended);
    const marked = () =>
      fs
        .readdirSync(memoDir, { recursive: true, encoding: 'utf8' })
        .some((name) => name.includes('in-flight-'));
    while (!marked() && !firstDone) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(firstDone, 'the first compile ended before it was seen').toBe(false);

    const waited = await tsc(
      second,
      undefined,
      path.join(memoDir, 'second.log'),
    );
    expect((await compiling).how).toBe('compiled');
    expect(waited.how).toBe('replayed');
    expect(output(second)).toEqual(output(first));
    expect(output(second)['big.js']).toContain('f2999');
    expect(marked()).toBe(false);
  });

  it("in 'record' mode always compiles, and records for a copy that already has the output folder", async () => {
    const files = { 'small/main.ts': 'export const recorded = true;\n' };
    const recording = await project(files, 'record');
    expect((await tsc(recording)).how).toBe('compiled');
    expect((await tsc(recording)).how).toBe('compiled');

    const withOutput = await project(files);
    fs.mkdirSync(path.join(withOutput, 'out'));
    expect((await tsc(withOutput)).how).toBe('replayed');
    expect(output(withOutput)).toEqual(output(recording));
  });

  it("in 'own' mode compiles the checkout's own build (tsc on tsconfig.json at its root) and replays the rest", async () => {
    const files = {
      'tsconfig.json': PROJECT['tsconfig.small.json'],
      'small/main.ts': 'export const own = true;\n',
    };
    await tsc(await project(files)); // recorded, both ways
    await tsc(await project(files), []);

    const own = await project(files, 'own');
    expect((await tsc(own)).how).toBe('replayed');
    expect((await tsc(own, [])).how).toBe('compiled');
    expect((await tsc(own, ['-p', 'tsconfig.json'])).how).toBe('compiled');
    expect(output(own)['main.js']).toContain('own = true');
  });

  it('replays a failing build with its diagnostics and exit code', async () => {
    const broken = { 'small/main.ts': "export const n: number = 'one';\n" };
    const first = await tsc(await project(broken));
    expect(first.how).toBe('compiled');
    expect(first.exitCode).not.toBe(0);
    expect(first.stdout).toMatch(/small\/main\.ts\(1,14\): error TS2322/);

    const again = await tsc(await project(broken));
    expect(again).toEqual({ ...first, how: 'replayed' });
  });
});
