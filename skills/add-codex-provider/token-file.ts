/**
 * Where the skill keeps its sign-in: an environment override, a default
 * (`~/` is the user's home, anything else is relative to the checkout), and
 * an old place inside the checkout that the target's own code migrates away
 * from.
 */
import os from 'node:os';
import path from 'node:path';

import { readEnv, readEnvValue } from '../../src/api/index.js';
import { PROVIDER } from './codex.js';

export interface TokenLocation {
  /** Absolute path of the token file. */
  file: string;
  /** The old place inside the checkout. */
  legacyFile?: string;
}

function expandHome(file: string): string {
  if (file === '~' || file.startsWith('~/')) {
    return path.join(process.env.HOME || os.homedir(), file.slice(2));
  }
  return file;
}

export function resolveTokenLocation(root: string): TokenLocation {
  const override =
    process.env[PROVIDER.tokenFileEnv] ??
    readEnvValue(readEnv(root), PROVIDER.tokenFileEnv) ??
    '';
  const configured = override.trim() || PROVIDER.tokenFile;
  return {
    file: path.resolve(root, expandHome(configured)),
    legacyFile: path.join(root, PROVIDER.legacyTokenFile),
  };
}
