/**
 * Where the tokens live: outside the NanoClaw checkout.
 *
 * NanoClaw's main group mounts the whole checkout into its container (read-only,
 * but readable), and the agent runs as the host user: a refresh token anywhere
 * under the checkout is one `cat` away from the agent. NanoClaw keeps its own
 * mount allow-list in ~/.config/nanoclaw/ for the same reason; the tokens go
 * beside it. CODEX_TOKEN_FILE overrides the place.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { readTokens, writeTokens } from './token-store.js';

export const TOKEN_FILE_ENV = 'CODEX_TOKEN_FILE';
/** Where earlier versions kept the tokens, relative to the checkout. */
export const LEGACY_TOKEN_FILE = path.join('data', 'codex-tokens.json');

export function defaultTokenFile(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = (env[TOKEN_FILE_ENV] || '').trim();
  if (explicit) return path.resolve(explicit);
  const home = env.HOME || os.homedir();
  return path.join(home, '.config', 'nanoclaw', 'codex-tokens.json');
}

/** What migrateLegacyTokens did (a list, so every prettier 3.x lays it out alike). */
const MIGRATION_OUTCOMES = [
  'none',
  'moved',
  'removed-older-copy',
  'kept-newer-copy',
] as const;
export type MigrationOutcome = (typeof MIGRATION_OUTCOMES)[number];

/**
 * Move tokens an earlier version left in the checkout to `tokenFile`. When both
 * exist, the one whose access token lasts longer wins (a refresh rotates both
 * tokens, so that is the live one); the copy in the checkout is deleted either way.
 */
export async function migrateLegacyTokens(
  legacyFile: string,
  tokenFile: string,
): Promise<MigrationOutcome> {
  if (path.resolve(legacyFile) === path.resolve(tokenFile)) return 'none';
  if (!fs.existsSync(legacyFile)) return 'none';
  const legacy = await readTokens(legacyFile).catch(() => undefined);
  const current = await readTokens(tokenFile).catch(() => undefined);
  let outcome: MigrationOutcome = 'removed-older-copy';
  if (legacy && (!current || legacy.expiresAt > current.expiresAt)) {
    await writeTokens(tokenFile, legacy);
    outcome = current ? 'kept-newer-copy' : 'moved';
  }
  fs.rmSync(legacyFile, { force: true });
  fs.rmSync(`${legacyFile}.lock`, { force: true, recursive: true });
  return outcome;
}
