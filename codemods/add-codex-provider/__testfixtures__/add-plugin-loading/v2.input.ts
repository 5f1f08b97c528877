import { logger } from './logger.js';
import { listProviders } from './providers/index.js';
import { ensureDirectories, loadState } from './state.js';

async function main(): Promise<void> {
  ensureDirectories();
  loadState();
  logger.info({ providers: listProviders() }, 'Providers registered');
}

main().catch((err) => {
  logger.error({ err }, 'Failed to start NanoClaw');
  process.exit(1);
});
