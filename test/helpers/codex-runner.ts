/**
 * The sample agent runner as a group's container sees it once the plugin
 * loader copied the Codex plugin's container folder in, compiled: the sample
 * index.ts compiles alongside, and main.ts stands in for the routing the
 * skill adds to index.ts (it hands stdin to runProvider). For tests of the
 * runner, not of its compile: compiled once per source content
 * (./build-cache.ts).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { buildKey, cachedBuild, sourcesOf } from './build-cache.js';

const repo = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../..',
);
const fixtureRunner = path.join(
  repo,
  'test/fixtures/nanoclaw/container/agent-runner',
);
const containerSource = path.join(
  repo,
  'templates/add-codex-provider/plugins/codex/container',
);

/** Build the runner into `dir` (an empty folder); `dir` again. */
export async function buildCodexRunner(dir: string): Promise<string> {
  fs.mkdirSync(path.join(dir, 'node_modules'));
  fs.symlinkSync(
    path.join(repo, 'node_modules/@types'),
    path.join(dir, 'node_modules/@types'),
  );
  for (const file of ['tsconfig.json', 'package.json', 'src/index.ts']) {
    fs.cpSync(path.join(fixtureRunner, file), path.join(dir, file));
  }
  fs.cpSync(containerSource, path.join(dir, 'src'), { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'src/main.ts'),
    [
      "import { runProvider } from './provider-codex.js';",
      'const chunks: Buffer[] = [];',
      'for await (const chunk of process.stdin) chunks.push(chunk as Buffer);',
      "await runProvider(JSON.parse(Buffer.concat(chunks).toString('utf-8')));",
      '',
    ].join('\n'),
  );
  const tsc = path.join(repo, 'node_modules/typescript/bin/tsc');
  const key = buildKey(
    'codex-runner',
    await sourcesOf(dir),
    fs.readFileSync(path.join(tsc, '..', '..', 'package.json')),
    fs.readFileSync(path.join(repo, 'node_modules/@types/node/package.json')),
  );
  await cachedBuild(key, path.join(dir, 'dist'), async () => {
    await promisify(execFile)(process.execPath, [tsc, '-p', dir], {
      cwd: dir,
    }).catch((err: { stdout?: string; stderr?: string }) => {
      throw new Error(
        `The agent runner does not compile:\n${err.stdout}${err.stderr}`,
      );
    });
  });
  return dir;
}
