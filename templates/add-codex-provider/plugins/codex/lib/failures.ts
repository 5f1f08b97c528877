/**
 * What went wrong in a live check, and what the person should do about it.
 * Every failure carries a fix: the check exists to say how to get unstuck.
 */
import {
  DEFAULT_API_URL,
  isBotProtectionPage,
} from '../container/provider-codex/identity.js';
import { SETUP_COMMAND } from './settings.js';

export interface Failure {
  error: string;
  fix: string;
}

const CHECK_AGAIN = `${SETUP_COMMAND} --check`;

export const fixes = {
  signIn: `Sign in again: ${SETUP_COMMAND} --reauth`,
  network: (url: string) =>
    url === DEFAULT_API_URL
      ? `Check this machine's internet connection to chatgpt.com (proxy, firewall, DNS), then run ${CHECK_AGAIN}.`
      : `Check this machine's internet connection (proxy, firewall, DNS) and CODEX_API_URL in .env (now ${url}; remove the line to use ChatGPT's endpoint), then run ${CHECK_AGAIN}.`,
  bot: `This is not a sign-in or model problem. Wait a few minutes and run ${CHECK_AGAIN} again; if it persists, make sure no proxy, VPN or firewall rewrites the traffic to chatgpt.com, or try from another network.`,
  model: (slugs: string[]) =>
    `Set CODEX_MODEL in .env to one of: ${slugs.join(', ') || '(the catalog lists none)'}, or remove the line to use Codex's default${slugs[0] ? ` (now ${slugs[0]})` : ''}; then copy .env to data/env/env.`,
  effort: (efforts: string[], fallback?: string) =>
    `Set CODEX_REASONING_EFFORT in .env to one of: ${efforts.join(', ')}, or remove the line for the model's default${fallback ? ` (${fallback})` : ''}; then copy .env to data/env/env.`,
  later: `Try again in a few minutes: ${CHECK_AGAIN}.`,
};

/** What the failure analysis needs to name the alternatives. */
export interface FailureContext {
  url: string;
  visibleModels: string[];
  efforts: string[];
  defaultEffort?: string;
}

function asRecord(value: unknown): Record<string, any> {
  return value && typeof value === 'object'
    ? (value as Record<string, any>)
    : {};
}

/** The backend's own words: `{detail}` or `{error: {message}}`, else the raw text. */
function serverDetail(bodyText: string): {
  detail: string;
  error: Record<string, any>;
} {
  try {
    const body = asRecord(JSON.parse(bodyText));
    const error = asRecord(body.error);
    const detail = [body.detail, error.message, body.message].find(
      (text) => typeof text === 'string' && text,
    );
    return { detail: detail ?? '', error };
  } catch {
    return { detail: bodyText.trim().slice(0, 300), error: {} };
  }
}

/** A refusal of the request itself: the model, the effort, or something else. */
export function describeRefusal(
  detail: string,
  context: FailureContext,
): Failure {
  // Effort first: the backend names the model in effort errors too.
  if (/reasoning|effort/i.test(detail) && context.efforts.length) {
    return {
      error: detail,
      fix: fixes.effort(context.efforts, context.defaultEffort),
    };
  }
  if (/model/i.test(detail)) {
    return { error: detail, fix: fixes.model(context.visibleModels) };
  }
  return {
    error: detail,
    fix: `Check CODEX_MODEL and CODEX_REASONING_EFFORT in .env (models offered: ${context.visibleModels.join(', ') || 'see MODELS'}), then run ${CHECK_AGAIN}.`,
  };
}

function describeDuration(seconds: number): string {
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
}

/** The Codex CLI reads `error.resets_at` (epoch seconds); Retry-After is the HTTP way. */
function resetSeconds(headers: Headers, error: Record<string, any>) {
  if (typeof error.resets_in_seconds === 'number') {
    return error.resets_in_seconds;
  }
  if (typeof error.resets_at === 'number') {
    return Math.max(0, error.resets_at - Date.now() / 1000);
  }
  const retryAfter = Number(headers.get('retry-after') ?? '');
  return retryAfter > 0 ? retryAfter : undefined;
}

function describeReset(seconds: number): string {
  const at = new Date(Date.now() + seconds * 1000).toISOString();
  return `It resets in ${describeDuration(seconds)} (around ${at.slice(0, 16).replace('T', ' ')} UTC).`;
}

/** HTTP 429: a plan without Codex, a used-up allowance, or plain rate limiting. */
function describeLimit(headers: Headers, error: Record<string, any>): Failure {
  if (error.type === 'usage_not_included') {
    return {
      error: 'this ChatGPT plan does not include Codex (HTTP 429)',
      fix: `Sign in with a ChatGPT Plus or Pro account: ${fixes.signIn}`,
    };
  }
  const seconds = resetSeconds(headers, error);
  if (error.type !== 'usage_limit_reached' && seconds === undefined) {
    return {
      error: 'Codex is limiting requests (HTTP 429)',
      fix: `Wait a minute, then run ${CHECK_AGAIN} again.`,
    };
  }
  const plan = typeof error.plan_type === 'string' ? error.plan_type : '';
  const when = seconds === undefined ? 'Wait a while.' : describeReset(seconds);
  return {
    error: `Codex usage limit reached${plan ? ` for the ChatGPT ${plan} plan` : ''} (HTTP 429)`,
    fix: `${when} Run ${CHECK_AGAIN} again then, or meanwhile pick a smaller model with CODEX_MODEL.`,
  };
}

/** An HTTP answer other than 200, from the models or the responses endpoint. */
export function describeHttpFailure(
  status: number,
  headers: Headers,
  bodyText: string,
  context: FailureContext,
): Failure {
  if (isBotProtectionPage(status, headers.get('content-type'), bodyText)) {
    return {
      error:
        "blocked by the backend's bot protection (HTTP 403 with an HTML page)",
      fix: fixes.bot,
    };
  }
  const { detail, error } = serverDetail(bodyText);
  const said = detail ? `: ${detail}` : '';
  if (status === 401 || status === 403) {
    return {
      error: `Codex refused the sign-in (HTTP ${status}${said})`,
      fix: fixes.signIn,
    };
  }
  if (status === 429) return describeLimit(headers, error);
  if (status >= 500) {
    return {
      error: `Codex is having trouble (HTTP ${status}${said})`,
      fix: fixes.later,
    };
  }
  const refusal = describeRefusal(detail || `HTTP ${status}`, context);
  return {
    ...refusal,
    error: `Codex refused the request (HTTP ${status}${said})`,
  };
}

/** fetch() threw: no answer at all. */
export function describeNetworkFailure(
  err: unknown,
  url: string,
  timedOut: boolean,
  timeoutMs: number,
): Failure {
  if (timedOut) {
    return {
      error: `no answer from ${url} within ${Math.round(timeoutMs / 1000)} s`,
      fix: fixes.network(url),
    };
  }
  const cause = asRecord(asRecord(err).cause);
  const message = err instanceof Error ? err.message : String(err);
  const code = typeof cause.code === 'string' ? cause.code : '';
  const detail = typeof cause.message === 'string' ? cause.message : message;
  const said = code && !detail.includes(code) ? `${code} ${detail}` : detail;
  return {
    error: `could not reach ${url}: ${said}`,
    fix: fixes.network(url),
  };
}
