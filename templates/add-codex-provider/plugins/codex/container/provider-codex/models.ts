/**
 * Choosing the model with the backend's catalog: the default when the host
 * sent none, another one when the backend retires the one we use, and the
 * efforts a model takes when it refuses ours. No model names live here.
 */
import {
  CatalogError,
  defaultModel,
  fetchCatalog,
  findModel,
  resolveEffort,
  visibleModels,
  type Catalog,
  type CatalogModel,
} from './catalog.js';
import type { EffortRejectedError, ModelRejectedError } from './failures.js';
import { ProviderError, log } from './output.js';
import type { Settings } from './settings.js';

async function loadCatalog(settings: Settings, why: string): Promise<Catalog> {
  try {
    return await fetchCatalog({
      responsesUrl: settings.url,
      credentials: settings,
      clientVersion: settings.clientVersion,
    });
  } catch (err) {
    const reason = err instanceof CatalogError ? err.message : String(err);
    throw new ProviderError(
      `${why}, and the Codex model list could not be read (${reason}).`,
    );
  }
}

function firstVisible(catalog: Catalog, why: string): CatalogModel {
  const model = defaultModel(catalog);
  if (!model) {
    throw new ProviderError(
      `${why}, and the Codex model list offers no model to this account.`,
    );
  }
  return model;
}

function modelNames(catalog: Catalog): string {
  return visibleModels(catalog)
    .map((model) => model.slug)
    .join(', ');
}

/** The host normally sends CODEX_MODEL; without it, Codex's own default. */
export async function ensureModel(settings: Settings): Promise<void> {
  if (settings.model) return;
  const why = 'CODEX_MODEL was not set';
  const model = firstVisible(await loadCatalog(settings, why), why);
  settings.model = model.slug;
  const chosen = resolveEffort(model, settings.effort);
  settings.effort = 'effort' in chosen ? chosen.effort : model.defaultEffort;
  log(`CODEX_MODEL is not set; using the catalog's default, ${model.slug}`);
}

/**
 * The backend refused the model. Unless the user chose it, switch to the
 * catalog's default (with its default effort) for the rest of this session.
 */
export async function replaceRejectedModel(
  settings: Settings,
  rejected: ModelRejectedError,
): Promise<void> {
  const why = `Codex refused the model ${settings.model} (${rejected.detail})`;
  const catalog = await loadCatalog(settings, why);
  if (settings.modelPinned) {
    throw new ProviderError(
      `${why}. Models your ChatGPT account can use: ${modelNames(catalog) || 'none listed'}. ` +
        'Change CODEX_MODEL in .env to one of them, or remove it to let NanoClaw follow the default.',
    );
  }
  const model = firstVisible(catalog, why);
  if (model.slug === settings.model) throw rejected;
  log(
    `${why}; switching to the catalog's default ${model.slug} (reasoning ${model.defaultEffort ?? 'default'})`,
  );
  settings.model = model.slug;
  settings.effort = model.defaultEffort;
}

/** The error to show when the backend refused our reasoning effort. */
export async function explainRejectedEffort(
  settings: Settings,
  rejected: EffortRejectedError,
): Promise<ProviderError> {
  let catalog: Catalog;
  try {
    catalog = await loadCatalog(settings, 'unused');
  } catch {
    return rejected;
  }
  const model = findModel(catalog, settings.model);
  if (!model?.efforts.length) return rejected;
  const checked = resolveEffort(model, settings.effort);
  if ('error' in checked) return new ProviderError(checked.error);
  return new ProviderError(
    `${rejected.message} ${model.slug} lists: ${model.efforts.join(', ')}.`,
  );
}
