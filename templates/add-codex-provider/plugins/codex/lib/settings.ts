/**
 * The Codex settings a person can set, read the way NanoClaw reads its own: the
 * process environment wins over .env.
 */
import fs from 'fs';
import path from 'path';

import { DEFAULT_API_URL } from '../container/provider-codex/identity.js';
import type { PluginContext } from '../types.js';

export const SETUP_COMMAND = 'npx tsx setup/index.ts --step codex-auth';

const KEYS = {
  model: 'CODEX_MODEL',
  effort: 'CODEX_REASONING_EFFORT',
  apiUrl: 'CODEX_API_URL',
  clientVersion: 'CODEX_CLIENT_VERSION',
  tokenFile: 'CODEX_TOKEN_FILE',
} as const;

/** Each value as written, trimmed; '' when unset. */
export type CodexSettings = Record<keyof typeof KEYS, string>;

export function readSettings(readEnv: PluginContext['readEnv']): CodexSettings {
  const fromFile = readEnv([...Object.values(KEYS)]);
  const value = (key: string) =>
    (process.env[key]?.trim() || fromFile[key] || '').trim();
  return {
    model: value(KEYS.model),
    effort: value(KEYS.effort),
    apiUrl: value(KEYS.apiUrl),
    clientVersion: value(KEYS.clientVersion),
    tokenFile: value(KEYS.tokenFile),
  };
}

export function responsesUrl(settings: CodexSettings): string {
  return settings.apiUrl || DEFAULT_API_URL;
}

/** The .env line for `key`, commented-out lines aside. */
function keyPattern(key: string): RegExp {
  return new RegExp(`^\\s*(?:export\\s+)?${key}\\s*=`);
}

/** `text` with the line setting `key` replaced (or added), every other line kept. */
export function withEnvLine(text: string, key: string, value: string): string {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text ? text.split(/\r?\n/) : [];
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  const pattern = keyPattern(key);
  const line = `${key}=${value}`;
  const out: string[] = [];
  let placed = false;
  // Duplicates of the key go, so the value is never ambiguous.
  for (const current of lines) {
    if (!pattern.test(current)) out.push(current);
    else if (!placed) {
      out.push(line);
      placed = true;
    }
  }
  if (!placed) out.push(line);
  return out.join(eol) + eol;
}

/**
 * Set `key` in .env and copy .env to data/env/env: containers read that copy,
 * and NanoClaw's own setup keeps the two identical the same way.
 */
export function writeEnvSetting(
  context: Pick<PluginContext, 'projectRoot' | 'dataDir'>,
  key: string,
  value: string,
): void {
  const envFile = path.join(context.projectRoot, '.env');
  const text = fs.existsSync(envFile) ? fs.readFileSync(envFile, 'utf-8') : '';
  // A new .env may come to hold secrets: only its owner reads it.
  fs.writeFileSync(envFile, withEnvLine(text, key, value), { mode: 0o600 });
  const copy = path.join(context.dataDir, 'env', 'env');
  fs.mkdirSync(path.dirname(copy), { recursive: true });
  fs.copyFileSync(envFile, copy);
}

/** True when `file` lies inside `dir` (the main group's container sees the checkout). */
export function isInside(file: string, dir: string): boolean {
  const relative = path.relative(path.resolve(dir), path.resolve(file));
  return (
    relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative)
  );
}
