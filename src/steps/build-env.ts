/**
 * The environment of the build commands apply and remove run in the target:
 * their tsc gets the tool's code cache for the compiler (./tsc-code-cache.ts)
 * through NODE_OPTIONS.
 */
import fs from 'node:fs';
import which from 'which';

import { cacheDir } from '../engine/cache-dir.js';
import { scriptPath } from './scripts.js';

const TSC_CODE_CACHE = new URL('./tsc-code-cache.js', import.meta.url);

/** The `node` a script's `#!/usr/bin/env node` finds on `pathValue`, resolved; undefined when none. */
function nodeOnPath(pathValue: string): string | undefined {
  const found = which.sync('node', { path: pathValue, nothrow: true });
  try {
    return found === null ? undefined : fs.realpathSync(found);
  } catch {
    return undefined; // Gone since: no preload, as without a node.
  }
}

/**
 * `env` (a command's own variables, or none) with the preload added to the
 * NODE_OPTIONS the command inherits. Only when the build's `node` is this one:
 * another Node may not take the option, and a build must never fail for a
 * cache. Unchanged as well when the tool has no cache folder,
 * NODE_DISABLE_COMPILE_CACHE is set, or the preload is not built (this module
 * run from its TypeScript source). A file URL needs no quoting there.
 */
export function buildCommandEnv(
  dir: string,
  env?: NodeJS.ProcessEnv,
): NodeJS.ProcessEnv | undefined {
  if (
    process.env.NODE_DISABLE_COMPILE_CACHE ||
    !cacheDir() ||
    !fs.existsSync(TSC_CODE_CACHE) ||
    nodeOnPath(env?.PATH ?? scriptPath(dir)) !==
      fs.realpathSync(process.execPath)
  ) {
    return env;
  }
  const preload = `--import=${TSC_CODE_CACHE.href}`;
  const inherited = env?.NODE_OPTIONS ?? process.env.NODE_OPTIONS;
  return {
    ...env,
    NODE_OPTIONS: inherited ? `${inherited} ${preload}` : preload,
  };
}
