/**
 * What one container run needs to know. The host passes its settings with the
 * secrets on stdin; the environment is a fallback, so tests can set them too.
 * The timing knobs are environment only: they are for tests and operators.
 *
 * NanoClaw releases that keep every secret out of containers send no token:
 * the host runs a Codex relay instead and gives this run its address and a key
 * of its own (CODEX_RELAY_URL, CODEX_RELAY_KEY in the environment). Requests
 * then go to the relay, which signs them on the host.
 */
import path from 'path';

import {
  DEFAULT_API_URL,
  RELAY_RESPONSES_PATH,
  clientVersion,
} from './identity.js';

export interface ContainerInputLike {
  prompt: string;
  sessionId?: string;
  groupFolder: string;
  chatJid: string;
  isMain: boolean;
  isScheduledTask?: boolean;
  assistantName?: string;
  secrets?: Record<string, string>;
  provider?: string;
}

export interface Settings {
  /** The ChatGPT access token; through the relay, this run's relay key. */
  accessToken: string;
  /** '' through the relay, which adds the account itself. */
  accountId: string;
  /** The responses endpoint; the model catalog sits beside it. */
  url: string;
  /** Requests go through the host's Codex relay: no token is in this container. */
  relay: boolean;
  /** '' until resolved from the catalog (the host normally sends one). */
  model: string;
  /** The user chose the model in .env: never swap it for another. */
  modelPinned: boolean;
  /** Undefined: send no effort, so the model's own default applies. */
  effort?: string;
  clientVersion: string;
  workspace: string;
  sessionsDir: string;
  /** Where the host drops follow-up messages and `_close`. */
  ipcInputDir: string;
  maxRetryWaitMs: number;
  streamIdleTimeoutMs: number;
  idleTimeoutMs: number;
  ipcPollMs: number;
}

export const AUTH_COMMAND = 'npx tsx setup/index.ts --step codex-auth';

const DEFAULT_MAX_RETRY_WAIT_S = 60;
/** As the Codex CLI: five minutes without a byte means the stream is dead. */
const DEFAULT_STREAM_IDLE_TIMEOUT_MS = 300_000;
/** NanoClaw's own idle timeout: a session waits half an hour for more. */
const DEFAULT_IDLE_TIMEOUT_MS = 1_800_000;
const DEFAULT_IPC_POLL_MS = 500;

/** A secret the host sent (even an empty one) wins; else the environment. */
function hostSetting(input: ContainerInputLike, name: string): string {
  const secrets = input.secrets ?? {};
  const value = Object.prototype.hasOwnProperty.call(secrets, name)
    ? secrets[name]
    : process.env[name];
  return typeof value === 'string' ? value.trim() : '';
}

function envNumber(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  return Number.isFinite(value) && value >= min ? value : fallback;
}

const MISSING_CREDENTIALS =
  'Codex credentials are missing: NanoClaw has no ChatGPT sign-in to pass on. ' +
  `On the NanoClaw host run \`${AUTH_COMMAND}\`, then send your message again ` +
  '(the host log says why the credentials could not be read).';

type Endpoint = Pick<Settings, 'accessToken' | 'accountId' | 'url' | 'relay'>;

/** The relay's address and key, set by the host as docker -e arguments. */
function relayEndpoint(): Endpoint | undefined {
  const base = (process.env.CODEX_RELAY_URL ?? '').trim().replace(/\/+$/, '');
  const key = (process.env.CODEX_RELAY_KEY ?? '').trim();
  if (!base || !key) return undefined;
  return {
    accessToken: key,
    accountId: '',
    url: `${base}${RELAY_RESPONSES_PATH}`,
    relay: true,
  };
}

/** A token on stdin (the releases that pass secrets so) wins over the relay. */
function endpoint(
  setting: (name: string) => string,
): Endpoint | { error: string } {
  const accessToken = setting('CODEX_ACCESS_TOKEN');
  if (!accessToken) return relayEndpoint() ?? { error: MISSING_CREDENTIALS };
  const accountId = setting('CODEX_ACCOUNT_ID');
  if (!accountId) return { error: MISSING_CREDENTIALS };
  return {
    accessToken,
    accountId,
    url: setting('CODEX_API_URL') || DEFAULT_API_URL,
    relay: false,
  };
}

export function readSettings(
  input: ContainerInputLike,
): { settings: Settings } | { error: string } {
  const setting = (name: string) => hostSetting(input, name);
  const configError = setting('CODEX_CONFIG_ERROR');
  if (configError) return { error: configError };
  const reached = endpoint(setting);
  if ('error' in reached) return reached;

  const workspace = process.env.NANOCLAW_WORKSPACE || '/workspace';
  return {
    settings: {
      ...reached,
      model: setting('CODEX_MODEL'),
      modelPinned: setting('CODEX_MODEL_PINNED') === '1',
      effort: setting('CODEX_REASONING_EFFORT') || undefined,
      clientVersion: clientVersion({
        CODEX_CLIENT_VERSION: setting('CODEX_CLIENT_VERSION'),
      }),
      workspace,
      sessionsDir:
        process.env.NANOCLAW_CODEX_SESSIONS_DIR ||
        '/home/node/.claude/codex-sessions',
      ipcInputDir: path.join(workspace, 'ipc', 'input'),
      maxRetryWaitMs:
        1000 *
        envNumber('CODEX_MAX_RETRY_WAIT_SECONDS', DEFAULT_MAX_RETRY_WAIT_S, 0),
      streamIdleTimeoutMs: envNumber(
        'CODEX_STREAM_IDLE_TIMEOUT_MS',
        DEFAULT_STREAM_IDLE_TIMEOUT_MS,
        1,
      ),
      idleTimeoutMs: envNumber(
        'CODEX_IDLE_TIMEOUT_MS',
        DEFAULT_IDLE_TIMEOUT_MS,
        0,
      ),
      ipcPollMs: envNumber('CODEX_IPC_POLL_MS', DEFAULT_IPC_POLL_MS, 1),
    },
  };
}

/** For the log and error messages: what effort is in force. */
export function describeEffort(settings: Settings): string {
  return settings.effort ?? "the model's default";
}
