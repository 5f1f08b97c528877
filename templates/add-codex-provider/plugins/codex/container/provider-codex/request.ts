/**
 * One streamed request to the Responses endpoint, tried again within a budget
 * (attempts and total wait) when the failure may pass: a dropped or stalled
 * stream, a rate limit, a server error.
 */
import { createRoundCollector, type RoundResult } from './events.js';
import {
  RetryableError,
  backoffMs,
  describeDuration,
  httpFailure,
} from './failures.js';
import { RELAY_KEY_REJECTED, codexHeaders } from './identity.js';
import type { InputItem } from './items.js';
import { ProviderError, asRecord, errorMessage, log } from './output.js';
import type { Settings } from './settings.js';
import { createSseParser } from './sse.js';
import { TOOLS } from './tools.js';

const MAX_ATTEMPTS = 4;

export function requestBody(
  settings: Settings,
  instructions: string,
  input: InputItem[],
  cacheKey: string,
): Record<string, unknown> {
  return {
    model: settings.model,
    instructions,
    input,
    tools: TOOLS,
    tool_choice: 'auto',
    parallel_tool_calls: false,
    // No effort: the model's own default applies.
    reasoning: settings.effort
      ? { effort: settings.effort, summary: 'auto' }
      : { summary: 'auto' },
    store: false,
    stream: true,
    include: ['reasoning.encrypted_content'],
    prompt_cache_key: cacheKey,
  };
}

function requestHeaders(
  settings: Settings,
  sessionKey: string,
): Record<string, string> {
  return {
    ...codexHeaders(settings),
    'OpenAI-Beta': 'responses=experimental',
    session_id: sessionKey,
    accept: 'text/event-stream',
    'content-type': 'application/json',
  };
}

interface Watchdog {
  touch(): void;
  stop(): void;
  readonly fired: boolean;
}

/** Calls `onIdle` once no byte arrived for `ms`; every byte resets it. */
function idleWatchdog(ms: number, onIdle: () => void): Watchdog {
  let fired = false;
  let timer: NodeJS.Timeout | undefined;
  const touch = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      fired = true;
      onIdle();
    }, ms);
  };
  touch();
  return {
    touch,
    stop: () => clearTimeout(timer),
    get fired() {
      return fired;
    },
  };
}

function describeNetworkError(err: unknown): string {
  const cause = asRecord(asRecord(err).cause);
  const code = typeof cause.code === 'string' ? cause.code : '';
  const detail =
    typeof cause.message === 'string' ? cause.message : errorMessage(err);
  return code && !detail.includes(code) ? `${code} ${detail}` : detail;
}

function idleError(settings: Settings): RetryableError {
  const wait = describeDuration(settings.streamIdleTimeoutMs / 1000);
  return new RetryableError(
    `Codex sent nothing for ${wait}, so NanoClaw stopped waiting for that answer. Send your message again.`,
    `No data from Codex for ${wait} (CODEX_STREAM_IDLE_TIMEOUT_MS)`,
  );
}

function unreachable(settings: Settings, err: unknown): RetryableError {
  const detail = describeNetworkError(err);
  if (settings.relay) {
    return new RetryableError(
      `Could not reach the NanoClaw host's Codex relay at ${settings.url}: ${detail}. ` +
        'Check that NanoClaw is running and that containers may reach the host on CODEX_RELAY_PORT (a firewall may block it).',
      `Could not reach the host's Codex relay at ${settings.url} (${detail})`,
    );
  }
  return new RetryableError(
    `Could not reach Codex at ${settings.url}: ${detail}. ` +
      'Check that the container has network access (and CODEX_API_URL, if you set it).',
    `Could not reach ${settings.url} (${detail})`,
  );
}

function dropped(settings: Settings, err: unknown): RetryableError {
  const detail = describeNetworkError(err);
  return new RetryableError(
    `The connection to ${settings.url} dropped while Codex was answering (${detail}). Send your message again.`,
    `The connection dropped while Codex was answering (${detail})`,
  );
}

/**
 * The relay no longer knows this container's key: the host released it (the
 * run ended) or restarted. Retrying cannot help, and signing in again neither.
 */
function relayRefused(settings: Settings, status: number, text: string) {
  if (!settings.relay || status !== 401) return undefined;
  try {
    if (asRecord(JSON.parse(text).error).code !== RELAY_KEY_REJECTED) {
      return undefined;
    }
  } catch {
    return undefined;
  }
  return new ProviderError(
    "The NanoClaw host's Codex relay no longer accepts this container's key " +
      '(NanoClaw restarted, or this run was already closed). Send your message again.',
  );
}

async function readRound(
  response: Response,
  body: ReadableStream<Uint8Array>,
  settings: Settings,
  watchdog: Watchdog,
): Promise<RoundResult> {
  const collector = createRoundCollector(settings, response.headers);
  const parser = createSseParser(collector.handle);
  const reader = body.getReader();
  try {
    for (;;) {
      const chunk = await reader.read().catch((err: unknown) => {
        throw watchdog.fired ? idleError(settings) : dropped(settings, err);
      });
      if (chunk.done) break;
      watchdog.touch();
      parser.push(chunk.value);
    }
    parser.end();
  } finally {
    reader.cancel().catch(() => {});
  }
  return collector.finish();
}

async function attemptRound(
  settings: Settings,
  sessionKey: string,
  body: Record<string, unknown>,
): Promise<RoundResult> {
  const controller = new AbortController();
  // Covers the wait for the headers too: a server that never answers is as dead.
  const watchdog = idleWatchdog(settings.streamIdleTimeoutMs, () =>
    controller.abort(),
  );
  try {
    const response = await fetch(settings.url, {
      method: 'POST',
      headers: requestHeaders(settings, sessionKey),
      body: JSON.stringify(body),
      signal: controller.signal,
    }).catch((err: unknown) => {
      throw watchdog.fired ? idleError(settings) : unreachable(settings, err);
    });
    watchdog.touch();
    if (!response.ok || !response.body) {
      const text = await response.text().catch(() => '');
      throw (
        relayRefused(settings, response.status, text) ??
        httpFailure(response.status, response.headers, text, settings)
      );
    }
    return await readRound(response, response.body, settings, watchdog);
  } finally {
    watchdog.stop();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One response, with retries; a failure that remains is a ProviderError. */
export async function streamRound(
  settings: Settings,
  sessionKey: string,
  body: Record<string, unknown>,
): Promise<RoundResult> {
  let waitedMs = 0;
  for (let attempt = 1; ; attempt++) {
    try {
      return await attemptRound(settings, sessionKey, body);
    } catch (err) {
      if (!(err instanceof RetryableError)) throw err;
      const delay = err.retryAfterMs ?? backoffMs(attempt);
      if (
        attempt >= MAX_ATTEMPTS ||
        waitedMs + delay > settings.maxRetryWaitMs
      ) {
        throw new ProviderError(err.message);
      }
      log(`${err.reason}; retrying in ${describeDuration(delay / 1000)}`);
      await sleep(delay);
      waitedMs += delay;
    }
  }
}
