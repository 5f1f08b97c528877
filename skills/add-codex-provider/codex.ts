/**
 * What this skill knows about Codex and the NanoClaw it edits: the provider
 * switch in .env, the model pin, where the sign-in is kept, and the setup
 * step (setup/index.ts --step codex-auth, which the skill's codemod
 * registers) that signs the user in.
 */
export interface CodexOptions {
  target?: string;
  yes?: boolean;
  json?: boolean;
  restart?: boolean;
  skipAuth?: boolean;
  /** Run the sign-in step even without a terminal (it opens or prints the URL). */
  auth?: boolean;
  reauth?: boolean;
  browser?: boolean;
  deviceAuth?: boolean;
  /** Model to pin (validated against the account's catalog after sign-in). */
  model?: string;
  provider?: 'codex' | 'claude';
  purgeTokens?: boolean;
}

export const PROVIDER = {
  name: 'codex',
  /** The .env key that selects the provider. */
  envKey: 'AGENT_PROVIDER',
  /** The .env key that pins a model, set when the user picks one. */
  modelEnvKey: 'CODEX_MODEL',
  /** Default token file: `~/...` in the user's home, else relative to the checkout. */
  tokenFile: '~/.config/nanoclaw/codex-tokens.json',
  /** Environment (or .env) variable that overrides tokenFile. */
  tokenFileEnv: 'CODEX_TOKEN_FILE',
  /** Where earlier versions kept the tokens, inside the checkout. */
  legacyTokenFile: 'data/codex-tokens.json',
} as const;

/** The setup step (setup/index.ts --step NAME) that signs the user in. */
export const AUTH_STEP = 'codex-auth';

export const setupCommand = (step: string) =>
  `npx tsx setup/index.ts --step ${step}`;

/** The parsed command line, as this skill reads it. */
export function codexOptions(
  options: Readonly<Record<string, unknown>>,
): CodexOptions {
  const model = options.model;
  return {
    ...(options as CodexOptions),
    model: typeof model === 'string' ? model.trim() : undefined,
  };
}
