#!/usr/bin/env node
/**
 * npm run bench: wall time and peak memory of dry-run, apply and remove on the
 * sample NanoClaw, without install, build, auth or restart (those time npm and
 * tsc, not us). Median of RUNS runs after one that fills the compile cache
 * (its time is reported too); exits 1 when a target is missed.
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

/**
 * Preloaded into the memory runs only: writes the process's peak RSS when it
 * exits. Timed runs go without it, since a preload costs time of its own.
 */
function rssProbe(dir: string): string {
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

type Operation = keyof typeof TARGETS;
type Sample = Record<Operation, number>;

interface Bench {
  work: string;
  cache: string;
  probe: string;
  rssFile: string;
}

/** One dry-run, apply and remove on a fresh copy; ms each, or peak RSS in MB each with `measureRss`. */
async function cycle(
  bench: Bench,
  name: string,
  measureRss = false,
  variant = 'base',
): Promise<Sample> {
  const target = path.join(bench.work, name);
  materialise(variant, target);
  const common = ['add-codex-provider', '--target', target];
  const runs: [Operation, string, string[]][] = [
    ['dry-run', 'apply-skill.js', [...common, '--dry-run']],
    ['apply', 'apply-skill.js', [...common, ...QUIET, '--skip-auth']],
    ['remove', 'remove-skill.js', [...common, ...QUIET]],
  ];
  const sample = {} as Sample;
  for (const [operation, script, args] of runs) {
    const preload = measureRss
      ? ['--import', pathToFileURL(bench.probe).href]
      : [];
    const started = process.hrtime.bigint();
    await execa('node', [...preload, path.join(BIN, script), ...args], {
      env: {
        BENCH_RSS_FILE: bench.rssFile,
        SKILL_APPLICATOR_CACHE_DIR: bench.cache,
        CI: '1',
      },
    });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    sample[operation] = measureRss
      ? Number(fs.readFileSync(bench.rssFile, 'utf8')) / 1024
      : ms;
  }
  return sample;
}

const VARIANTS = path.join(TOOL_ROOT, 'test', 'fixtures', 'variants');

/** The base sample with a variant's overlay on top (its own files and deletions). */
function materialise(variant: string, target: string): void {
  fs.cpSync(SAMPLE, target, { recursive: true });
  if (variant === 'base') return;
  const overlay = path.join(VARIANTS, variant);
  fs.cpSync(overlay, target, { recursive: true });
  const specFile = path.join(target, 'variant.json');
  const spec = JSON.parse(fs.readFileSync(specFile, 'utf8')) as {
    delete?: string[];
    crlf?: string[];
  };
  fs.rmSync(specFile);
  for (const rel of spec.delete ?? []) fs.rmSync(path.join(target, rel));
  for (const rel of spec.crlf ?? []) {
    const file = path.join(target, rel);
    fs.writeFileSync(
      file,
      fs.readFileSync(file, 'utf8').replace(/\r?\n/g, '\r\n'),
    );
  }
}

/** Every 1.x variant once (2.x is refused): reported, not judged. */
async function variantTimes(bench: Bench): Promise<void> {
  const variants = fs
    .readdirSync(VARIANTS)
    .filter((name) => name !== 'v2')
    .sort();
  console.log('\nEvery sample variant, one run each (reported, not judged):');
  console.log('variant            dry-run ms  apply ms  remove ms');
  for (const variant of variants) {
    const sample = await cycle(bench, `variant-${variant}`, false, variant);
    console.log(
      `${variant.padEnd(17)}  ${sample['dry-run'].toFixed(0).padStart(10)}  ${sample.apply.toFixed(0).padStart(8)}  ${sample.remove.toFixed(0).padStart(9)}`,
    );
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function report(timed: Sample[], rss: Sample[], cold: Sample): number {
  let missed = 0;
  console.log(
    `Benchmark on ${os.cpus().length} cores: median of ${timed.length} runs, peak RSS of ${rss.length} separate runs\n`,
  );
  console.log(
    'operation   median ms  target ms  peak RSS MB  target MB  result',
  );
  for (const [operation, target] of Object.entries(TARGETS)) {
    const key = operation as Operation;
    const ms = median(timed.map((sample) => sample[key]));
    const peak = Math.max(...rss.map((sample) => sample[key]));
    const ok = ms <= target && peak <= RSS_TARGET_MB;
    if (!ok) missed++;
    console.log(
      `${operation.padEnd(10)}  ${ms.toFixed(0).padStart(9)}  ${String(target).padStart(9)}  ${peak.toFixed(0).padStart(11)}  ${String(RSS_TARGET_MB).padStart(9)}  ${ok ? 'ok' : 'MISSED'}`,
    );
  }
  console.log(
    `\nFirst run after install, with no compile cache yet (not a target; it saves the cache):` +
      ` dry-run ${cold['dry-run'].toFixed(0)} ms, then apply ${cold.apply.toFixed(0)} ms, remove ${cold.remove.toFixed(0)} ms.`,
  );
  return missed;
}

async function main(): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'skill-bench-'));
  const bench: Bench = {
    work,
    cache: path.join(work, 'compile-cache'),
    probe: rssProbe(work),
    rssFile: path.join(work, 'rss'),
  };
  try {
    const cold = await cycle(bench, 'cold');
    const timed: Sample[] = [];
    for (let run = 0; run < RUNS; run++) {
      timed.push(await cycle(bench, `run-${run}`));
    }
    const rss = [await cycle(bench, 'rss-0', true)];
    rss.push(await cycle(bench, 'rss-1', true));
    process.exitCode = report(timed, rss, cold) > 0 ? 1 : 0;
    await variantTimes(bench);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

await main();
