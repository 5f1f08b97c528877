/**
 * What every CLI entry point says about its own usage: friendlier words for
 * yargs' messages, and --help / --version as one JSON document under --json.
 */
import type { Argv } from 'yargs';

import { EXIT_USAGE } from '../core/errors.js';
import { listSkills } from '../engine/manifest.js';

/** yargs' wording, turned into what to type. */
export function usageMessage(message: string, bin: string): string {
  if (/^Not enough non-option arguments/.test(message)) {
    const skills = listSkills();
    return `Name the skill: ${bin} <skill>${skills.length ? ` (available: ${skills.join(', ')})` : ''}.`;
  }
  return message;
}

/** `--target ''` (an empty variable in a script, say) is a usage error, not the current folder. */
export function emptyTargetError(target: unknown): string | undefined {
  return target === ''
    ? '--target needs a folder: --target /path/to/nanoclaw'
    : undefined;
}

/** A usage error: on stderr with where to find the usage, or one JSON document under --json. */
export function reportUsageError(
  bin: string,
  message: string,
  json: boolean,
): number {
  if (json) {
    process.stdout.write(
      JSON.stringify({ ok: false, error: { message } }) + '\n',
    );
  } else {
    process.stderr.write(`${bin}: ${message}\nRun ${bin} --help for usage.\n`);
  }
  return EXIT_USAGE;
}

/**
 * Under --json, --help and --version answer with one JSON document instead of
 * text. True when it answered.
 */
export async function helpOrVersionAsJson(
  parser: Argv,
  argv: string[],
): Promise<boolean> {
  if (argv.includes('--help') || argv.includes('-h')) {
    const help = await parser.getHelp();
    process.stdout.write(`${JSON.stringify({ ok: true, help })}\n`);
    return true;
  }
  if (argv.includes('--version')) {
    const { toolVersion } = await import('../core/paths.js');
    process.stdout.write(
      `${JSON.stringify({ ok: true, version: toolVersion() })}\n`,
    );
    return true;
  }
  return false;
}
