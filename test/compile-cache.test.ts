/**
 * The V8 code cache for ts-morph and the TypeScript compiler
 * (src/compile-cache.ts), driven as the CLI drives it: in a fresh Node
 * process that enables it, loads ts-morph, parses, and saves.
 */
import { execa } from 'execa';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { TOOL_ROOT, runCli } from './helpers/cli.js';
import { createSampleCopy } from './helpers/sample.js';

const COMPILE_CACHE = pathToFileURL(
  path.join(TOOL_ROOT, 'dist', 'src', 'engine', 'compile-cache.js'),
).href;

/** Loads ts-morph with the cache on and prints what it parsed. */
const SCRIPT = `
import { createRequire } from 'node:module';
const { enableCompileCache, saveCompileCache } = await import(${JSON.stringify(COMPILE_CACHE)});
enableCompileCache();
const { Project } = createRequire(${JSON.stringify(path.join(TOOL_ROOT, 'package.json'))})('ts-morph');
const project = new Project({ useInMemoryFileSystem: true, skipLoadingLibFiles: true });
const file = project.createSourceFile('/a.ts', 'export const answer = 42; function twice(n: number) { return n * 2; }');
console.log(file.getVariableDeclarations().map((d) => d.getName() + '=' + d.getInitializer().getText()).join(), file.getFunctions().length);
saveCompileCache();
`;
const EXPECTED_OUTPUT = 'answer=42 1';

/** Node 22.1+ has its own compile cache, which the tool uses there instead. */
const BUILT_IN = 'enableCompileCache' in (await import('node:module')).default;

let work: string;
let cacheDir: string;
let script: string;

beforeEach(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'compile-cache-'));
  cacheDir = path.join(work, 'cache');
  script = path.join(work, 'load.mjs');
  fs.writeFileSync(script, SCRIPT);
});
afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

async function load(env: NodeJS.ProcessEnv = {}): Promise<string> {
  const result = await execa('node', [script], {
    env: { SKILL_APPLICATOR_CACHE_DIR: cacheDir, ...env },
  });
  return result.stdout.trim();
}

/** name -> bytes and modification time of every cache file. */
function cacheFiles(): Map<string, { bytes: Buffer; mtimeMs: number }> {
  if (!fs.existsSync(cacheDir)) return new Map();
  return new Map(
    fs
      .readdirSync(cacheDir)
      .filter((name) => name.endsWith('.v8cache'))
      .map((name) => {
        const file = path.join(cacheDir, name);
        return [
          name,
          { bytes: fs.readFileSync(file), mtimeMs: fs.statSync(file).mtimeMs },
        ];
      }),
  );
}

describe.skipIf(BUILT_IN)('the compile cache on Node 20', () => {
  it('is saved on the first run for the compiler and both ts-morph bundles', async () => {
    expect(await load()).toBe(EXPECTED_OUTPUT);
    const names = [...cacheFiles().keys()].map((name) => name.split('@v')[0]);
    expect(names.sort()).toEqual([
      '@ts-morph+common+dist+ts-morph-common.js',
      '@ts-morph+common+dist+typescript.js',
      'ts-morph+dist+ts-morph.js',
    ]);
    for (const { bytes } of cacheFiles().values()) {
      expect(bytes.length).toBeGreaterThan(100_000);
    }
  });

  it('is used, not rewritten, by the next run, which computes the same', async () => {
    await load();
    const first = cacheFiles();
    expect(await load()).toBe(EXPECTED_OUTPUT);
    const second = cacheFiles();
    expect([...second.keys()]).toEqual([...first.keys()]);
    for (const [name, { bytes, mtimeMs }] of second) {
      expect(mtimeMs).toBe(first.get(name)!.mtimeMs);
      expect(bytes.equals(first.get(name)!.bytes)).toBe(true);
    }
  });

  it('replaces a corrupt cache file and still loads correctly', async () => {
    await load();
    const [name] = [...cacheFiles().keys()].filter((n) =>
      n.includes('typescript.js'),
    );
    const corrupt = Buffer.alloc(4096, 7);
    fs.writeFileSync(path.join(cacheDir, name), corrupt);
    expect(await load()).toBe(EXPECTED_OUTPUT);
    const replaced = cacheFiles().get(name)!.bytes;
    expect(replaced.equals(corrupt)).toBe(false);
    expect(replaced.length).toBeGreaterThan(100_000);
  });

  it('deletes the cache of an earlier install of the same file when saving', async () => {
    fs.mkdirSync(cacheDir, { recursive: true });
    const stale =
      '@ts-morph+common+dist+typescript.js@v18.0.0-x64-1-2-3-4.v8cache';
    fs.writeFileSync(path.join(cacheDir, stale), 'old');
    await load();
    expect(cacheFiles().has(stale)).toBe(false);
    expect(cacheFiles().size).toBe(3);
  });

  it('stays off under NODE_DISABLE_COMPILE_CACHE', async () => {
    expect(await load({ NODE_DISABLE_COMPILE_CACHE: '1' })).toBe(
      EXPECTED_OUTPUT,
    );
    expect(cacheFiles().size).toBe(0);
  });

  it('is left to a complete CLI run when the first one stops on a problem', async () => {
    const copy = await createSampleCopy('base');
    const dryRun = ['add-codex-provider', '--target', copy.dir, '--dry-run'];
    const env = { SKILL_APPLICATOR_CACHE_DIR: cacheDir };
    const indexFile = path.join(copy.dir, 'src', 'index.ts');
    const original = fs.readFileSync(indexFile, 'utf8');
    try {
      fs.appendFileSync(indexFile, '\nfunction broken( {\n');
      const stopped = await runCli('apply-skill', dryRun, { env });
      expect(stopped.exitCode).toBe(1);
      expect(stopped.stderr).toContain('src/index.ts');
      expect(cacheFiles().size).toBe(0);

      fs.writeFileSync(indexFile, original);
      const complete = await runCli('apply-skill', dryRun, { env });
      expect(complete.exitCode).toBe(0);
      expect(cacheFiles().size).toBe(3);
    } finally {
      await copy.cleanup();
    }
  });
});
