/**
 * Setup CLI entry point.
 * Usage: npx tsx setup/index.ts --step <name> [args...]
 */
import { emitStatus } from './status.js';

const STEPS: Record<
  string,
  () => Promise<{ run: (args: string[]) => Promise<void> }>
> = {
  environment: () => import('./environment.js'),
  // Channels are optional: each adds its own step.
  telegram: () => import('./telegram-auth.js'),
  verify: () => import('./verify.js'), // last: checks everything above
  'codex-auth': () => import('./codex-auth-step.js'),
};

/** One line per step for --help; not a loader table. */
const STEP_HELP: Record<string, string> = {
  environment: 'Check Node and the container runtime',
  verify: 'Check the whole installation',
};

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const stepIndex = args.indexOf('--step');

  if (stepIndex === -1 || !args[stepIndex + 1]) {
    console.error(
      `Usage: npx tsx setup/index.ts --step <${Object.keys(STEPS).join('|')}>`,
    );
    process.exit(1);
  }

  const stepName = args[stepIndex + 1];
  const stepArgs = args.filter(
    (a, i) => i !== stepIndex && i !== stepIndex + 1 && a !== '--',
  );

  const loader = STEPS[stepName];
  if (!loader) {
    console.error(`Unknown step: ${stepName}`);
    console.error(`Available steps: ${Object.keys(STEPS).join(', ')}`);
    process.exit(1);
  }

  try {
    const mod = await loader();
    await mod.run(stepArgs);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    emitStatus(stepName, { STATUS: 'failed', ERROR: message });
    process.exit(1);
  }
}

main();
