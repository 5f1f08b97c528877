import { OneCLI } from '@onecli-sh/sdk';

import { MAIN_GROUP_FOLDER, ONECLI_URL } from './config.js';
import { logger } from './logger.js';
import { ensureDirectories, loadState } from './state.js';

const onecli = new OneCLI({ url: ONECLI_URL });

/** Give a non-main group its own OneCLI agent identity. */
export function ensureOneCLIAgent(groupFolder: string): void {
  if (groupFolder === MAIN_GROUP_FOLDER) return;
  void onecli.ensureAgent({ name: groupFolder, identifier: groupFolder });
}

async function main(): Promise<void> {
  ensureDirectories();
  logger.info('Directories ready');
  loadState();
  logger.info('NanoClaw running');
}

main().catch((err) => {
  logger.error({ err }, 'Failed to start NanoClaw');
  process.exit(1);
});
