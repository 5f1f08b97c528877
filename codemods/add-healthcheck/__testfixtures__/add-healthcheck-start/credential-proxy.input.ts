import { CREDENTIAL_PROXY_PORT } from './config.js';
import { PROXY_BIND_HOST } from './container-runtime.js';
import { startCredentialProxy } from './credential-proxy.js';
import { loadState } from './state.js';

async function main(): Promise<void> {
  loadState();
  const proxyServer = await startCredentialProxy(
    CREDENTIAL_PROXY_PORT,
    PROXY_BIND_HOST,
  );

  const shutdown = (signal: string) => {
    proxyServer.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}
