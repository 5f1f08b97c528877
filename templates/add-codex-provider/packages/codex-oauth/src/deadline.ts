/**
 * The time limit of a login: a signal that aborts with a timeout error, and a
 * promise that rejects when it does, to race against whatever the login waits on.
 */
import { CodexAuthError } from './errors.js';

/** A signal that aborts with a timeout error after `ms`; never, when `ms` is undefined. */
export function abortAfter(ms: number | undefined): {
  signal: AbortSignal;
  cancel(): void;
} {
  const controller = new AbortController();
  if (ms === undefined) return { signal: controller.signal, cancel() {} };
  const timer = setTimeout(
    () =>
      controller.abort(
        new CodexAuthError(
          'timeout',
          `No sign-in arrived within ${describeDuration(ms)}, so the login was stopped. Run it again when you are ready.`,
        ),
      ),
    ms,
  );
  return { signal: controller.signal, cancel: () => clearTimeout(timer) };
}

export function rejectOnAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), {
      once: true,
    });
  });
}

function describeDuration(ms: number): string {
  if (ms % 60_000 === 0)
    return `${ms / 60_000} minute${ms === 60_000 ? '' : 's'}`;
  if (ms >= 1000) return `${Math.round(ms / 1000)} seconds`;
  return `${ms} ms`;
}
