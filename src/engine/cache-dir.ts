/** Where the tool keeps its caches (compiled code, codemod pass results). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { TOOL_ROOT } from '../core/paths.js';

function writable(dir: string): boolean {
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.accessSync(dir, fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * In the shared temp folder, only a folder of this user's that nobody else
 * can write: what is cached there is code and edits this tool trusts.
 */
function ownPrivate(dir: string): boolean {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.accessSync(dir, fs.constants.W_OK);
    const { uid, mode } = fs.statSync(dir);
    const me = process.getuid?.();
    return me === undefined || (uid === me && (mode & 0o022) === 0);
  } catch {
    return false;
  }
}

const found = new Map<string, string | undefined>();

/**
 * SKILL_APPLICATOR_CACHE_DIR, else node_modules/.cache/<tool> (the usual home
 * of such caches), else a private folder in the temp folder; undefined when
 * none is writable.
 */
export function cacheDir(): string | undefined {
  const override = process.env.SKILL_APPLICATOR_CACHE_DIR;
  const key = override ?? '';
  if (!found.has(key)) {
    const candidates = [
      override,
      path.join(
        TOOL_ROOT,
        'node_modules',
        '.cache',
        'nanoclaw-skill-applicator',
      ),
    ];
    const temp = path.join(
      os.tmpdir(),
      `nanoclaw-skill-applicator-${os.userInfo().uid}`,
    );
    found.set(
      key,
      candidates.find(
        (dir): dir is string => dir !== undefined && writable(dir),
      ) ?? (ownPrivate(temp) ? temp : undefined),
    );
  }
  return found.get(key);
}
