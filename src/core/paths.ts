import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The tool's own root: the folder with its package.json, from src/ or dist/src/. */
function findToolRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest)) {
      const { name } = JSON.parse(fs.readFileSync(manifest, 'utf8')) as {
        name?: string;
      };
      if (name === 'nanoclaw-skill-applicator') return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('Cannot find the tool root');
    dir = parent;
  }
}

export const TOOL_ROOT = findToolRoot();
export const SKILLS_DIR = path.join(TOOL_ROOT, 'skills');
export const TEMPLATES_DIR = path.join(TOOL_ROOT, 'templates');

export function toolVersion(): string {
  const pkg = JSON.parse(
    fs.readFileSync(path.join(TOOL_ROOT, 'package.json'), 'utf8'),
  ) as { version: string };
  return pkg.version;
}

/** Bookkeeping lives here in the target, beside (never inside) NanoClaw's own .nanoclaw files. */
export const STATE_DIR = '.nanoclaw/skill-applicator';

/** Target-relative paths are always posix, whatever the platform. */
export function toPosix(relative: string): string {
  return relative.split(path.sep).join('/');
}
