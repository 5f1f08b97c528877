/**
 * What went wrong with a request, in words the chat can show, and whether
 * waiting and trying again may help. Codes and shapes follow the Codex CLI's
 * reading of the same backend.
 */
import { isBotProtectionPage } from './identity.js';
import { ProviderError, asRecord } from './output.js';
import { AUTH_COMMAND, describeEffort, type Settings } from './settings.js';

/** Worth another attempt; `message` is what the chat sees when none is left. */
export class RetryableError extends Error {
  /** For the log: what happened, before "; retrying in ...". */
  readonly reason: string;
  readonly retryAfterMs?: number;

  constructor(message: string, reason: string, retryAfterMs?: number) {
    super(message);
    this.reason = reason;
    this.retryAfterMs = retryAfterMs;
  }
}

/** The backend does not serve this model to this account. */
export class ModelRejectedError extends ProviderError {
  readonly detail: string;

  constructor(model: string, detail: string) {
    super(
      `Codex does not accept the model ${model} (HTTP 400: ${detail}). Change or remove CODEX_MODEL in .env.`,
    );
    this.detail = detail;
  }
}

/** The model does not take the reasoning effort we sent. */
export class EffortRejectedError extends ProviderError {
  readonly detail: string;

  constructor(settings: Settings, detail: string) {
    super(
      `Codex does not accept reasoning effort ${describeEffort(settings)} for ${settings.model} (HTTP 400: ${detail}). Change or remove CODEX_REASONING_EFFORT in .env.`,
    );
    this.detail = detail;
  }
}

/** The conversation no longer fits the model's context window. */
export class ContextTooLongError extends ProviderError {}

const BOT_PROTECTION =
  "Codex did not answer: the request was blocked by the backend's bot protection " +
  '(HTTP 403 with an HTML page instead of an answer). This is not a problem with your ' +
  'model or your ChatGPT sign-in. Try again later; if it keeps happening, update the Codex plugin.';

const USAGE_NOT_INCLUDED =
  'Your ChatGPT plan does not include Codex (usage_not_included). Use an account whose plan ' +
  'includes Codex, or switch to Claude with AGENT_PROVIDER=claude in .env.';

const CONTEXT_TOO_LONG =
  'The conversation is too long for the model (context_length_exceeded).';

const MODEL_REJECTED =
  /model is not supported|not supported when using codex|model_not_found|unknown model/i;
const RETRYABLE_CODE =
  /rate_limit|server_error|overloaded|slow_down|internal|unavailable|timeout/i;

export function serverDetail(bodyText: string): {
  detail: string;
  body: Record<string, any>;
} {
  try {
    const body = asRecord(JSON.parse(bodyText));
    const error = asRecord(body.error);
    const detail =
      (typeof body.detail === 'string' && body.detail) ||
      (typeof error.message === 'string' && error.message) ||
      (typeof body.message === 'string' && body.message) ||
      '';
    return { detail, body };
  } catch {
    return { detail: bodyText.trim().slice(0, 500), body: {} };
  }
}

export function backoffMs(attempt: number): number {
  return 1000 * 2 ** (attempt - 1);
}

export function describeDuration(seconds: number): string {
  const s = Math.ceil(seconds);
  if (s < 60) return `${s} s`;
  const minutes = Math.ceil(s / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
}

function headerNumber(headers: Headers, name: string): number | undefined {
  const raw = headers.get(name);
  if (raw === null || raw.trim() === '') return undefined;
  const value = Number(raw);
  return Number.isFinite(value) ? value : undefined;
}

function retryAfterMs(headers: Headers): number | undefined {
  const raw = headers.get('retry-after');
  if (!raw) return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return Math.max(0, seconds) * 1000;
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** Seconds until a rate-limit window resets, from the x-codex-* headers. */
function windowResetSeconds(headers: Headers): number | undefined {
  const now = Date.now() / 1000;
  const windows = ['primary', 'secondary'].flatMap((name) => {
    const at = headerNumber(headers, `x-codex-${name}-reset-at`);
    const after = headerNumber(headers, `x-codex-${name}-reset-after-seconds`);
    const reset = at !== undefined ? at - now : after;
    if (reset === undefined) return [];
    const used = headerNumber(headers, `x-codex-${name}-used-percent`) ?? 0;
    return [{ used, reset: Math.max(0, reset) }];
  });
  const exhausted = windows.filter((w) => w.used >= 100);
  if (exhausted.length) return Math.max(...exhausted.map((w) => w.reset));
  if (windows.length) return Math.min(...windows.map((w) => w.reset));
  return undefined;
}

/** Seconds until Codex takes requests again: the error's own hint first. */
function resetSeconds(
  error: Record<string, any>,
  headers: Headers,
): number | undefined {
  if (typeof error.resets_at === 'number') {
    return Math.max(0, error.resets_at - Date.now() / 1000);
  }
  if (typeof error.resets_in_seconds === 'number') {
    return Math.max(0, error.resets_in_seconds);
  }
  return windowResetSeconds(headers);
}

function usageLimitMessage(
  error: Record<string, any>,
  headers: Headers,
): string {
  const plan = typeof error.plan_type === 'string' ? error.plan_type : '';
  const seconds = resetSeconds(error, headers);
  const head = `Codex usage limit reached${plan ? ` for your ChatGPT ${plan} plan` : ''}.`;
  const tail =
    'or switch to Claude meanwhile with AGENT_PROVIDER=claude in .env.';
  if (seconds === undefined) {
    return `${head} Send your message again once it resets, ${tail}`;
  }
  const when = new Date(Date.now() + seconds * 1000)
    .toISOString()
    .slice(0, 16)
    .replace('T', ' ');
  return `${head} It resets in ${describeDuration(seconds)} (around ${when} UTC); send your message again then, ${tail}`;
}

/** A usage or plan error, whether it came as an HTTP 429 or a failed event. */
function planFailure(
  error: Record<string, any>,
  headers: Headers,
): ProviderError | undefined {
  // The 429 body names it in `type`, a failed event in `code`.
  const kinds = [error.type, error.code];
  if (kinds.includes('usage_limit_reached')) {
    return new ProviderError(usageLimitMessage(error, headers));
  }
  if (kinds.includes('usage_not_included')) {
    return new ProviderError(USAGE_NOT_INCLUDED);
  }
  if (error.code === 'insufficient_quota') {
    return new ProviderError(
      "Codex refused: the account's quota is used up (insufficient_quota). " +
        'Switch to Claude meanwhile with AGENT_PROVIDER=claude in .env.',
    );
  }
  return undefined;
}

function badRequest(
  detail: string,
  error: Record<string, any>,
  settings: Settings,
): Error | undefined {
  if (
    error.code === 'context_length_exceeded' ||
    /context[_ ](length|window)/i.test(detail)
  ) {
    return new ContextTooLongError(`${CONTEXT_TOO_LONG} ${detail}`);
  }
  if (
    error.param === 'reasoning.effort' ||
    /reasoning[._ ]effort/i.test(detail)
  ) {
    return new EffortRejectedError(settings, detail);
  }
  if (MODEL_REJECTED.test(detail) || error.code === 'model_not_found') {
    return new ModelRejectedError(settings.model, detail);
  }
  return undefined;
}

/** An answer that is not a 200 stream, as the error to throw. */
export function httpFailure(
  status: number,
  headers: Headers,
  bodyText: string,
  settings: Settings,
): Error {
  if (isBotProtectionPage(status, headers.get('content-type'), bodyText)) {
    return new ProviderError(BOT_PROTECTION);
  }
  const { detail, body } = serverDetail(bodyText);
  const error = asRecord(body.error);
  const said = detail ? `: ${detail}` : '';
  if (status === 401) {
    return new ProviderError(
      `Codex rejected the sign-in (HTTP 401${said}): the access token has expired or was revoked. ` +
        `On the NanoClaw host run \`${AUTH_COMMAND}\` to sign in again, then send your message again.`,
    );
  }
  if (status === 429) {
    return (
      planFailure(error, headers) ??
      new RetryableError(
        `Codex is limiting requests (HTTP 429${said}). Wait a minute, then send your message again.`,
        'Codex answered HTTP 429',
        retryAfterMs(headers),
      )
    );
  }
  if (status >= 500) {
    return new RetryableError(
      `Codex is having trouble (HTTP ${status}${said}). Try again in a few minutes.`,
      `Codex answered HTTP ${status}`,
      retryAfterMs(headers),
    );
  }
  return (
    (status === 400 && badRequest(detail, error, settings)) ||
    new ProviderError(
      `Codex rejected the request (HTTP ${status}${said}). ` +
        `Model ${settings.model}, reasoning effort ${describeEffort(settings)}: check CODEX_MODEL and CODEX_REASONING_EFFORT in .env.`,
    )
  );
}

/** "Please try again in 11.054s" in a rate-limit message, as milliseconds. */
function delayFromMessage(message: string): number | undefined {
  const match = /try again in\s*(\d+(?:\.\d+)?)\s*(ms|s|seconds?)\b/i.exec(
    message,
  );
  if (!match) return undefined;
  const value = Number(match[1]);
  return match[2].toLowerCase() === 'ms' ? value : value * 1000;
}

/** The error of a `response.failed` (or `error`) event, as the error to throw. */
export function streamFailure(
  error: Record<string, any>,
  headers: Headers,
  settings: Settings,
): Error {
  const code = typeof error.code === 'string' ? error.code : '';
  const message = typeof error.message === 'string' ? error.message : '';
  const said = `${message || 'the response failed'}${code ? ` (${code})` : ''}`;
  if (code === 'context_length_exceeded') {
    return new ContextTooLongError(`${CONTEXT_TOO_LONG} ${message}`.trim());
  }
  const plan = planFailure(error, headers);
  if (plan) return plan;
  if (MODEL_REJECTED.test(message)) {
    return new ModelRejectedError(settings.model, message);
  }
  if (!code || RETRYABLE_CODE.test(code)) {
    return new RetryableError(
      `Codex could not finish the answer: ${said}. Send your message again.`,
      `Codex reported ${code || 'a failed response'}`,
      delayFromMessage(message),
    );
  }
  return new ProviderError(`Codex could not finish the answer: ${said}.`);
}
