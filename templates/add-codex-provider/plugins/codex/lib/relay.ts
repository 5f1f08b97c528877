/**
 * The host's Codex relay, for NanoClaw releases that keep every secret out of
 * containers. A container sends its Responses and model-catalog requests here
 * with a key of its own; the relay swaps that key for the ChatGPT access token
 * and account (fresh from codex-oauth, refreshed on the host as needed) and
 * streams the backend's answer back as it arrives. No token enters a container.
 *
 * Each container run gets its own random key, valid until the host releases
 * it. Only two routes exist: POST /responses and GET /models?client_version=.
 * Neither tokens nor keys are ever logged.
 */
import { createHash, randomBytes, timingSafeEqual } from 'crypto';
import http from 'http';
import https from 'https';
import type { AddressInfo } from 'net';

import {
  RELAY_KEY_REJECTED,
  RELAY_MODELS_PATH,
  RELAY_RESPONSES_PATH,
  clientVersion,
  codexHeaders,
  modelsUrl,
  type CodexCredentials,
} from '../container/provider-codex/identity.js';
import type { PluginLogger } from '../types.js';
import { relayRequestHeaders, relayResponseHeaders } from './relay-headers.js';

/** A request body far beyond any conversation NanoClaw keeps (about 200,000 characters). */
const MAX_BODY_BYTES = 32 * 1024 * 1024;

export interface RelayOptions {
  logger: PluginLogger;
  /** Usable credentials for each request; codex-oauth refreshes them when due. */
  credentials(): Promise<CodexCredentials>;
  /** The backend's responses URL (CODEX_API_URL or ChatGPT's), read per request. */
  responsesUrl(): string;
}

export interface CodexRelay {
  /** Resolves with the bound port once listening; rejects with a RelayListenError. */
  listen(host: string, port: number): Promise<number>;
  /** The bound port, while listening. */
  readonly port: number | undefined;
  /** A new key for this container, replacing any key it had. */
  issueKey(containerName: string): string;
  revokeKey(containerName: string): void;
  /** Stop listening, cut open streams and forget every key. */
  close(): Promise<void>;
}

/** Why the relay could not listen, worded for the host log. */
export class RelayListenError extends Error {}

const digest = (key: string) => createHash('sha256').update(key).digest();

function sendJson(res: http.ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function readBody(req: http.IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () =>
      resolve(size <= MAX_BODY_BYTES ? Buffer.concat(chunks) : undefined),
    );
    req.on('error', reject);
  });
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function listenFailure(err: NodeJS.ErrnoException, host: string, port: number) {
  const where = `${host}:${port}`;
  if (err.code === 'EADDRINUSE') {
    return new RelayListenError(
      `The Codex relay cannot listen on ${where}: the port is in use. Set CODEX_RELAY_PORT in .env to a free port (then copy .env to data/env/env) and restart NanoClaw.`,
    );
  }
  if (err.code === 'EADDRNOTAVAIL') {
    return new RelayListenError(
      `The Codex relay cannot listen on ${where}: this machine has no such address. Set CREDENTIAL_PROXY_HOST to an address of this machine that containers can reach.`,
    );
  }
  return new RelayListenError(
    `The Codex relay cannot listen on ${where}: ${err.message}. Check CODEX_RELAY_PORT and CREDENTIAL_PROXY_HOST.`,
  );
}

export function createRelay(options: RelayOptions): CodexRelay {
  const log = options.logger;
  /** Container name to the SHA-256 of its key: equal lengths for timingSafeEqual. */
  const keys = new Map<string, Buffer>();
  let server: http.Server | undefined;

  /** The container whose key this is; every key is compared, in constant time. */
  function containerFor(authorization: string | undefined): string | undefined {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match) return undefined;
    const presented = digest(match[1]);
    let found: string | undefined;
    for (const [name, known] of keys) {
      if (timingSafeEqual(presented, known)) found = name;
    }
    return found;
  }

  function upstreamUrl(req: http.IncomingMessage, url: URL): string {
    if (req.method === 'POST') return options.responsesUrl();
    const version = url.searchParams.get('client_version') || clientVersion();
    return modelsUrl(options.responsesUrl(), version);
  }

  async function forward(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    container: string,
    target: string,
  ): Promise<void> {
    const body = req.method === 'POST' ? await readBody(req) : Buffer.alloc(0);
    if (!body) {
      return sendJson(res, 413, { detail: 'The request body is too large.' });
    }
    let credentials: CodexCredentials;
    try {
      credentials = await options.credentials();
    } catch (err) {
      const reason = errorMessage(err);
      log.error(
        { plugin: 'codex', container, reason },
        'Codex relay: no usable sign-in on the host',
      );
      // The container shows this as a refused sign-in, with the sign-in command.
      return sendJson(res, 401, {
        detail: `The Codex sign-in on the NanoClaw host is unusable: ${reason}`,
      });
    }
    if (res.destroyed) return;
    const url = new URL(target);
    const headers = {
      ...relayRequestHeaders(req.headers),
      ...codexHeaders(credentials),
      'content-length': String(body.length),
    };
    const send = url.protocol === 'https:' ? https.request : http.request;
    const upstream = send(url, { method: req.method, headers }, (answer) => {
      res.writeHead(
        answer.statusCode ?? 502,
        relayResponseHeaders(answer.headers),
      );
      // Headers go out now, and every chunk as it comes: the stream is live.
      res.flushHeaders();
      answer.pipe(res);
      answer.on('error', () => res.destroy());
      log.debug(
        {
          plugin: 'codex',
          container,
          path: url.pathname,
          status: answer.statusCode,
        },
        'Codex relay: forwarded',
      );
    });
    // The container gave up (or ended): stop asking the backend for it.
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    upstream.on('error', (err) => {
      if (res.headersSent) {
        // Cut mid-answer: the container sees the drop and retries, as it would directly.
        res.destroy();
        return;
      }
      if (res.destroyed) return;
      log.warn(
        { plugin: 'codex', container, url: target, reason: err.message },
        'Codex relay: the backend is unreachable',
      );
      sendJson(res, 502, {
        detail: `The NanoClaw host could not reach Codex at ${target}: ${err.message}`,
      });
    });
    upstream.end(body);
  }

  async function handle(
    req: http.IncomingMessage,
    res: http.ServerResponse,
  ): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://relay');
    const route = `${req.method} ${url.pathname}`;
    if (
      route !== `POST ${RELAY_RESPONSES_PATH}` &&
      route !== `GET ${RELAY_MODELS_PATH}`
    ) {
      req.resume();
      return sendJson(res, 404, { detail: 'Not found' });
    }
    const container = containerFor(req.headers.authorization);
    if (!container) {
      req.resume();
      log.warn(
        {
          plugin: 'codex',
          route,
          keyPresented: Boolean(req.headers.authorization),
        },
        'Codex relay: refused a request without a valid relay key',
      );
      return sendJson(res, 401, {
        error: {
          code: RELAY_KEY_REJECTED,
          message:
            'This request carries no relay key that NanoClaw issued to a running container.',
        },
      });
    }
    await forward(req, res, container, upstreamUrl(req, url));
  }

  return {
    listen(host, port) {
      const created = http.createServer({ noDelay: true }, (req, res) => {
        handle(req, res).catch((err: unknown) => {
          log.error(
            { plugin: 'codex', reason: errorMessage(err) },
            'Codex relay: request failed',
          );
          if (!res.headersSent) sendJson(res, 500, { detail: 'Relay error' });
          else res.destroy();
        });
      });
      return new Promise<number>((resolve, reject) => {
        created.once('error', (err: NodeJS.ErrnoException) =>
          reject(listenFailure(err, host, port)),
        );
        created.listen(port, host, () => {
          server = created;
          // The relay serves NanoClaw's containers; it must not keep NanoClaw running.
          created.unref();
          // Later errors must not take NanoClaw down with them.
          created.on('error', (err) =>
            log.error(
              { plugin: 'codex', reason: err.message },
              'Codex relay: server error',
            ),
          );
          resolve((created.address() as AddressInfo).port);
        });
      });
    },

    get port() {
      const address = server?.address();
      return address && typeof address === 'object' ? address.port : undefined;
    },

    issueKey(containerName) {
      const key = randomBytes(32).toString('base64url');
      keys.set(containerName, digest(key));
      return key;
    },

    revokeKey(containerName) {
      keys.delete(containerName);
    },

    close() {
      keys.clear();
      const closing = server;
      server = undefined;
      if (!closing) return Promise.resolve();
      return new Promise<void>((resolve) => {
        closing.close(() => resolve());
        closing.closeAllConnections();
      });
    },
  };
}
