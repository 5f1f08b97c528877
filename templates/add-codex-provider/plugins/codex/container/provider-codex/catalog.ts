/**
 * The model catalog the Codex backend serves at `.../codex/models`: which models
 * this ChatGPT account may use, in which order, with which reasoning efforts.
 *
 * Models come and go every few months, so nothing here lists them: the host
 * caches the catalog, and the container asks again when a model is rejected.
 */
import {
  codexHeaders,
  isBotProtectionPage,
  modelsUrl,
  type CodexCredentials,
} from './identity.js';

export interface CatalogModel {
  slug: string;
  /** 'list' shows in pickers; 'hide' still works when named. */
  visibility: string;
  /** Lower comes first. */
  priority: number;
  defaultEffort?: string;
  efforts: string[];
  displayName?: string;
  description?: string;
}

export interface Catalog {
  models: CatalogModel[];
  /** Epoch milliseconds. */
  fetchedAt: number;
}

export class CatalogError extends Error {}

function asRecord(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function toModel(raw: unknown): CatalogModel | undefined {
  const entry = asRecord(raw);
  if (typeof entry.slug !== 'string' || !entry.slug) return undefined;
  const levels = Array.isArray(entry.supported_reasoning_levels)
    ? entry.supported_reasoning_levels
    : [];
  return {
    slug: entry.slug,
    visibility:
      typeof entry.visibility === 'string' ? entry.visibility : 'list',
    priority: typeof entry.priority === 'number' ? entry.priority : 1000,
    defaultEffort:
      typeof entry.default_reasoning_level === 'string'
        ? entry.default_reasoning_level
        : undefined,
    efforts: levels
      .map((level) => asRecord(level).effort)
      .filter((effort): effort is string => typeof effort === 'string'),
    displayName:
      typeof entry.display_name === 'string' ? entry.display_name : undefined,
    description:
      typeof entry.description === 'string' ? entry.description : undefined,
  };
}

/** Parse the backend's `{ "models": [...] }`; entries without a slug are skipped. */
export function parseCatalog(body: unknown, fetchedAt = Date.now()): Catalog {
  const models = asRecord(body).models;
  if (!Array.isArray(models)) {
    throw new CatalogError('the model list is not of the expected shape');
  }
  return {
    models: models
      .map(toModel)
      .filter((model): model is CatalogModel => Boolean(model)),
    fetchedAt,
  };
}

/** The models a person may pick from, best first. */
export function visibleModels(catalog: Catalog): CatalogModel[] {
  return catalog.models
    .filter((model) => model.visibility === 'list')
    .sort((a, b) => a.priority - b.priority || a.slug.localeCompare(b.slug));
}

export function findModel(
  catalog: Catalog,
  slug: string,
): CatalogModel | undefined {
  return catalog.models.find((model) => model.slug === slug);
}

/** The first visible model by priority: what Codex picks with no preference. */
export function defaultModel(catalog: Catalog): CatalogModel | undefined {
  return visibleModels(catalog)[0];
}

/**
 * The effort to send: the user's if the model lists it, else the model's own
 * default. An effort the model does not list is an error naming the allowed ones.
 */
export function resolveEffort(
  model: CatalogModel,
  requested: string | undefined,
): { effort?: string } | { error: string } {
  if (requested) {
    if (!model.efforts.length || model.efforts.includes(requested)) {
      return { effort: requested };
    }
    return {
      error: `CODEX_REASONING_EFFORT "${requested}" is not offered for ${model.slug}. Use one of: ${model.efforts.join(', ')} (or leave it unset for the model's default, ${model.defaultEffort ?? 'chosen by Codex'}).`,
    };
  }
  return { effort: model.defaultEffort };
}

export interface FetchCatalogOptions {
  responsesUrl: string;
  credentials: CodexCredentials;
  clientVersion?: string;
  timeoutMs?: number;
  fetchImpl?: typeof fetch;
}

/** GET the catalog; every failure is a CatalogError with a reason a person can act on. */
export async function fetchCatalog(
  options: FetchCatalogOptions,
): Promise<Catalog> {
  const url = modelsUrl(options.responsesUrl, options.clientVersion);
  const doFetch = options.fetchImpl ?? fetch;
  let response: Response;
  try {
    response = await doFetch(url, {
      method: 'GET',
      headers: {
        ...codexHeaders(options.credentials),
        accept: 'application/json',
      },
      signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
    });
  } catch (err) {
    throw new CatalogError(
      `could not reach ${url}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  const text = await response.text().catch(() => '');
  if (
    isBotProtectionPage(
      response.status,
      response.headers.get('content-type'),
      text,
    )
  ) {
    throw new CatalogError(
      "blocked by the backend's bot protection (HTTP 403 with an HTML page)",
    );
  }
  if (!response.ok) {
    throw new CatalogError(
      `the model list answered HTTP ${response.status}${text ? `: ${text.trim().slice(0, 300)}` : ''}`,
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new CatalogError('the model list is not JSON');
  }
  return parseCatalog(body);
}
