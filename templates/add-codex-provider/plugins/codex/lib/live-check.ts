/**
 * The live check: one tiny streamed answer with the stored sign-in, sent the
 * way a container run sends it and timed to its first token. It proves what a
 * sign-in alone cannot: that the backend takes this account, this model and
 * this effort from this machine.
 */
import {
  defaultModel,
  findModel,
  type Catalog,
} from '../container/provider-codex/catalog.js';
import {
  clientVersion,
  codexHeaders,
  modelsUrl,
  type CodexCredentials,
} from '../container/provider-codex/identity.js';
import {
  describeHttpFailure,
  describeNetworkFailure,
  describeRefusal,
  fixes,
  type Failure,
  type FailureContext,
} from './failures.js';
import { refreshCatalog, resolveModel, visibleSlugs } from './models.js';
import { responsesUrl, SETUP_COMMAND, type CodexSettings } from './settings.js';
import { readFirstToken } from './sse.js';

export const LIVE_CHECK_TIMEOUT_MS = 30_000;

export interface LiveCheckOptions {
  /** Usable credentials; codex-oauth refreshes them first when they expire. */
  getCredentials(): Promise<CodexCredentials>;
  settings: CodexSettings;
  /** Where the catalog it fetches is cached for the next container run. */
  dataDir: string;
  timeoutMs?: number;
  fetchImpl?: typeof fetch;
}

export type LiveCheckResult =
  | { ok: true; model: string; firstTokenMs: number }
  | ({ ok: false; model?: string } & Failure);

interface Check {
  options: LiveCheckOptions;
  url: string;
  credentials: CodexCredentials;
  deadline: number;
}

export async function runLiveCheck(
  options: LiveCheckOptions,
): Promise<LiveCheckResult> {
  const deadline = Date.now() + (options.timeoutMs ?? LIVE_CHECK_TIMEOUT_MS);
  const url = responsesUrl(options.settings);
  let credentials: CodexCredentials;
  try {
    credentials = await options.getCredentials();
  } catch (err) {
    return { ok: false, ...signInFailure(err, url) };
  }
  const check: Check = { options, url, credentials, deadline };
  const catalog = await fetchForCheck(check);
  if ('error' in catalog) return { ok: false, ...catalog };
  const run = resolveModel(catalog, options.settings);
  if ('error' in run) {
    return {
      ok: false,
      model: options.settings.model || undefined,
      ...configFailure(catalog, options.settings, run.error, url),
    };
  }
  const answer = await streamOnce(
    check,
    run,
    failureContext(catalog, url, run.model),
  );
  return 'error' in answer
    ? { ok: false, model: run.model, ...answer }
    : { ok: true, model: run.model, firstTokenMs: answer.firstTokenMs };
}

function signInFailure(err: unknown, url: string): Failure {
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: unknown })?.code;
  if (code === 'network') return { error: message, fix: fixes.network(url) };
  return {
    error: message,
    fix: code === 'not_logged_in' ? `Sign in: ${SETUP_COMMAND}` : fixes.signIn,
  };
}

const remaining = (deadline: number) => Math.max(1_000, deadline - Date.now());

interface Recorded {
  response?: Response;
  body?: Promise<string>;
  thrown?: unknown;
}

/** A fetch that keeps what happened, since the catalog's error keeps only a message. */
function recorder(doFetch: typeof fetch) {
  const seen: Recorded = {};
  const recording: typeof fetch = async (input, init) => {
    try {
      const response = await doFetch(input, init);
      seen.response = response;
      seen.body = response
        .clone()
        .text()
        .catch(() => '');
      return response;
    } catch (err) {
      seen.thrown = err;
      throw err;
    }
  };
  return { recording, seen };
}

/** A fresh catalog, or what the failed request says went wrong. */
async function fetchForCheck(check: Check): Promise<Catalog | Failure> {
  const { options, url } = check;
  const version = clientVersion({
    CODEX_CLIENT_VERSION: options.settings.clientVersion,
  });
  const { recording, seen } = recorder(options.fetchImpl ?? fetch);
  try {
    return await refreshCatalog(options.dataDir, {
      responsesUrl: url,
      clientVersion: version,
      credentials: check.credentials,
      timeoutMs: remaining(check.deadline),
      fetchImpl: recording,
    });
  } catch (err) {
    const { response, body, thrown } = seen;
    if (response && response.status !== 200) {
      const context = { url, visibleModels: [], efforts: [] };
      const text = (await body) ?? '';
      return describeHttpFailure(
        response.status,
        response.headers,
        text,
        context,
      );
    }
    if (response) return { error: errorMessage(err), fix: fixes.later };
    const timedOut = (thrown as Error | undefined)?.name === 'TimeoutError';
    const limit = options.timeoutMs ?? LIVE_CHECK_TIMEOUT_MS;
    const failure = describeNetworkFailure(
      thrown ?? err,
      modelsUrl(url, version),
      timedOut,
      limit,
    );
    // The fix names CODEX_API_URL, which is the responses URL.
    return { ...failure, fix: fixes.network(url) };
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function failureContext(
  catalog: Catalog,
  url: string,
  slug: string,
): FailureContext {
  const model = findModel(catalog, slug);
  return {
    url,
    visibleModels: visibleSlugs(catalog),
    efforts: model?.efforts ?? [],
    defaultEffort: model?.defaultEffort,
  };
}

/** The settings do not fit the catalog: a bad effort, else a model it lacks. */
function configFailure(
  catalog: Catalog,
  settings: CodexSettings,
  error: string,
  url: string,
): Failure {
  const model = settings.model
    ? findModel(catalog, settings.model)
    : defaultModel(catalog);
  const context = failureContext(catalog, url, model?.slug ?? '');
  if (model && settings.effort) {
    return { error, fix: fixes.effort(model.efforts, model.defaultEffort) };
  }
  return { error, fix: fixes.model(context.visibleModels) };
}

function requestBody(run: { model: string; effort: string }) {
  return {
    model: run.model,
    instructions:
      'You are answering a connection check. Reply with the single word OK.',
    input: [
      {
        type: 'message',
        role: 'user',
        content: [{ type: 'input_text', text: 'Reply with OK.' }],
      },
    ],
    store: false,
    stream: true,
    ...(run.effort ? { reasoning: { effort: run.effort } } : {}),
  };
}

async function streamOnce(
  check: Check,
  run: { model: string; effort: string },
  context: FailureContext,
): Promise<{ firstTokenMs: number } | Failure> {
  const controller = new AbortController();
  const budget = remaining(check.deadline);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, budget);
  const started = performance.now();
  try {
    const response = await (check.options.fetchImpl ?? fetch)(check.url, {
      method: 'POST',
      headers: {
        ...codexHeaders(check.credentials),
        accept: 'text/event-stream',
        'content-type': 'application/json',
      },
      body: JSON.stringify(requestBody(run)),
      signal: controller.signal,
    });
    if (!response.ok) {
      const text = await response.text().catch(() => '');
      return describeHttpFailure(
        response.status,
        response.headers,
        text,
        context,
      );
    }
    const first = await readFirstToken(response);
    if ('failed' in first) {
      const refusal = describeRefusal(first.failed, context);
      return { ...refusal, error: `Codex could not answer: ${first.failed}` };
    }
    if ('ended' in first) {
      return {
        error: 'the answer stream ended before any text arrived',
        fix: fixes.later,
      };
    }
    return { firstTokenMs: Math.round(performance.now() - started) };
  } catch (err) {
    const limit = check.options.timeoutMs ?? LIVE_CHECK_TIMEOUT_MS;
    return describeNetworkFailure(err, check.url, timedOut, limit);
  } finally {
    clearTimeout(timer);
    // Only the first token matters: stop the answer there.
    controller.abort();
  }
}
