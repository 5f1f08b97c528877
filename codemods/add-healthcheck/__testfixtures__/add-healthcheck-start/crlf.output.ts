import { logger } from './logger.js';
import { ensureDirectories, loadState } from './state.js';
import { startHealthcheck } from './healthcheck.js';

async function main(): Promise<void> {
  ensureDirectories();
  logger.info('Directories ready');
  loadState();
  startHealthcheck();

  logger.info('NanoClaw running');
}

main().catch((err) => {
  logger.error({ err }, 'Failed to start NanoClaw');
  process.exit(1);
});
