/**
 * What the status and the sign-in steps may know of a token file: where it is,
 * whether it is there, its expiry and a masked account. Never a token.
 */
import fs from 'node:fs';
import path from 'node:path';

import type { TokenLocation } from './token-file.js';

export interface TokenStatus {
  /** Absolute path of the token file. */
  file: string;
  present: boolean;
  /** Tokens still lie in the old place inside the checkout, readable by the main group's agent. */
  insideCheckout?: string;
  expiresAt?: string;
  expired?: boolean;
  account?: string;
}

function maskAccount(id: string): string {
  return id.length <= 8 ? '****' : `${id.slice(0, 4)}…${id.slice(-4)}`;
}

/** Token file facts without ever reading out a token. */
export function inspectTokens(
  root: string,
  location: TokenLocation,
): TokenStatus {
  const { file, legacyFile } = location;
  const status = readTokenFacts(file);
  if (legacyFile && fs.existsSync(legacyFile)) {
    status.insideCheckout = path.relative(root, legacyFile);
  }
  return status;
}

function readTokenFacts(file: string): TokenStatus {
  if (!fs.existsSync(file)) return { file, present: false };
  try {
    const data = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<
      string,
      unknown
    >;
    const expires = Number(data.expiresAt ?? data.expires_at ?? NaN);
    const account = (data.accountId ?? data.account_id) as string | undefined;
    return {
      file,
      present: true,
      expiresAt: Number.isFinite(expires)
        ? new Date(expires).toISOString()
        : undefined,
      expired: Number.isFinite(expires) ? expires <= Date.now() : undefined,
      account: account ? maskAccount(account) : undefined,
    };
  } catch {
    return { file, present: true };
  }
}
