/**
 * The token file: JSON, mode 0600 from the moment it exists, replaced atomically
 * so a reader in another process never sees half a file.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

import { LOGIN_COMMAND } from './config.js';
import { CodexAuthError } from './errors.js';

export interface StoredTokens {
  accessToken: string;
  refreshToken: string;
  accountId: string;
  /** Epoch milliseconds at which the access token stops working. */
  expiresAt: number;
}

export async function readTokens(
  file: string,
): Promise<StoredTokens | undefined> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CodexAuthError(
      'token_file',
      `Cannot read the Codex token file ${file}: ${(err as Error).message}`,
    );
  }
  let data: Partial<StoredTokens>;
  try {
    data = JSON.parse(text);
  } catch {
    throw corrupt(file, 'it is not valid JSON');
  }
  if (
    typeof data.accessToken !== 'string' ||
    typeof data.refreshToken !== 'string' ||
    typeof data.accountId !== 'string' ||
    typeof data.expiresAt !== 'number'
  ) {
    throw corrupt(
      file,
      'it lacks accessToken, refreshToken, accountId or expiresAt',
    );
  }
  const { accessToken, refreshToken, accountId, expiresAt } = data;
  return { accessToken, refreshToken, accountId, expiresAt };
}

export async function writeTokens(
  file: string,
  tokens: StoredTokens,
): Promise<void> {
  const dir = path.dirname(file);
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const temp = path.join(
    dir,
    `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
  );
  // 'wx' + 0600: the secret is never readable by others, not even for a moment.
  const handle = await fs.open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(
      `${JSON.stringify({ ...tokens, updatedAt: Date.now() }, null, 2)}\n`,
    );
    await handle.chmod(0o600); // in case the umask was unusual
    await handle.sync();
  } catch (err) {
    await handle.close();
    await fs.rm(temp, { force: true });
    throw err;
  }
  await handle.close();
  try {
    await fs.rename(temp, file);
  } catch (err) {
    await fs.rm(temp, { force: true });
    throw err;
  }
}

export async function deleteTokens(file: string): Promise<boolean> {
  try {
    await fs.unlink(file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

function corrupt(file: string, why: string): CodexAuthError {
  return new CodexAuthError(
    'token_file',
    `The Codex token file ${file} is unusable: ${why}. Delete it and sign in again: ${LOGIN_COMMAND}`,
  );
}
