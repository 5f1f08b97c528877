/**
 * Setup step: sign in to Codex with a ChatGPT Plus/Pro account.
 * Usage: npx tsx setup/index.ts --step codex-auth [--reauth] [--no-browser] [--device-auth]
 *
 * Prints AUTH_STATUS=already_authenticated | authenticated | failed (with ERROR=...).
 */
import path from 'path';
import { parseArgs } from 'util';

import { readEnvFile } from '../src/env.js';
import { logger } from '../src/logger.js';
import type { ProviderPluginModule } from '../src/provider-plugin.js';
import { emitStatus } from './status.js';

const STEP = 'codex-auth';

export async function run(args: string[]): Promise<void> {
  try {
    const { values } = parseArgs({
      args,
      options: {
        reauth: { type: 'boolean' },
        'no-browser': { type: 'boolean' },
        'device-auth': { type: 'boolean' },
      },
    });
    const plugin = await loadCodexPlugin();
    if (!values.reauth && (await plugin.isAuthenticated())) {
      emitStatus(STEP, { AUTH_STATUS: 'already_authenticated' });
      return;
    }
    await plugin.setup({
      noBrowser: values['no-browser'],
      deviceAuth: values['device-auth'],
    });
    emitStatus(STEP, { AUTH_STATUS: 'authenticated' });
  } catch (err) {
    emitStatus(STEP, { AUTH_STATUS: 'failed', ERROR: oneLine(err) });
    process.exitCode = 1;
  }
}

async function loadCodexPlugin() {
  let mod: ProviderPluginModule;
  try {
    mod = (await import('../plugins/codex/host.js')) as ProviderPluginModule;
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(
      reason.includes('codex-oauth')
        ? `${reason} Install and build the sign-in package: npm install ./packages/codex-oauth && npm run build --prefix packages/codex-oauth`
        : `Cannot load plugins/codex/host.ts: ${reason}`,
    );
  }
  return mod.createPlugin({
    projectRoot: process.cwd(),
    dataDir: path.resolve('data'),
    logger,
    readEnv: readEnvFile,
  });
}

/** The status block is line-based: a multi-line message would break it. */
function oneLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/\s*\n\s*/g, ' ').trim();
}
