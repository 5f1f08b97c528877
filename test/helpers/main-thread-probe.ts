/**
 * Which CommonJS modules a CLI run loaded on its main thread (ts-morph and
 * the TypeScript compiler are CommonJS), and whether it started a worker
 * thread: a module preloaded through NODE_OPTIONS (it runs in every thread)
 * writes them down.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export interface MainThreadProbe {
  /** For the run's environment. */
  env: { NODE_OPTIONS: string };
  /** What the last probed run loaded; the report is used up. */
  loaded(): string[];
  /** Whether a probed run started a worker thread since the last ask. */
  workerStarted(): boolean;
}

/** A probe whose files live in `dir`. */
export function mainThreadProbe(dir: string): MainThreadProbe {
  const probe = path.join(dir, 'probe.mjs');
  const report = path.join(dir, 'loaded.json');
  const workers = path.join(dir, 'workers');
  fs.writeFileSync(
    probe,
    `import fs from 'node:fs';
import Module from 'node:module';
import { isMainThread } from 'node:worker_threads';
if (isMainThread) process.on('exit', () => {
  fs.writeFileSync(${JSON.stringify(report)}, JSON.stringify(Object.keys(Module._cache)));
});
else fs.appendFileSync(${JSON.stringify(workers)}, 'started\\n');
`,
  );
  return {
    env: { NODE_OPTIONS: `--import=${pathToFileURL(probe).href}` },
    loaded() {
      const files = JSON.parse(fs.readFileSync(report, 'utf8')) as string[];
      fs.rmSync(report);
      return files;
    },
    workerStarted() {
      const started = fs.existsSync(workers);
      fs.rmSync(workers, { force: true });
      return started;
    },
  };
}
