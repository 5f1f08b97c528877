/**
 * A health endpoint for whatever watches NanoClaw on a server (a systemd
 * timer, Docker HEALTHCHECK, Uptime Kuma): GET /healthz on
 * 127.0.0.1:HEALTHCHECK_PORT answers 200 with a small JSON body while the
 * process is up. Off unless HEALTHCHECK_PORT is set (environment or .env).
 */
import http from 'http';
import { AddressInfo } from 'net';

import { readEnvFile } from './env.js';
import { logger } from './logger.js';

const HOST = '127.0.0.1';
const PATH = '/healthz';

export interface Health {
  status: 'ok';
  uptimeSeconds: number;
  startedAt: string;
  pid: number;
  rssMegabytes: number;
}

export function currentHealth(): Health {
  const uptime = process.uptime();
  return {
    status: 'ok',
    uptimeSeconds: Math.floor(uptime),
    startedAt: new Date(Date.now() - uptime * 1000).toISOString(),
    pid: process.pid,
    rssMegabytes: Math.round(process.memoryUsage().rss / 1024 / 1024),
  };
}

/** The configured port, or undefined (endpoint off) when unset or not a port. */
export function healthcheckPort(): number | undefined {
  const value =
    process.env.HEALTHCHECK_PORT ||
    readEnvFile(['HEALTHCHECK_PORT']).HEALTHCHECK_PORT;
  if (!value) return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    logger.warn(
      { value },
      'HEALTHCHECK_PORT is not a port; health endpoint off',
    );
    return undefined;
  }
  return port;
}

function answer(req: http.IncomingMessage, res: http.ServerResponse): void {
  const path = new URL(req.url ?? '/', `http://${HOST}`).pathname;
  const found =
    path === PATH && (req.method === 'GET' || req.method === 'HEAD');
  const body = JSON.stringify(found ? currentHealth() : { error: 'not found' });
  res.writeHead(found ? 200 : 404, {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-store',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/**
 * Close the endpoint on SIGTERM or SIGINT, so a monitor sees NanoClaw going
 * down while its own shutdown still runs. A signal nothing else handles is
 * raised again: listening for it must not stop it from ending the process.
 */
function closeOnShutdown(server: http.Server): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      server.close();
      if (process.listenerCount(signal) === 0) {
        process.kill(process.pid, signal);
      }
    });
  }
}

/**
 * Start the endpoint when HEALTHCHECK_PORT is set. It never keeps NanoClaw
 * running (unref) and never stops it: a busy port is only a warning.
 */
export function startHealthcheck(
  port = healthcheckPort(),
): http.Server | undefined {
  if (port === undefined) return undefined;
  const server = http.createServer(answer);
  server.on('error', (err) =>
    logger.warn({ err, port }, 'Health endpoint not started'),
  );
  server.listen(port, HOST, () => {
    const { port: bound } = server.address() as AddressInfo;
    logger.info(
      { url: `http://${HOST}:${bound}${PATH}` },
      'Health endpoint up',
    );
  });
  server.unref();
  closeOnShutdown(server);
  return server;
}
