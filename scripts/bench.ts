#!/usr/bin/env node
/**
 * npm run bench: wall time and peak memory of dry-run, apply and remove on the
 * sample NanoClaw, without install, build, auth or restart (those time npm and
 * tsc, not us). Median of RUNS runs; exits 1 when a target is missed.
 */
import { execa } from 'execa';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { TOOL_ROOT } from '../src/paths.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const SAMPLE = path.join(TOOL_ROOT, 'test', 'fixtures', 'nanoclaw');
const BIN = path.join(TOOL_ROOT, 'dist', 'scripts');
const TARGETS = { 'dry-run': 800, apply: 1000, remove: 1000 } as const;
const RSS_TARGET_MB = 250;
const QUIET = ['--yes', '--skip-install', '--skip-build', '--no-restart'];

/** Preloaded into each run: writes the process's peak RSS when it exits. */
function rssProbe(dir: string): string {
  const probe = path.join(dir, 'rss-probe.mjs');
  fs.writeFileSync(
    probe,
    `import fs from 'node:fs';
process.on('exit', () => {
  fs.writeFileSync(process.env.BENCH_RSS_FILE, String(process.resourceUsage().maxRSS));
});
`,
  );
  return probe;
}

async function timed(
  script: string,
  args: string[],
  probe: string,
  rssFile: string,
): Promise<{ ms: number; rssMb: number }> {
  const started = process.hrtime.bigint();
  await execa(
    'node',
    ['--import', pathToFileURL(probe).href, path.join(BIN, script), ...args],
    {
      env: { BENCH_RSS_FILE: rssFile, CI: '1' },
    },
  );
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const rssMb = Number(fs.readFileSync(rssFile, 'utf8')) / 1024;
  return { ms, rssMb };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function main(): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'skill-bench-'));
  const probe = rssProbe(work);
  const rssFile = path.join(work, 'rss');
  const samples: Record<keyof typeof TARGETS, { ms: number; rssMb: number }[]> =
    {
      'dry-run': [],
      apply: [],
      remove: [],
    };
  try {
    for (let run = 0; run < RUNS; run++) {
      const target = path.join(work, `nanoclaw-${run}`);
      fs.cpSync(SAMPLE, target, { recursive: true });
      const common = ['add-codex-provider', '--target', target];
      samples['dry-run'].push(
        await timed('apply-skill.js', [...common, '--dry-run'], probe, rssFile),
      );
      samples.apply.push(
        await timed(
          'apply-skill.js',
          [...common, ...QUIET, '--skip-auth'],
          probe,
          rssFile,
        ),
      );
      samples.remove.push(
        await timed('remove-skill.js', [...common, ...QUIET], probe, rssFile),
      );
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }

  let missed = 0;
  console.log(
    `Benchmark on ${os.cpus().length} cores, median of ${RUNS} runs\n`,
  );
  console.log(
    'operation   median ms  target ms  peak RSS MB  target MB  result',
  );
  for (const [operation, target] of Object.entries(TARGETS)) {
    const runs = samples[operation as keyof typeof TARGETS];
    const ms = median(runs.map((r) => r.ms));
    const rss = Math.max(...runs.map((r) => r.rssMb));
    const ok = ms <= target && rss <= RSS_TARGET_MB;
    if (!ok) missed++;
    console.log(
      `${operation.padEnd(10)}  ${ms.toFixed(0).padStart(9)}  ${String(target).padStart(9)}  ${rss.toFixed(0).padStart(11)}  ${String(RSS_TARGET_MB).padStart(9)}  ${ok ? 'ok' : 'MISSED'}`,
    );
  }
  process.exitCode = missed > 0 ? 1 : 0;
}

await main();
