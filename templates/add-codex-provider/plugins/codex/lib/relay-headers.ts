/**
 * Which headers cross the host's Codex relay. Requests keep what the container
 * sent about the request itself (session_id, OpenAI-Beta, accept, ...) and
 * lose its credentials, which the relay replaces. Answers keep everything the
 * container reads (content-type, retry-after, the x-codex-* usage headers).
 * Hop-by-hop headers belong to one connection and never cross a proxy.
 */
import type http from 'http';

const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
];

/** Set by the relay: the container's relay key, its host name, its body length. */
const REPLACED = [
  'authorization',
  'chatgpt-account-id',
  'host',
  'content-length',
  'cookie',
];

function without(
  headers: http.IncomingHttpHeaders | http.OutgoingHttpHeaders,
  dropped: string[],
): Record<string, string | string[]> {
  // Connection may name more hop-by-hop headers of its own.
  const named = String(headers.connection ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (value === undefined || dropped.includes(lower) || named.includes(lower))
      continue;
    out[lower] = typeof value === 'number' ? String(value) : value;
  }
  return out;
}

export function relayRequestHeaders(
  headers: http.IncomingHttpHeaders,
): Record<string, string | string[]> {
  return without(headers, [...HOP_BY_HOP, ...REPLACED]);
}

export function relayResponseHeaders(
  headers: http.IncomingHttpHeaders,
): Record<string, string | string[]> {
  return without(headers, HOP_BY_HOP);
}
