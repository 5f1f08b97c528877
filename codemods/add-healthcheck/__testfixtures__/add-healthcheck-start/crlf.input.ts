import { logger } from './logger.js';
import { ensureDirectories, loadState } from './state.js';

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
