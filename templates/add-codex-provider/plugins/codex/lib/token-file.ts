/**
 * Where the sign-in lives: outside the checkout, which the main group's
 * container can read. Containers get the access token only, never this file.
 */
import path from 'path';

import {
  defaultTokenFile,
  LEGACY_TOKEN_FILE,
  migrateLegacyTokens,
  type MigrationOutcome,
} from 'codex-oauth';

import type { PluginContext } from '../types.js';
import { isInside, readSettings, SETUP_COMMAND } from './settings.js';

/** CODEX_TOKEN_FILE (environment, then .env; relative to the checkout), else ~/.config/nanoclaw/. */
export function codexTokenFile(context: PluginContext): string {
  const configured = readSettings(context.readEnv).tokenFile;
  return defaultTokenFile({
    ...process.env,
    CODEX_TOKEN_FILE: configured
      ? path.resolve(context.projectRoot, configured)
      : '',
  });
}

const MIGRATED: Record<Exclude<MigrationOutcome, 'none'>, string> = {
  moved:
    'Moved the Codex sign-in out of the checkout, where containers could read it',
  'kept-newer-copy':
    'Took the newer Codex sign-in found in the checkout and deleted it there',
  'removed-older-copy':
    'Deleted an older copy of the Codex sign-in from the checkout',
};

/**
 * Earlier versions kept the tokens in data/, in every main-group container's
 * view: move them, and warn when CODEX_TOKEN_FILE puts them back there.
 */
export async function secureTokenFile(
  context: PluginContext,
  tokenFile: string,
): Promise<void> {
  if (isInside(tokenFile, context.projectRoot)) {
    context.logger.warn(
      { plugin: 'codex', tokenFile },
      'CODEX_TOKEN_FILE is inside the NanoClaw checkout, which the main group container can read',
    );
  }
  const legacyFile = path.join(context.projectRoot, LEGACY_TOKEN_FILE);
  const where = { plugin: 'codex', from: legacyFile, to: tokenFile };
  try {
    const outcome = await migrateLegacyTokens(legacyFile, tokenFile);
    if (outcome !== 'none') {
      context.logger.info({ ...where, outcome }, MIGRATED[outcome]);
    }
  } catch (err) {
    context.logger.warn(
      { ...where, reason: err instanceof Error ? err.message : String(err) },
      `Could not move the Codex sign-in out of the checkout; delete ${legacyFile} and sign in again with: ${SETUP_COMMAND}`,
    );
  }
}
