/**
 * Where a provider skill keeps its sign-in, as the skill's manifest describes it:
 * an environment override, a default (`~/` is the user's home, anything else is
 * relative to the checkout), and an old place inside the checkout that the
 * target's own code migrates away from.
 */
import os from 'node:os';
import path from 'node:path';

import type { SkillManifest } from '../../src/engine/manifest.js';
import { readEnv, readEnvValue } from '../../src/steps/env-file.js';

export interface TokenLocation {
  /** Absolute path of the token file. */
  file: string;
  /** The old place inside the checkout, if the skill had one. */
  legacyFile?: string;
}

function expandHome(file: string): string {
  if (file === '~' || file.startsWith('~/')) {
    return path.join(process.env.HOME || os.homedir(), file.slice(2));
  }
  return file;
}

export function resolveTokenLocation(
  root: string,
  provider: NonNullable<SkillManifest['provider']>,
): TokenLocation {
  const override = provider.tokenFileEnv
    ? (process.env[provider.tokenFileEnv] ??
      readEnvValue(readEnv(root), provider.tokenFileEnv) ??
      '')
    : '';
  const configured = override.trim() || provider.tokenFile;
  return {
    file: path.resolve(root, expandHome(configured)),
    legacyFile: provider.legacyTokenFile
      ? path.join(root, provider.legacyTokenFile)
      : undefined,
  };
}
