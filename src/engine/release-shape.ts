/**
 * Which NanoClaw release a checkout is, by the way it keeps secrets from its
 * containers. Decided by features, never by the version string: a checkout of
 * 2026-03-09 already runs a credential proxy and still says 1.2.11.
 *
 * - stdin-secrets: `readSecrets()` in container-runner.ts, sent to the container on stdin.
 * - credential-proxy: src/credential-proxy.ts starts a proxy that injects credentials.
 * - onecli: the @onecli-sh/sdk gateway configures each container.
 * - v2: NanoClaw 2.x, with provider registries on both sides.
 */
import fs from 'node:fs';
import path from 'node:path';

export type ReleaseShape =
  'stdin-secrets' | 'credential-proxy' | 'onecli' | 'v2' | 'unknown';

export interface ReleaseDetection {
  shape: ReleaseShape;
  /** The features that decided it, in the user's words. */
  evidence: string[];
}

export const SHAPE_NAMES: Record<ReleaseShape, string> = {
  'stdin-secrets': 'NanoClaw 1.x with secrets on stdin (up to 2026-03-08)',
  'credential-proxy':
    'NanoClaw 1.x with the credential proxy (2026-03-09 to 03-17)',
  onecli: 'NanoClaw 1.x with the OneCLI gateway (2026-03-18 to 1.2.53)',
  v2: 'NanoClaw 2.x',
  unknown: 'an unrecognised NanoClaw',
};

function readIfPresent(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function isDirectory(file: string): boolean {
  try {
    return fs.statSync(file).isDirectory();
  } catch {
    return false;
  }
}

function dependsOn(root: string, name: string): boolean {
  try {
    const pkg = JSON.parse(readIfPresent(path.join(root, 'package.json')));
    return Boolean(pkg.dependencies?.[name] ?? pkg.devDependencies?.[name]);
  } catch {
    return false;
  }
}

export function detectReleaseShape(root: string): ReleaseDetection {
  const at = (...parts: string[]) => path.join(root, ...parts);
  if (
    isDirectory(at('src', 'providers')) &&
    isDirectory(at('container', 'agent-runner', 'src', 'providers'))
  ) {
    return {
      shape: 'v2',
      evidence: [
        'src/providers/ and container/agent-runner/src/providers/ (provider registries)',
      ],
    };
  }
  const runner = readIfPresent(at('src', 'container-runner.ts'));
  if (dependsOn(root, '@onecli-sh/sdk') || runner.includes('@onecli-sh/sdk')) {
    return {
      shape: 'onecli',
      evidence: ['@onecli-sh/sdk (the OneCLI gateway)'],
    };
  }
  if (
    /\bstartCredentialProxy\b/.test(
      readIfPresent(at('src', 'credential-proxy.ts')),
    )
  ) {
    return {
      shape: 'credential-proxy',
      evidence: ['src/credential-proxy.ts exports startCredentialProxy'],
    };
  }
  if (/\bfunction\s+readSecrets\s*\(/.test(runner)) {
    return {
      shape: 'stdin-secrets',
      evidence: ['readSecrets() in src/container-runner.ts'],
    };
  }
  return {
    shape: 'unknown',
    evidence: [
      'no readSecrets() in src/container-runner.ts, no src/credential-proxy.ts, no @onecli-sh/sdk, no provider registries',
    ],
  };
}
