/**
 * Build output kept between test files (and runs) by the hash of everything the
 * build reads, for tests that need something built but do not test the build.
 * The first caller for a key builds for real; later ones get a copy of its output.
 */
import { createHash } from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import fs from 'fs-extra';

const CACHE_ROOT = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '.cache',
  'builds',
);

/** Builds in flight in this process, by key: a second caller waits for the first. */
const inFlight = new Map<string, Promise<void>>();

/** sha256 of the parts, each framed so that their boundaries count. */
export function buildKey(...parts: (string | Buffer)[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(`${part.length}:`).update(part);
  return hash.digest('hex');
}

/**
 * Every file below `dir` (node_modules and dist left out) as sorted lines of relative
 * path and content hash: the sources part of a build's key.
 */
export async function sourcesOf(dir: string): Promise<string> {
  const lines: string[] = [];
  async function walk(abs: string, rel: string): Promise<void> {
    for (const entry of await fsp.readdir(abs, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name === 'dist') continue;
      const childRel = rel ? `${rel}/${entry.name}` : entry.name;
      const childAbs = path.join(abs, entry.name);
      if (entry.isDirectory()) await walk(childAbs, childRel);
      else lines.push(`${childRel} ${buildKey(await fsp.readFile(childAbs))}`);
    }
  }
  await walk(dir, '');
  return lines.sort().join('\n');
}

/**
 * Make `outDir` hold what `build()` writes there: run it if no build for `key` has
 * been kept yet (and keep its output), else copy the kept output.
 */
export async function cachedBuild(
  key: string,
  outDir: string,
  build: () => Promise<void>,
): Promise<void> {
  const kept = path.join(CACHE_ROOT, key);
  const running = inFlight.get(key);
  if (!running && !fs.existsSync(kept)) {
    const task = build().then(() => keep(outDir, kept));
    inFlight.set(key, task);
    try {
      await task;
    } finally {
      inFlight.delete(key);
    }
    return;
  }
  await running;
  await fs.copy(kept, outDir);
}

async function keep(outDir: string, kept: string): Promise<void> {
  // Other processes may build the same thing at once: the first rename wins.
  const temp = `${kept}.tmp-${process.pid}`;
  await fs.copy(outDir, temp);
  await fsp.rename(temp, kept).catch(() => fs.remove(temp));
}
