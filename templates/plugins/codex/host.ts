/**
 * Host side of the Codex provider: signs in with a ChatGPT account (codex-oauth)
 * and hands the container a fresh access token plus the settings from .env.
 *
 * The container side is provider-codex.ts, copied next to the agent runner.
 */
import path from 'path';

import { CodexAuth, CodexAuthError } from 'codex-oauth';

import type {
  PluginContext,
  ProviderPlugin,
  ProviderSetupOptions,
} from './types.js';

export const KNOWN_MODELS = [
  'gpt-5.2-codex',
  'gpt-5.1-codex',
  'gpt-5.1-codex-max',
  'gpt-5.1-codex-mini',
  'gpt-5.2',
  'gpt-5.1',
];
export const REASONING_EFFORTS = [
  'none',
  'minimal',
  'low',
  'medium',
  'high',
  'xhigh',
];
export const DEFAULT_MODEL = 'gpt-5.1-codex';
export const DEFAULT_REASONING_EFFORT = 'medium';

const AUTH_COMMAND = 'npx tsx setup/index.ts --step codex-auth';
const SETTING_KEYS = ['CODEX_MODEL', 'CODEX_REASONING_EFFORT', 'CODEX_API_URL'];

/**
 * The settings the container needs, checked here so a typo in .env is reported
 * by name instead of as an HTTP 400 from OpenAI. Like NanoClaw's config, the
 * process environment wins over .env.
 */
export function readCodexSettings(
  readEnv: PluginContext['readEnv'],
): { settings: Record<string, string> } | { error: string } {
  const fromFile = readEnv(SETTING_KEYS);
  const value = (key: string) =>
    (process.env[key] || fromFile[key] || '').trim();

  const model = value('CODEX_MODEL') || DEFAULT_MODEL;
  if (!KNOWN_MODELS.includes(model)) {
    return {
      error: `Unknown CODEX_MODEL "${model}" in .env. Known models: ${KNOWN_MODELS.join(', ')}.`,
    };
  }
  const effort = value('CODEX_REASONING_EFFORT') || DEFAULT_REASONING_EFFORT;
  if (!REASONING_EFFORTS.includes(effort)) {
    return {
      error: `Unknown CODEX_REASONING_EFFORT "${effort}" in .env. Use one of: ${REASONING_EFFORTS.join(', ')}.`,
    };
  }
  const settings: Record<string, string> = {
    CODEX_MODEL: model,
    CODEX_REASONING_EFFORT: effort,
  };
  const apiUrl = value('CODEX_API_URL');
  if (apiUrl) settings.CODEX_API_URL = apiUrl;
  return { settings };
}

/** codex-oauth's messages usually say how to sign in again already. */
function withAuthHint(reason: string): string {
  return reason.includes('codex-auth')
    ? reason
    : `${reason}. Sign in again with: ${AUTH_COMMAND}`;
}

export function createPlugin(context: PluginContext): ProviderPlugin {
  const tokenFile = path.join(context.dataDir, 'codex-tokens.json');
  const auth = new CodexAuth({ tokenFile });

  return {
    name: 'codex',
    containerProvider: 'provider-codex.ts',

    async getSecrets(): Promise<Record<string, string>> {
      const configured = readCodexSettings(context.readEnv);
      if ('error' in configured) {
        context.logger.error({ plugin: 'codex' }, configured.error);
        // Passed on so the chat shows the real reason, not "credentials missing".
        return { CODEX_CONFIG_ERROR: configured.error };
      }
      try {
        const tokens = await auth.getTokens();
        return {
          CODEX_ACCESS_TOKEN: tokens.accessToken,
          CODEX_ACCOUNT_ID: tokens.accountId,
          ...configured.settings,
        };
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        context.logger.error(
          { plugin: 'codex', tokenFile, reason },
          err instanceof CodexAuthError
            ? `Codex sign-in unusable: ${withAuthHint(reason)}`
            : `Could not read Codex credentials: ${reason}`,
        );
        return {};
      }
    },

    async isAuthenticated() {
      try {
        return (await auth.status()).loggedIn;
      } catch {
        return false;
      }
    },

    async setup(options: ProviderSetupOptions = {}) {
      await auth.login(options);
      const status = await auth.status();
      context.logger.info(
        { plugin: 'codex', account: status.accountIdMasked, tokenFile },
        'Signed in to Codex',
      );
    },
  };
}
