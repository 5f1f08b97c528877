/**
 * The bench's light runs (../bench.ts): the TypeScript-load floor, then a
 * dry run, and apply and remove without install and build, on one fresh copy
 * of a sample; the same with kept codemod passes, for information.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { TOOL_ROOT } from '../../src/core/paths.js';
import {
  FILES_ONLY,
  helpers,
  median,
  timed,
  tool,
  type Bench,
} from './common.js';

export const ms = (value: number) => `${value.toFixed(0)} ms`;

const FLOOR = ['-e', "require('typescript')"];

/** Preloaded into the memory runs only: the process's peak RSS (all threads), written at exit. */
export function rssProbe(dir: string): string {
  const probe = path.join(dir, 'rss-probe.mjs');
  fs.writeFileSync(
    probe,
    `import fs from 'node:fs';
import { isMainThread } from 'node:worker_threads';
if (isMainThread) {
  process.on('exit', () => {
    fs.writeFileSync(process.env.BENCH_RSS_FILE, String(process.resourceUsage().maxRSS));
  });
}
`,
  );
  return probe;
}

export interface Light {
  floor: number;
  dryRun: number;
  apply: number;
  remove: number;
}

/** Floor, dry run, apply and remove (no install, no build) on a fresh copy. */
export async function lightCycle(
  bench: Bench,
  variant: string,
  name: string,
  rss = false,
): Promise<Light> {
  const dir = path.join(bench.work, name);
  await helpers.materialiseSample(variant, dir);
  const preload = rss ? ['--import', pathToFileURL(bench.probe).href] : [];
  const measure = async (script: string, args: string[]) => {
    const ms = await timed(
      bench,
      'node',
      [...preload, ...tool(script, dir, args)],
      TOOL_ROOT,
    );
    return rss ? Number(fs.readFileSync(bench.rssFile, 'utf8')) / 1024 : ms;
  };
  const floor = rss ? 0 : await timed(bench, 'node', FLOOR, TOOL_ROOT);
  const dryRun = await measure('apply-skill.js', ['--dry-run']);
  const apply = await measure('apply-skill.js', [...FILES_ONLY, '--skip-auth']);
  const remove = await measure('remove-skill.js', FILES_ONLY);
  fs.rmSync(dir, { recursive: true, force: true });
  return { floor, dryRun, apply, remove };
}

/**
 * The light runs again with kept codemod passes, as a dry run followed by the
 * apply, or a second copy of a checkout, gets them: for information, no target.
 */
export async function keptPassRuns(
  bench: Bench,
  variant: string,
  runs: number,
  floor: number,
): Promise<void> {
  const kept: Bench = {
    ...bench,
    env: { ...bench.env, SKILL_APPLICATOR_PASS_CACHE: undefined },
  };
  await lightCycle(kept, variant, `${variant}-keep`); // keeps the passes
  const light: Light[] = [];
  for (let run = 0; run < runs; run++) {
    light.push(await lightCycle(kept, variant, `${variant}-kept-${run}`));
  }
  const line = (label: string, values: number[]) =>
    `${label} ${ms(median(values))} = ${(median(values) / floor).toFixed(2)}x`;
  console.log(
    `  with kept codemod passes (information, no target; median of ${runs}): ` +
      [
        line(
          'dry-run',
          light.map((l) => l.dryRun),
        ),
        line(
          'apply',
          light.map((l) => l.apply),
        ),
        line(
          'remove',
          light.map((l) => l.remove),
        ),
      ].join(', '),
  );
}
