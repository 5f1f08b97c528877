/**
 * Which CommonJS modules a CLI run loaded on its main thread (ts-morph and
 * the TypeScript compiler are CommonJS): a module preloaded through
 * NODE_OPTIONS writes them down when the process exits.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export interface MainThreadProbe {
  /** For the run's environment. */
  env: { NODE_OPTIONS: string };
  /** What the last probed run loaded; the report is used up. */
  loaded(): string[];
}

/** A probe whose files live in `dir`. */
export function mainThreadProbe(dir: string): MainThreadProbe {
  const probe = path.join(dir, 'probe.mjs');
  const report = path.join(dir, 'loaded.json');
  fs.writeFileSync(
    probe,
    `import fs from 'node:fs';
import Module from 'node:module';
import { isMainThread } from 'node:worker_threads';
if (isMainThread) process.on('exit', () => {
  fs.writeFileSync(${JSON.stringify(report)}, JSON.stringify(Object.keys(Module._cache)));
});
`,
  );
  return {
    env: { NODE_OPTIONS: `--import=${pathToFileURL(probe).href}` },
    loaded() {
      const files = JSON.parse(fs.readFileSync(report, 'utf8')) as string[];
      fs.rmSync(report);
      return files;
    },
  };
}
