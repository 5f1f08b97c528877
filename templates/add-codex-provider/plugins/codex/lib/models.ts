/**
 * The model catalog on the host: fetched with the stored sign-in, cached in
 * data/codex-models.json, and turned into the model and effort a run gets.
 *
 * The Codex CLI keeps its catalog for five minutes; the host asks before every
 * container run, so a day keeps that cheap while new models still show up. A
 * pinned model the cache does not list triggers a fetch at once: it may have
 * been released since.
 */
import fs from 'fs';
import path from 'path';

import {
  defaultModel,
  fetchCatalog,
  findModel,
  resolveEffort,
  visibleModels,
  type Catalog,
  type CatalogModel,
} from '../container/provider-codex/catalog.js';
import {
  modelsUrl,
  type CodexCredentials,
} from '../container/provider-codex/identity.js';

export const CACHE_FILE = 'codex-models.json';
export const CACHE_TTL_MS = 24 * 60 * 60 * 1000;

export interface CatalogSource {
  responsesUrl: string;
  clientVersion: string;
  credentials: CodexCredentials;
  timeoutMs?: number;
  fetchImpl?: typeof fetch;
}

interface CacheFile {
  fetchedAt: number;
  /** The same moment, for people reading the file. */
  fetchedAtIso: string;
  /** The models URL it came from: another endpoint or client version lists other models. */
  source: string;
  models: CatalogModel[];
}

const cachePath = (dataDir: string) => path.join(dataDir, CACHE_FILE);

export function readCachedCatalog(
  dataDir: string,
  source: string,
): Catalog | undefined {
  let data: Partial<CacheFile>;
  try {
    data = JSON.parse(fs.readFileSync(cachePath(dataDir), 'utf-8'));
  } catch {
    return undefined; // missing or damaged: the backend is asked again
  }
  if (
    data.source !== source ||
    typeof data.fetchedAt !== 'number' ||
    !Array.isArray(data.models)
  ) {
    return undefined;
  }
  return { models: data.models, fetchedAt: data.fetchedAt };
}

function writeCachedCatalog(
  dataDir: string,
  source: string,
  catalog: Catalog,
): void {
  const file = cachePath(dataDir);
  const data: CacheFile = {
    fetchedAt: catalog.fetchedAt,
    fetchedAtIso: new Date(catalog.fetchedAt).toISOString(),
    source,
    models: catalog.models,
  };
  try {
    fs.mkdirSync(dataDir, { recursive: true });
    // Renamed into place, so a concurrent reader never sees half a file.
    const temp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temp, `${JSON.stringify(data, null, 2)}\n`);
    fs.renameSync(temp, file);
  } catch {
    // The cache only saves requests; a read-only data folder must not stop a run.
  }
}

const inFlight = new Map<string, Promise<Catalog>>();

/** Fetch the catalog now and cache it; concurrent callers share one request. */
export function refreshCatalog(
  dataDir: string,
  source: CatalogSource,
): Promise<Catalog> {
  const url = modelsUrl(source.responsesUrl, source.clientVersion);
  const key = `${cachePath(dataDir)} ${url}`;
  let running = inFlight.get(key);
  if (!running) {
    running = fetchCatalog(source)
      .then((catalog) => {
        writeCachedCatalog(dataDir, url, catalog);
        return catalog;
      })
      .finally(() => inFlight.delete(key));
    inFlight.set(key, running);
  }
  return running;
}

export interface LoadOptions {
  /** The model the user pinned: a cache that does not list it is refreshed. */
  pinned?: string;
  /** Ask the backend even when the cache is fresh. */
  refresh?: boolean;
  now?: number;
}

export interface LoadedCatalog {
  catalog?: Catalog;
  origin: 'cache' | 'backend' | 'stale cache' | 'none';
  /** Why the backend could not be asked, when it could not. */
  problem?: string;
}

function isFresh(catalog: Catalog, now: number): boolean {
  const age = now - catalog.fetchedAt;
  return age >= 0 && age < CACHE_TTL_MS;
}

/** The cached catalog while it is fresh and answers the question; else the backend's. */
export async function loadCatalog(
  dataDir: string,
  source: CatalogSource,
  options: LoadOptions = {},
): Promise<LoadedCatalog> {
  const url = modelsUrl(source.responsesUrl, source.clientVersion);
  const cached = readCachedCatalog(dataDir, url);
  const listsPinned = (catalog: Catalog) =>
    !options.pinned || Boolean(findModel(catalog, options.pinned));
  if (
    cached &&
    !options.refresh &&
    isFresh(cached, options.now ?? Date.now()) &&
    listsPinned(cached)
  ) {
    return { catalog: cached, origin: 'cache' };
  }
  try {
    return {
      catalog: await refreshCatalog(dataDir, source),
      origin: 'backend',
    };
  } catch (err) {
    const problem = err instanceof Error ? err.message : String(err);
    // An older list beats none, unless it cannot judge the pinned model.
    if (cached && listsPinned(cached)) {
      return { catalog: cached, origin: 'stale cache', problem };
    }
    return { origin: 'none', problem };
  }
}

export interface RunModel {
  model: string;
  /** The model came from the user's CODEX_MODEL, not from the catalog's order. */
  pinned: boolean;
  /** '' leaves the effort to the backend. */
  effort: string;
}

/**
 * The model and effort a run gets, or why the settings cannot work. Without a
 * catalog (offline) the settings pass as written and the container asks itself.
 */
export function resolveModel(
  catalog: Catalog | undefined,
  settings: { model: string; effort: string },
): RunModel | { error: string } {
  const pinned = Boolean(settings.model);
  if (!catalog) {
    return { model: settings.model, pinned, effort: settings.effort };
  }
  const model = pinned
    ? findModel(catalog, settings.model)
    : defaultModel(catalog);
  if (!model) {
    return {
      error: pinned ? notOffered(catalog, settings.model) : noModels(catalog),
    };
  }
  const effort = resolveEffort(model, settings.effort || undefined);
  if ('error' in effort) return { error: effort.error };
  return { model: model.slug, pinned, effort: effort.effort ?? '' };
}

export function visibleSlugs(catalog: Catalog): string[] {
  return visibleModels(catalog).map((model) => model.slug);
}

function notOffered(catalog: Catalog, slug: string): string {
  const slugs = visibleSlugs(catalog);
  return (
    `CODEX_MODEL "${slug}" is not offered to this ChatGPT account. ` +
    `Available: ${slugs.join(', ') || 'none'}. Set CODEX_MODEL in .env to one of them ` +
    `(then copy .env to data/env/env), or remove the line to use Codex's default` +
    `${slugs[0] ? ` (now ${slugs[0]})` : ''}.`
  );
}

function noModels(catalog: Catalog): string {
  const hidden = catalog.models.length;
  return (
    `The Codex model list offers no model to this ChatGPT account${hidden ? ` (${hidden} hidden)` : ''}. ` +
    'Set CODEX_MODEL in .env to a model you know works, or CODEX_CLIENT_VERSION to the newest Codex CLI version.'
  );
}
