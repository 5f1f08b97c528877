import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * A stand-in browser for the `open` package: `open` runs its bundled xdg-open,
 * which hands the URL to $BROWSER. This one loads the sign-in page and follows
 * the issuer's redirect to the local callback (over IPv4, as a browser falling
 * back from ::1 would), and logs each URL it was given.
 */
export function createFakeBrowser(): {
  env: NodeJS.ProcessEnv;
  visited(): string[];
  cleanup(): void;
} {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-browser-'));
  const log = path.join(dir, 'visited.log');
  const script = path.join(dir, 'follow.mjs');
  fs.writeFileSync(
    script,
    `import fs from 'node:fs';
const url = process.argv[2];
fs.appendFileSync(${JSON.stringify(log)}, url + '\\n');
const first = await fetch(url, { redirect: 'manual' });
const next = first.headers.get('location');
if (next) await (await fetch(next.replace('//localhost:', '//127.0.0.1:'))).text();
`,
  );
  const browser = path.join(dir, 'browser');
  fs.writeFileSync(
    browser,
    `#!/bin/sh\nexec "${process.execPath}" "${script}" "$1"\n`,
    { mode: 0o755 },
  );
  return {
    // No display: xdg-open then uses $BROWSER.
    env: { BROWSER: browser, DISPLAY: '', WAYLAND_DISPLAY: '' },
    visited: () =>
      fs.existsSync(log)
        ? fs.readFileSync(log, 'utf8').split('\n').filter(Boolean)
        : [],
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/** A port that was free a moment ago, for CODEX_OAUTH_PORT (never 1455 in tests). */
export async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
