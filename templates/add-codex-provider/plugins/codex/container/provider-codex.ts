/**
 * Container side of the Codex provider: answers NanoClaw messages with OpenAI
 * Codex, signed in with a ChatGPT subscription.
 *
 * The plugin loader copies this file and the provider-codex/ folder next to the
 * agent runner's index.ts on every run; the runner compiles them and calls
 * runProvider() when the host selects provider 'codex'. Everything here stands
 * alone: Node built-ins and the global fetch only.
 */
export { runProvider } from './provider-codex/run.js';
export type { ContainerInputLike } from './provider-codex/settings.js';
