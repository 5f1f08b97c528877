/**
 * Builds the codex-oauth template the way NanoClaw does (its own tsconfig, with
 * @types/node found in an ancestor node_modules) and drives the built CLI.
 */
import {
  execFile,
  spawn,
  type ChildProcessWithoutNullStreams,
} from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { buildKey, cachedBuild, sourcesOf } from '../helpers/build-cache.js';

const TOOL_ROOT = path.resolve(import.meta.dirname, '../..');
const TEMPLATE = path.join(
  TOOL_ROOT,
  'templates/add-codex-provider/packages/codex-oauth',
);
const TSC = path.join(TOOL_ROOT, 'node_modules/typescript/bin/tsc');

export interface BuiltPackage {
  /** Stands for the NanoClaw checkout: holds node_modules/@types and packages/codex-oauth. */
  root: string;
  packageDir: string;
  cli: string;
  /** file:// URL of dist/index.js, for importing the API in-process. */
  indexUrl: string;
}

export async function buildPackage(): Promise<BuiltPackage> {
  const root = makeTempDir('codex-oauth-build-');
  const packageDir = path.join(root, 'packages/codex-oauth');
  fs.cpSync(TEMPLATE, packageDir, {
    recursive: true,
    filter: (src) => !/[\\/](dist|node_modules)$/.test(src),
  });
  fs.mkdirSync(path.join(root, 'node_modules/@types'), { recursive: true });
  fs.symlinkSync(
    path.join(TOOL_ROOT, 'node_modules/@types/node'),
    path.join(root, 'node_modules/@types/node'),
  );
  // Tests of the package, not of its build: built once per template content.
  const key = buildKey(
    'codex-oauth',
    await sourcesOf(packageDir),
    fs.readFileSync(path.join(TSC, '..', '..', 'package.json')),
    fs.readFileSync(
      path.join(TOOL_ROOT, 'node_modules/@types/node/package.json'),
    ),
  );
  await cachedBuild(key, path.join(packageDir, 'dist'), async () => {
    await promisify(execFile)(process.execPath, [TSC, '-p', 'tsconfig.json'], {
      cwd: packageDir,
    });
  });
  return {
    root,
    packageDir,
    cli: path.join(packageDir, 'dist/cli.js'),
    indexUrl: `file://${path.join(packageDir, 'dist/index.js')}`,
  };
}

/**
 * A copy of the built package next to a stand-in `open` that behaves as the
 * user's browser: it follows the sign-in URL and records how it was called.
 */
export function withFakeOpen(built: BuiltPackage): {
  cli: string;
  openLog: string;
} {
  const root = makeTempDir('codex-oauth-open-');
  const packageDir = path.join(root, 'packages/codex-oauth');
  fs.cpSync(built.packageDir, packageDir, { recursive: true });
  const openDir = path.join(root, 'node_modules/open');
  fs.mkdirSync(openDir, { recursive: true });
  fs.writeFileSync(
    path.join(openDir, 'package.json'),
    JSON.stringify({ name: 'open', type: 'module', main: 'index.js' }),
  );
  const openLog = path.join(root, 'open-calls.json');
  fs.writeFileSync(
    path.join(openDir, 'index.js'),
    `import fs from 'node:fs';
import http from 'node:http';
// Like the real one, it returns once the browser is launched, not when the page is done.
export default async function open(...args) {
  fs.writeFileSync(${JSON.stringify(openLog)}, JSON.stringify(args));
  http.get(args[0], { family: 4 }, (authorize) => {
    authorize.resume();
    http.get(authorize.headers.location, { family: 4 }, (callback) => callback.resume());
  });
}
`,
  );
  return { cli: path.join(packageDir, 'dist/cli.js'), openLog };
}

const tempDirs: string[] = [];

export function makeTempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/** Remove every folder makeTempDir made in this test file (call in afterAll). */
export function removeTempDirs(): void {
  for (const dir of tempDirs.splice(0))
    fs.rmSync(dir, { recursive: true, force: true });
}

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** A running CLI whose output can be awaited line by line. */
export class CliRun {
  readonly child: ChildProcessWithoutNullStreams;
  stdout = '';
  stderr = '';
  readonly done: Promise<CliResult>;
  private listeners: (() => void)[] = [];

  constructor(
    script: string,
    args: string[],
    env: Record<string, string>,
    cwd: string,
  ) {
    this.child = spawn(process.execPath, [script, ...args], {
      cwd,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        ...env,
      },
    });
    this.child.stdout.setEncoding('utf8');
    this.child.stderr.setEncoding('utf8');
    this.child.stdout.on('data', (chunk: string) => {
      this.stdout += chunk;
      this.listeners.forEach((notify) => notify());
    });
    this.child.stderr.on('data', (chunk: string) => {
      this.stderr += chunk;
    });
    this.done = new Promise((resolve) => {
      this.child.on('close', (code) =>
        resolve({
          exitCode: code ?? -1,
          stdout: this.stdout,
          stderr: this.stderr,
        }),
      );
    });
  }

  /** The first stdout line matching `pattern`, waiting for it if needed. */
  waitForLine(pattern: RegExp, timeoutMs = 15_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const line = this.stdout.split('\n').find((l) => pattern.test(l));
        if (line === undefined) return false;
        this.listeners = this.listeners.filter((l) => l !== onData);
        clearTimeout(timer);
        resolve(line);
        return true;
      };
      const onData = () => void check();
      const timer = setTimeout(() => {
        this.listeners = this.listeners.filter((l) => l !== onData);
        reject(
          new Error(
            `No stdout line matched ${pattern} in ${timeoutMs} ms.\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`,
          ),
        );
      }, timeoutMs);
      if (!check()) this.listeners.push(onData);
      void this.done.then(() => {
        if (!check()) {
          clearTimeout(timer);
          reject(
            new Error(
              `Exited before printing ${pattern}.\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`,
            ),
          );
        }
      });
    });
  }

  /** The authorization URL, printed alone on its own line. */
  authorizeUrl(): Promise<string> {
    return this.waitForLine(/^https?:\/\/\S+\/oauth\/authorize\?\S+$/);
  }
}

export function startCli(
  script: string,
  args: string[],
  env: Record<string, string>,
  cwd = os.tmpdir(),
): CliRun {
  return new CliRun(script, args, env, cwd);
}

export function runCli(
  script: string,
  args: string[],
  env: Record<string, string>,
  cwd = os.tmpdir(),
): Promise<CliResult> {
  const run = new CliRun(script, args, env, cwd);
  run.child.stdin.end();
  return run.done;
}

export interface BrowserVisit {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One GET without following redirects. IPv4, like a browser falling back from ::1 would. */
export function httpGet(url: string): Promise<BrowserVisit> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { family: 4 }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body }),
        );
      })
      .on('error', reject);
  });
}

/** What a browser does with the sign-in link: load it, then follow the issuer's redirect. */
export async function followAsBrowser(
  authorizeUrl: string,
): Promise<{ redirect: string; callback: BrowserVisit }> {
  const authorize = await httpGet(authorizeUrl);
  if (authorize.status !== 302 || !authorize.headers.location) {
    throw new Error(
      `The issuer answered ${authorize.status} instead of a redirect: ${authorize.body}`,
    );
  }
  const redirect = authorize.headers.location;
  return { redirect, callback: await httpGet(redirect) };
}

/** A port nothing listens on right now, and (for fallback tests) port + 2 free as well. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await listenOnce(0);
    if (port + 2 <= 65535 && (await isFree(port + 2))) return port;
  }
}

async function listenOnce(port: number): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const chosen = (server.address() as AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return chosen;
}

async function isFree(port: number): Promise<boolean> {
  try {
    await listenOnce(port);
    return true;
  } catch {
    return false;
  }
}

/** A server that is not ours holding a port (answers 404 to everything, /cancel included). */
export async function occupyPort(
  port: number,
): Promise<{ close(): Promise<void> }> {
  const server = http.createServer((_req, res) => {
    res.writeHead(404);
    res.end('not here\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function portIsFree(port: number): Promise<boolean> {
  return isFree(port);
}

/** Fails when any secret appears in any of the texts. */
export function findLeak(
  texts: string[],
  secrets: string[],
): string | undefined {
  for (const secret of secrets) {
    for (const text of texts) {
      if (text.includes(secret)) return secret.slice(0, 8);
      // The JWT payload alone would leak the claims too.
      const payload = secret.split('.')[1];
      if (payload && payload.length > 20 && text.includes(payload))
        return secret.slice(0, 8);
    }
  }
  return undefined;
}
