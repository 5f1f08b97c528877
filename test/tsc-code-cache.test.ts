/**
 * The code cache the target's builds get for their tsc
 * (src/steps/tsc-code-cache.ts, added by src/steps/build-env.ts buildCommandEnv):
 * driven as a build command runs, a real tsc in a Node process whose
 * NODE_OPTIONS the tool extended, on a small project of its own.
 */
import { execa } from 'execa';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { runCli, TOOL_ROOT } from './helpers/cli.js';
import { NO_LIB_GLOBALS } from './helpers/no-lib-globals.js';
import { createSampleCopy } from './helpers/sample.js';

/** The built module: from the source the preload is not there to add. */
const { buildCommandEnv } = (await import(
  pathToFileURL(path.join(TOOL_ROOT, 'dist', 'src', 'steps', 'build-env.js'))
    .href
)) as typeof import('../src/steps/build-env.js');

/** Node 22.1+ has its own compile cache, which the preload uses there instead. */
const BUILT_IN = 'enableCompileCache' in (await import('node:module')).default;

const TYPESCRIPT = path.join(TOOL_ROOT, 'node_modules', 'typescript');
/** What tsc needs of its package for a project without the standard library. */
const COMPILER_FILES = ['package.json', 'bin/tsc', 'lib/tsc.js', 'lib/_tsc.js'];

let work: string;
let cacheDir: string;

beforeEach(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'tsc-code-cache-'));
  cacheDir = path.join(work, 'cache');
});
afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

/** A checkout of its own: a copy (not a link) of the compiler, and a small project. */
function checkout(name: string): string {
  const dir = path.join(work, name);
  for (const file of COMPILER_FILES) {
    const to = path.join(dir, 'node_modules', 'typescript', file);
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.copyFileSync(path.join(TYPESCRIPT, file), to);
  }
  const files: Record<string, string> = {
    'tsconfig.json': JSON.stringify({
      compilerOptions: { outDir: 'out', noLib: true, types: [], strict: true },
      include: ['src/**/*'],
    }),
    'src/lines.ts': 'export const lines: number = 1 + 2;\n',
    'src/globals.d.ts': NO_LIB_GLOBALS,
  };
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

/** `node_modules/typescript/bin/tsc -p tsconfig.json` in `dir`, as a build command. */
async function build(dir: string, env: NodeJS.ProcessEnv = {}) {
  const run = await execa(
    'node',
    [path.join(dir, 'node_modules', 'typescript', 'bin', 'tsc')],
    { cwd: dir, env: { SKILL_APPLICATOR_CACHE_DIR: cacheDir, ...env } },
  );
  return {
    exitCode: run.exitCode,
    output: fs.readFileSync(path.join(dir, 'out', 'lines.js'), 'utf8'),
  };
}

/** The tool's environment for a build command, asked with this test's cache folder. */
function toolEnv(env?: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const saved = process.env.SKILL_APPLICATOR_CACHE_DIR;
  process.env.SKILL_APPLICATOR_CACHE_DIR = cacheDir;
  try {
    return buildCommandEnv(work, env) ?? {};
  } finally {
    if (saved === undefined) delete process.env.SKILL_APPLICATOR_CACHE_DIR;
    else process.env.SKILL_APPLICATOR_CACHE_DIR = saved;
  }
}

/** name -> modification time of every saved cache. */
function caches(): Map<string, number> {
  if (!fs.existsSync(cacheDir)) return new Map();
  return new Map(
    fs
      .readdirSync(cacheDir)
      .filter((name) => name.endsWith('.v8cache'))
      .map((name) => [name, fs.statSync(path.join(cacheDir, name)).mtimeMs]),
  );
}

describe.skipIf(BUILT_IN)("a build's tsc on Node 20", () => {
  it('saves a cache for the compiler and builds what a plain tsc builds', async () => {
    const plain = await build(checkout('plain'));
    expect(caches().size).toBe(0);

    const cached = await build(checkout('cached'), toolEnv());
    expect(cached).toEqual(plain);
    const compiler = [...caches().keys()].find((name) =>
      name.startsWith('typescript+lib+_tsc.js@'),
    );
    expect(compiler).toBeDefined();
    expect(fs.statSync(path.join(cacheDir, compiler!)).size).toBeGreaterThan(
      1_000_000,
    );
  });

  it('shares one cache between checkouts with the same compiler, unchanged by the second', async () => {
    const first = await build(checkout('one'), toolEnv());
    const saved = caches();
    expect(saved.size).toBeGreaterThan(0);
    const second = await build(checkout('two'), toolEnv());
    expect(second).toEqual(first);
    expect(caches()).toEqual(saved);
  });

  it('keeps the NODE_OPTIONS the build already had', async () => {
    const marker = path.join(work, 'marker.cjs');
    fs.writeFileSync(
      marker,
      `require('node:fs').appendFileSync(${JSON.stringify(path.join(work, 'ran'))}, 'x');\n`,
    );
    const env = toolEnv({ NODE_OPTIONS: `--require ${marker}` });
    expect(env.NODE_OPTIONS).toMatch(/^--require \S+ --import=file:\/\//);
    await build(checkout('marked'), env);
    expect(fs.readFileSync(path.join(work, 'ran'), 'utf8')).toBe('x');
    expect(caches().size).toBeGreaterThan(0);
  });

  it('leaves a program that loads no compiler as it is, with nothing saved', async () => {
    const env = toolEnv();
    expect(env.NODE_OPTIONS).toContain('tsc-code-cache.js');
    const run = await execa('node', ['-p', '6 * 7'], {
      env: { SKILL_APPLICATOR_CACHE_DIR: cacheDir, ...env },
    });
    expect(run.stdout).toBe('42');
    expect(caches().size).toBe(0);
  });

  it("is not added when the build's node is another Node, which may not take it", () => {
    const other = path.join(work, 'other-node');
    fs.mkdirSync(other);
    fs.writeFileSync(path.join(other, 'node'), '#!/bin/sh\n', { mode: 0o755 });
    const env = { PATH: [other, process.env.PATH].join(path.delimiter) };
    expect(toolEnv(env)).toEqual(env);
    // This Node first on the same PATH: added.
    const own = [path.dirname(process.execPath), env.PATH].join(path.delimiter);
    expect(toolEnv({ PATH: own }).NODE_OPTIONS).toContain('tsc-code-cache.js');
  });

  it('is not added under NODE_DISABLE_COMPILE_CACHE', () => {
    process.env.NODE_DISABLE_COMPILE_CACHE = '1';
    try {
      const env = { PATH: path.dirname(process.execPath) };
      expect(toolEnv(env)).toEqual(env);
    } finally {
      delete process.env.NODE_DISABLE_COMPILE_CACHE;
    }
  });
});

describe.skipIf(BUILT_IN)('apply on Node 20', () => {
  it("gives the target's own build the compiler's cache", async () => {
    // The own build compiles for real; the package and plugins replay.
    const copy = await createSampleCopy('base', { memoTsc: 'own' });
    try {
      const apply = await runCli(
        'apply-skill',
        [
          'add-codex-provider',
          '--target',
          copy.dir,
          '--yes',
          '--skip-auth',
          '--no-restart',
        ],
        { env: { SKILL_APPLICATOR_CACHE_DIR: cacheDir } },
      );
      expect(apply.exitCode, apply.stderr).toBe(0);
      expect(fs.existsSync(path.join(copy.dir, 'dist', 'index.js'))).toBe(true);
      expect(
        [...caches().keys()].some((name) =>
          name.startsWith('typescript+lib+_tsc.js@'),
        ),
      ).toBe(true);
    } finally {
      await copy.cleanup();
    }
  });
});
