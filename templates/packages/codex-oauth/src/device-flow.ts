/**
 * Device-code sign-in, for machines without a browser or a reachable localhost:
 * the user types a short code at {issuer}/codex/device on any device.
 */
import { CLIENT_ID } from './config.js';
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

const MIN_INTERVAL_MS = 50;
const DEFAULT_INTERVAL_MS = 5000;

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
  const seconds = Number(body.interval);
  return {
    deviceAuthId,
    userCode,
    verificationUrl: `${issuer}/codex/device`,
    intervalMs:
      Number.isFinite(seconds) && seconds >= 0
        ? Math.max(MIN_INTERVAL_MS, seconds * 1000)
        : DEFAULT_INTERVAL_MS,
  };
}

/** Poll until the user has entered the code; 403/404 mean "not yet". */
export async function pollDeviceGrant(
  issuer: string,
  device: DeviceCode,
  signal: AbortSignal,
): Promise<DeviceGrant> {
  for (;;) {
    signal.throwIfAborted();
    const reply = await postJson(`${issuer}/api/accounts/deviceauth/token`, {
      device_auth_id: device.deviceAuthId,
      user_code: device.userCode,
    });
    if (reply.status === 200) {
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
    if (reply.status !== 403 && reply.status !== 404) {
      throw new CodexAuthError(
        'device_auth',
        `The device-code sign-in failed: ${issuer} answered HTTP ${reply.status}. Run the login again.`,
      );
    }
    await sleep(device.intervalMs, signal);
  }
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
