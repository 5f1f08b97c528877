/**
 * Proof that every sample variant is a healthy NanoClaw checkout before any skill
 * touches it, and that the copies the harness hands out are fast yet isolated.
 */
import { createHash } from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';

import { execa } from 'execa';
import fs from 'fs-extra';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  BASE_SAMPLE_DIR,
  createSampleCopy,
  diffSnapshots,
  ensureSampleInstall,
  listVariants,
  materialiseSample,
  sampleEnv,
  treeSnapshot,
  VARIANTS_DIR,
  type SampleCopy,
} from './helpers/sample.js';

function run(dir: string, command: string, args: string[]) {
  return execa(command, args, { cwd: dir, env: sampleEnv(), extendEnv: false });
}

const sha256 = (data: Buffer | string) =>
  createHash('sha256').update(data).digest('hex');

/**
 * Every entry of the install cache with its inode, size and mtime: an in-place write
 * through a hard link, an added or a removed file all change it.
 */
async function cacheFingerprint(cacheDir: string): Promise<string> {
  const lines: string[] = [];
  async function walk(dir: string): Promise<void> {
    for (const entry of await fsp.readdir(dir, { withFileTypes: true })) {
      const abs = path.join(dir, entry.name);
      const stat = await fsp.lstat(abs);
      lines.push(
        `${path.relative(cacheDir, abs)} ${stat.ino} ${stat.size} ${stat.mtimeMs}`,
      );
      if (entry.isDirectory()) await walk(abs);
    }
  }
  await walk(cacheDir);
  return sha256(lines.sort().join('\n'));
}

function readVariantSpec(variant: string): { crlf?: string[] } {
  const file = path.join(VARIANTS_DIR, variant, 'variant.json');
  return variant !== 'base' && fs.existsSync(file) ? fs.readJsonSync(file) : {};
}

let cacheDir: string;
let fingerprintBefore: string;

beforeAll(async () => {
  cacheDir = await ensureSampleInstall();
  fingerprintBefore = await cacheFingerprint(cacheDir);
});

describe('listVariants', () => {
  it('lists the base first, then every overlay folder', () => {
    expect(listVariants()).toEqual([
      'base',
      'customised',
      'env-multiline',
      'no-rootdir',
      'secrets-four',
    ]);
  });
});

describe.each(listVariants())('variant %s', (variant) => {
  let copy: SampleCopy;

  beforeAll(async () => {
    copy = await createSampleCopy(variant);
  });
  afterAll(() => copy?.cleanup());

  it('materialises the base with the overlay on top, and nothing generated', async () => {
    const crlf = new Set(readVariantSpec(variant).crlf ?? []);
    const overlayDir = path.join(VARIANTS_DIR, variant);
    const overlay =
      variant === 'base'
        ? {}
        : await treeSnapshot(overlayDir, { ignore: ['variant.json'] });
    const expected = {
      ...(await treeSnapshot(BASE_SAMPLE_DIR)),
      ...overlay,
    };
    for (const rel of crlf) {
      const stored = fs.existsSync(path.join(overlayDir, rel))
        ? path.join(overlayDir, rel)
        : path.join(BASE_SAMPLE_DIR, rel);
      const lf = await fs.readFile(stored, 'utf8');
      expect(lf, `${rel} is stored with LF endings`).not.toContain('\r');
      const text = await fs.readFile(path.join(copy.dir, rel), 'utf8');
      expect(text, `${rel} should be CRLF only`).not.toMatch(/[^\r]\n/);
      expected[rel] = sha256(lf.replace(/\n/g, '\r\n'));
    }

    expect(await treeSnapshot(copy.dir)).toEqual(expected);
    expect(fs.existsSync(path.join(copy.dir, 'variant.json'))).toBe(false);
    expect(fs.existsSync(path.join(copy.dir, 'dist'))).toBe(false);
  });

  it('builds with npm run build', async () => {
    await run(copy.dir, 'npm', ['run', 'build']);
    expect(fs.existsSync(path.join(copy.dir, 'dist', 'index.js'))).toBe(true);
  });

  it('passes its own vitest suite', async () => {
    const { stdout } = await run(copy.dir, 'npx', ['vitest', 'run']);
    expect(stdout).toMatch(/Tests\s+.*\d+ passed/);
    expect(stdout).not.toMatch(/failed/);
  });

  it('passes prettier --check on src', async () => {
    await run(copy.dir, 'npx', ['prettier', '--check', 'src/**/*.ts']);
  });

  it('type-checks the code outside the build (setup/, container/agent-runner/)', async () => {
    const setupFiles = (await fsp.readdir(path.join(copy.dir, 'setup')))
      .filter((name) => name.endsWith('.ts'))
      .map((name) => `setup/${name}`);
    await run(copy.dir, 'npx', [
      'tsc',
      '--noEmit',
      '--strict',
      '--target',
      'es2022',
      '--module',
      'nodenext',
      '--moduleResolution',
      'nodenext',
      '--skipLibCheck',
      '--types',
      'node',
      ...setupFiles,
      'container/agent-runner/src/index.ts',
    ]);
  });
});

describe('createSampleCopy', () => {
  it('without install has no node_modules', async () => {
    const copy = await createSampleCopy('base', { install: false });
    try {
      expect(fs.existsSync(path.join(copy.dir, 'package.json'))).toBe(true);
      expect(fs.existsSync(path.join(copy.dir, 'node_modules'))).toBe(false);
    } finally {
      await copy.cleanup();
    }
    expect(fs.existsSync(copy.dir)).toBe(false);
  });

  it('with git commits everything but node_modules, CRLF bytes intact', async () => {
    const copy = await createSampleCopy('customised', { git: true });
    try {
      const log = await run(copy.dir, 'git', ['log', '--format=%s']);
      expect(log.stdout).toBe('Sample NanoClaw (customised)');
      const status = await run(copy.dir, 'git', ['status', '--porcelain']);
      expect(status.stdout).toBe('');
      const files = (await run(copy.dir, 'git', ['ls-files'])).stdout;
      expect(files).toContain('src/index.ts');
      expect(files).not.toContain('node_modules');
      const committed = await execa('git', ['show', 'HEAD:src/index.ts'], {
        cwd: copy.dir,
        env: sampleEnv(),
        extendEnv: false,
        stripFinalNewline: false,
      });
      expect(committed.stdout).toBe(
        await fs.readFile(path.join(copy.dir, 'src/index.ts'), 'utf8'),
      );
    } finally {
      await copy.cleanup();
    }
  });

  it('links node_modules from the cache; npm install in a copy leaves the cache alone', async () => {
    const copy = await createSampleCopy('base');
    try {
      const linked = 'node_modules/typescript/package.json';
      const [inCopy, inCache] = await Promise.all([
        fsp.stat(path.join(copy.dir, linked)),
        fsp.stat(path.join(cacheDir, linked)),
      ]);
      expect(inCopy.ino).toBe(inCache.ino);

      const hiddenLock = 'node_modules/.package-lock.json';
      const cacheLockHash = sha256(
        await fs.readFile(path.join(cacheDir, hiddenLock)),
      );
      const pkgDir = path.join(copy.dir, 'packages', 'local-probe');
      await fs.outputJson(path.join(pkgDir, 'package.json'), {
        name: 'local-probe',
        version: '1.0.0',
        type: 'module',
        main: 'index.js',
      });
      await fs.writeFile(
        path.join(pkgDir, 'index.js'),
        'export const probe = 1;\n',
      );

      await run(copy.dir, 'npm', [
        'install',
        './packages/local-probe',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
      ]);

      const installed = path.join(copy.dir, 'node_modules', 'local-probe');
      expect((await fsp.lstat(installed)).isSymbolicLink()).toBe(true);
      expect(
        await fs.readFile(path.join(copy.dir, hiddenLock), 'utf8'),
      ).toContain('local-probe');
      const manifest = await fs.readJson(path.join(copy.dir, 'package.json'));
      expect(manifest.dependencies).toEqual({
        'local-probe': 'file:packages/local-probe',
      });

      expect(sha256(await fs.readFile(path.join(cacheDir, hiddenLock)))).toBe(
        cacheLockHash,
      );
      expect(
        fs.existsSync(path.join(cacheDir, 'node_modules/local-probe')),
      ).toBe(false);
      expect(await cacheFingerprint(cacheDir)).toBe(fingerprintBefore);
    } finally {
      await copy.cleanup();
    }
  });
});

describe('sampleEnv', () => {
  it("drops the outer run's markers and keeps the rest", () => {
    process.env.GIT_DIR = '/elsewhere/.git';
    try {
      const env = sampleEnv();
      expect(process.env.VITEST).toBeDefined();
      expect(env.VITEST).toBeUndefined();
      expect(env.GIT_DIR).toBeUndefined();
      expect(env.PATH).toBe(process.env.PATH);
    } finally {
      delete process.env.GIT_DIR;
    }
  });
});

describe('materialiseSample', () => {
  it('rejects an unknown variant, naming the known ones', async () => {
    await expect(
      materialiseSample('no-such-variant', '/nonexistent'),
    ).rejects.toThrow(/Unknown sample variant "no-such-variant".*base/);
  });
});

describe('treeSnapshot and diffSnapshots', () => {
  it('report added, removed and changed paths, honouring ignores', async () => {
    const copy = await createSampleCopy('base', { install: false });
    try {
      const before = await treeSnapshot(copy.dir);
      expect(Object.keys(before)).toEqual(Object.keys(before).slice().sort());
      expect(Object.keys(before)).toContain('src/config.ts');

      await fs.appendFile(path.join(copy.dir, 'src/config.ts'), '// edit\n');
      await fs.remove(path.join(copy.dir, 'src/logger.ts'));
      await fs.outputFile(path.join(copy.dir, 'src/providers/codex.ts'), '');
      await fs.ensureDir(path.join(copy.dir, 'packages'));
      await fs.outputFile(path.join(copy.dir, 'dist/index.js'), '');
      await fs.outputFile(path.join(copy.dir, 'node_modules/x/index.js'), '');
      await fs.outputFile(path.join(copy.dir, 'data/state.json'), '{}');

      const after = await treeSnapshot(copy.dir, { ignore: ['data'] });
      expect(diffSnapshots(before, after)).toEqual({
        added: ['packages/', 'src/providers/codex.ts'],
        removed: ['src/logger.ts'],
        changed: ['src/config.ts'],
      });
      expect(diffSnapshots(before, before)).toEqual({
        added: [],
        removed: [],
        changed: [],
      });

      const globbed = await treeSnapshot(copy.dir, {
        ignore: ['**/*.md', 'src/*.ts', 'data', 'packages'],
      });
      expect(Object.keys(globbed)).not.toContain('groups/main/CLAUDE.md');
      expect(Object.keys(globbed)).not.toContain('src/config.ts');
      expect(Object.keys(globbed)).toContain('src/providers/codex.ts');
    } finally {
      await copy.cleanup();
    }
  });
});

describe('install cache', () => {
  it('is unchanged after everything the copies above did', async () => {
    expect(await cacheFingerprint(cacheDir)).toBe(fingerprintBefore);
  });
});
