/** What skill-status shows for Codex: the active provider and the sign-in (never a token). */
import {
  readEnv,
  readEnvValue,
  type InspectContext,
  type StatusReport,
} from '../../src/api/index.js';
import { PROVIDER } from './codex.js';
import { resolveTokenLocation } from './token-file.js';
import { inspectTokens, type TokenStatus } from './token-status.js';

function describeTokens(tokens: TokenStatus): string {
  if (!tokens.present) return `no tokens (${tokens.file})`;
  const account = tokens.account ? `, account ${tokens.account}` : '';
  const expiry = tokens.expiresAt
    ? `, access token ${tokens.expired ? 'expired' : 'valid'} until ${tokens.expiresAt} (refreshed automatically)`
    : '';
  return `tokens in ${tokens.file}${account}${expiry}`;
}

export async function status({ root }: InspectContext): Promise<StatusReport> {
  const provider =
    readEnvValue(readEnv(root), PROVIDER.envKey) ??
    process.env[PROVIDER.envKey] ??
    'claude';
  const tokens = inspectTokens(root, resolveTokenLocation(root));
  return {
    target: [
      {
        key: 'provider',
        value: provider,
        label: 'Active provider',
        text: provider,
      },
    ],
    skill: [
      {
        key: 'tokens',
        value: tokens,
        label: 'Sign-in',
        text: describeTokens(tokens),
      },
    ],
  };
}
