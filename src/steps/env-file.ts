import fs from 'node:fs';
import path from 'node:path';

import { writeFileAtomic } from '../core/fs-util.js';

/** The .env line setting `key` (not a comment), e.g. `export KEY = value`. */
function keyPattern(key: string): RegExp {
  return new RegExp(`^\\s*(?:export\\s+)?${key}\\s*=`);
}

/** The exact text of the line that sets `key`, or null when none does. */
export function findEnvLine(text: string, key: string): string | null {
  const pattern = keyPattern(key);
  return text.split(/\r?\n/).find((line) => pattern.test(line)) ?? null;
}

export function readEnvValue(text: string, key: string): string | null {
  const line = findEnvLine(text, key);
  if (line === null) return null;
  return line
    .slice(line.indexOf('=') + 1)
    .trim()
    .replace(/^(['"])(.*)\1$/, '$2');
}

/**
 * Set (or with `line === null` remove) the line for `key`, keeping every other
 * line, comment and the file's line endings. Duplicates of the key are dropped,
 * so the value is never ambiguous.
 */
export function setEnvLine(
  text: string,
  key: string,
  line: string | null,
): string {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const pattern = keyPattern(key);
  const lines = text.length ? text.split(/\r?\n/) : [];
  const trailingNewline = lines.length > 0 && lines[lines.length - 1] === '';
  if (trailingNewline) lines.pop();
  const out: string[] = [];
  let placed = false;
  for (const current of lines) {
    if (!pattern.test(current)) {
      out.push(current);
    } else if (!placed && line !== null) {
      out.push(line);
      placed = true;
    }
  }
  if (!placed && line !== null) out.push(line);
  if (out.length === 0) return '';
  // Keep the file's own choice of a final newline (a new file gets one).
  return out.join(eol) + (trailingNewline || lines.length === 0 ? eol : '');
}

export interface EnvPaths {
  envFile: string;
  /** NanoClaw's copy of .env mounted into containers. */
  containerEnvFile: string;
}

export function envPaths(root: string): EnvPaths {
  return {
    envFile: path.join(root, '.env'),
    containerEnvFile: path.join(root, 'data', 'env', 'env'),
  };
}

export function readEnv(root: string): string {
  const { envFile } = envPaths(root);
  return fs.existsSync(envFile) ? fs.readFileSync(envFile, 'utf8') : '';
}

/**
 * The file to write for `file`: a symlinked .env (kept in a dotfiles repo, say)
 * is edited where it points, so the link and its target never part ways.
 */
function throughLinks(file: string): string {
  try {
    return fs.lstatSync(file).isSymbolicLink() ? fs.realpathSync(file) : file;
  } catch {
    return file;
  }
}

/** Write .env (kept private: 0600 when new) and copy it to data/env/env. */
export function writeEnvAndSync(root: string, text: string): void {
  const envFile = throughLinks(envPaths(root).envFile);
  if (!fs.existsSync(envFile)) fs.writeFileSync(envFile, '', { mode: 0o600 });
  writeFileAtomic(envFile, text);
  syncContainerEnv(root);
}

/** NanoClaw reads data/env/env inside containers; it must match .env. */
export function syncContainerEnv(root: string): void {
  const { envFile, containerEnvFile } = envPaths(root);
  if (!fs.existsSync(envFile)) return;
  fs.mkdirSync(path.dirname(containerEnvFile), { recursive: true });
  writeFileAtomic(containerEnvFile, fs.readFileSync(envFile));
}

export function containerEnvInSync(root: string): boolean {
  const { envFile, containerEnvFile } = envPaths(root);
  if (!fs.existsSync(envFile)) return true;
  return (
    fs.existsSync(containerEnvFile) &&
    fs.readFileSync(envFile).equals(fs.readFileSync(containerEnvFile))
  );
}
