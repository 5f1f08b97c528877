/**
 * Device-code sign-in, for machines without a browser or a reachable localhost:
 * the user types a short code at {issuer}/codex/device on any device.
 */
import { CLIENT_ID, DEVICE_CODE_LIFETIME_MS } from './config.js';
import { CodexAuthError } from './errors.js';
import { postJson, type HttpReply } from './http.js';

export interface DeviceCode {
  deviceAuthId: string;
  userCode: string;
  verificationUrl: string;
  intervalMs: number;
}

export interface DeviceGrant {
  authorizationCode: string;
  codeVerifier: string;
  redirectUri: string;
}

/** Never poll more often than this, whatever interval the issuer names. */
export const MIN_POLL_INTERVAL_MS = 1000;
/** When the issuer names no usable interval. */
const DEFAULT_INTERVAL_MS = 5000;

/** Time as the poll loop sees it; tests pass a fake one instead of waiting minutes. */
export interface PollClock {
  now(): number;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

const systemClock: PollClock = { now: () => Date.now(), sleep };

export async function requestDeviceCode(
  issuer: string,
  clientId = CLIENT_ID,
): Promise<DeviceCode> {
  const reply = await postJson(`${issuer}/api/accounts/deviceauth/usercode`, {
    client_id: clientId,
  });
  if (reply.status === 404) {
    throw new CodexAuthError(
      'device_auth',
      `Device-code sign-in is not available from ${issuer} (HTTP 404). Sign in without --device-auth, or with --no-browser and paste the final address.`,
    );
  }
  const body = bodyOf(reply);
  const deviceAuthId = body.device_auth_id;
  const userCode = body.user_code ?? body.usercode;
  if (
    reply.status !== 200 ||
    typeof deviceAuthId !== 'string' ||
    typeof userCode !== 'string'
  ) {
    throw new CodexAuthError(
      'device_auth',
      `Could not start device-code sign-in: ${issuer} answered HTTP ${reply.status} without a device code.`,
    );
  }
  return {
    deviceAuthId,
    userCode,
    verificationUrl: `${issuer}/codex/device`,
    intervalMs: pollIntervalMs(body.interval),
  };
}

/** The issuer's interval (seconds; the real one sends a string such as "5"), at least 1 s. */
export function pollIntervalMs(interval: unknown): number {
  const seconds =
    typeof interval === 'string' && interval.trim()
      ? Number(interval)
      : interval;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0)
    return DEFAULT_INTERVAL_MS;
  return Math.max(MIN_POLL_INTERVAL_MS, seconds * 1000);
}

/**
 * Poll until the user has entered the code (403/404 mean "not yet"), one poll
 * per interval, and give up when the code expires 15 minutes after polling began.
 */
export async function pollDeviceGrant(
  issuer: string,
  device: DeviceCode,
  signal: AbortSignal,
  clock: PollClock = systemClock,
): Promise<DeviceGrant> {
  const deadline = clock.now() + DEVICE_CODE_LIFETIME_MS;
  for (;;) {
    signal.throwIfAborted();
    const reply = await postJson(`${issuer}/api/accounts/deviceauth/token`, {
      device_auth_id: device.deviceAuthId,
      user_code: device.userCode,
    });
    if (reply.status === 200) return grantFrom(reply, issuer);
    if (reply.status !== 403 && reply.status !== 404) {
      throw new CodexAuthError(
        'device_auth',
        `The device-code sign-in failed: ${issuer} answered HTTP ${reply.status}. Run the login again.`,
      );
    }
    const remaining = deadline - clock.now();
    if (remaining <= 0) throw deviceCodeExpired();
    // The last wait is cut short so the final poll lands on the deadline.
    await clock.sleep(Math.min(device.intervalMs, remaining), signal);
  }
}

function grantFrom(reply: HttpReply, issuer: string): DeviceGrant {
  const body = bodyOf(reply);
  if (
    typeof body.authorization_code !== 'string' ||
    typeof body.code_verifier !== 'string'
  ) {
    throw new CodexAuthError(
      'device_auth',
      'The device-code sign-in finished without an authorization code. Run the login again.',
    );
  }
  return {
    authorizationCode: body.authorization_code,
    codeVerifier: body.code_verifier,
    redirectUri: `${issuer}/deviceauth/callback`,
  };
}

function deviceCodeExpired(): CodexAuthError {
  return new CodexAuthError(
    'timeout',
    `The code was not entered within ${DEVICE_CODE_LIFETIME_MS / 60_000} minutes, so it has expired. Run the login again for a new code.`,
  );
}

function bodyOf(reply: HttpReply): Record<string, unknown> {
  return reply.json && typeof reply.json === 'object'
    ? (reply.json as Record<string, unknown>)
    : {};
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
