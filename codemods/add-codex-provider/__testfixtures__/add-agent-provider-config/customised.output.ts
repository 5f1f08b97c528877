import path from 'path';

import { readEnvFile } from './env.js';
import { parseBoolean } from './util.js';

// Read config values from .env (falls back to process.env).
const envConfig = readEnvFile([
  'ASSISTANT_NAME',
  'ASSISTANT_HAS_OWN_NUMBER',
  'TELEGRAM_ONLY',
  'MAX_GROUPS',
  'AGENT_PROVIDER',
]);
// Feature flags live in their own .env keys, read separately on purpose.
const featureFlags = readEnvFile(['FEATURE_VOICE', 'FEATURE_IMAGES']);

export const ASSISTANT_NAME =
  process.env.ASSISTANT_NAME || envConfig.ASSISTANT_NAME || 'Andy';
export const TELEGRAM_ONLY = parseBoolean(envConfig.TELEGRAM_ONLY);
export const MAX_GROUPS = parseInt(envConfig.MAX_GROUPS || '10', 10);
export const FEATURE_VOICE = featureFlags.FEATURE_VOICE === 'true';

export function reloadAssistantName(): string {
  const envConfig = readEnvFile(['ASSISTANT_NAME']);
  return envConfig.ASSISTANT_NAME || ASSISTANT_NAME;
}

export const DATA_DIR = path.resolve(process.cwd(), 'data');
// Keep this list in sync with .env.example.

// Which LLM runs the agents: 'claude' (built in) or a plugin in plugins/<name>/.
export type AgentProvider = 'claude' | 'codex';
export const AGENT_PROVIDER: AgentProvider = (process.env.AGENT_PROVIDER ||
  envConfig.AGENT_PROVIDER ||
  'claude') as AgentProvider;
