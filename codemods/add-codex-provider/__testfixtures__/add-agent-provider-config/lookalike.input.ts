import { readEnvFile } from './env.js';

// Settings are read under another name: not the `envConfig` the skill edits.
const settings = readEnvFile(['ASSISTANT_NAME', 'ASSISTANT_HAS_OWN_NUMBER']);

export const ASSISTANT_NAME =
  process.env.ASSISTANT_NAME || settings.ASSISTANT_NAME || 'Andy';
