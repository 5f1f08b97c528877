/**
 * Where the host's Codex relay listens, chosen the way NanoClaw places its
 * credential proxy: containers must reach it, and nothing else should.
 */
import fs from 'fs';
import os from 'os';

import type { PluginContext } from '../types.js';

export const RELAY_PORT_SETTING = 'CODEX_RELAY_PORT';
/** NanoClaw's credential proxy takes 3001; the relay sits near it, clear of it. */
export const DEFAULT_RELAY_PORT = 3011;
/** The name containers reach the host by (NanoClaw's CONTAINER_HOST_GATEWAY). */
export const CONTAINER_HOST_GATEWAY = 'host.docker.internal';

/**
 * NanoClaw's own rule when the host code passes no PROXY_BIND_HOST: Docker
 * Desktop (macOS, WSL) routes host.docker.internal to loopback; on Linux the
 * docker0 bridge is reachable from containers only; else every interface.
 */
function detectBindHost(): string {
  if (os.platform() === 'darwin') return '127.0.0.1';
  // Under systemd WSL_DISTRO_NAME is unset; this file exists in WSL either way.
  if (fs.existsSync('/proc/sys/fs/binfmt_misc/WSLInterop')) return '127.0.0.1';
  const bridge = os
    .networkInterfaces()
    .docker0?.find((address) => address.family === 'IPv4');
  return bridge?.address ?? '0.0.0.0';
}

/** The host code's bind host (NanoClaw's PROXY_BIND_HOST), else CREDENTIAL_PROXY_HOST, else detected. */
export function relayBindHost(explicit?: string): string {
  return (
    explicit?.trim() ||
    process.env.CREDENTIAL_PROXY_HOST?.trim() ||
    detectBindHost()
  );
}

/** CODEX_RELAY_PORT from the environment, then .env; 0 takes any free port. */
export function relayPort(readEnv: PluginContext['readEnv']): number {
  const raw = (
    process.env[RELAY_PORT_SETTING]?.trim() ||
    readEnv([RELAY_PORT_SETTING])[RELAY_PORT_SETTING] ||
    ''
  ).trim();
  if (!raw) return DEFAULT_RELAY_PORT;
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65535) {
    throw new Error(
      `${RELAY_PORT_SETTING} "${raw}" is not a port number (0 to 65535; default ${DEFAULT_RELAY_PORT}).`,
    );
  }
  return port;
}
