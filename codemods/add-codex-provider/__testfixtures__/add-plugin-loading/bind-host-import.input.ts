import { CREDENTIAL_PROXY_PORT } from './config.js';
import { startCredentialProxy } from './credential-proxy.js';
import { logger } from './logger.js';
import { ensureDirectories, loadState } from './state.js';

async function main(): Promise<void> {
  ensureDirectories();
  loadState();
  // Containers reach the API only through this proxy.
  const proxyServer = await startCredentialProxy(CREDENTIAL_PROXY_PORT);

  const shutdown = (signal: string) => {
    logger.info({ signal }, 'Shutdown signal received');
    proxyServer.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((err) => {
  logger.error({ err }, 'Failed to start NanoClaw');
  process.exit(1);
});
