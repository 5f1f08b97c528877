/**
 * The skill's own command-line options. The skill is named before its
 * options can be known, so the command line is read twice: once, loosely, for
 * the skill's name (whose hooks declare the options), then strictly with them.
 */
import type { Argv, Options } from 'yargs';

import { SkillError } from '../core/errors.js';
import { hooksFile, loadSkillHooks } from '../engine/hooks-loader.js';
import type {
  Operation,
  SkillHooks,
  SkillOption,
} from '../engine/skill-hooks.js';
import { locateSkill } from '../engine/skill-location.js';
import { Parser } from './yargs.js';

/** The engine's options, so that the loose reading does not take their values for the skill. */
export const ENGINE_BOOLEANS = [
  'dry-run',
  'yes',
  'force',
  'skip-install',
  'skip-build',
  'restart',
  'json',
];

/** The positionals of a loose reading: any option not the engine's takes the next word as its value. */
function loosePositionals(argv: string[]): string[] {
  const loose = Parser(argv, {
    boolean: ENGINE_BOOLEANS,
    string: ['target'],
    alias: { yes: ['y'] },
  });
  return loose._.map(String);
}

/** The skill the command line names: the first positional that is a known skill. */
export function skillNamed(argv: string[]): string | undefined {
  const positionals = loosePositionals(argv);
  const candidates = positionals.length ? positionals : argv;
  return candidates.find((arg) => locateSkill(arg) !== undefined);
}

/**
 * The name in the skill's place when it is no known skill. Its options cannot
 * be known then, so a strict reading would report them (`--provider`) instead
 * of the misspelt name: this is what to report.
 */
export function unknownSkillNamed(argv: string[]): string | undefined {
  if (skillNamed(argv) !== undefined) return undefined;
  return loosePositionals(argv)[0];
}

const ENGINE_OPTIONS = new Set([
  ...ENGINE_BOOLEANS,
  'target',
  'y',
  'help',
  'version',
]);

/** The named skill's hooks ({} for none, or when no skill is named yet). */
export async function hooksOf(argv: string[]): Promise<SkillHooks> {
  const skill = skillNamed(argv);
  if (!skill) return {};
  const hooks = await loadSkillHooks(skill);
  for (const options of Object.values(hooks.options ?? {})) {
    const taken = Object.keys(options).find((name) => ENGINE_OPTIONS.has(name));
    if (taken) {
      throw new SkillError(
        `The hooks of ${skill} declare the option --${taken}, which apply-skill and remove-skill have themselves.`,
        {
          file: hooksFile(skill),
          hint: "Give the skill's option another name.",
        },
      );
    }
  }
  return hooks;
}

function asYargsOption(option: SkillOption): Options {
  // With choices, yargs shows and checks them (a string, without saying so).
  return option.choices
    ? {
        choices: [...option.choices],
        describe: option.describe,
        default: option.default,
      }
    : { type: option.type, describe: option.describe, default: option.default };
}

/** Add the skill's options for this operation to the parser. */
export function addSkillOptions(
  argv: Argv,
  hooks: SkillHooks,
  operation: Operation,
): Argv {
  const options = hooks.options?.[operation] ?? {};
  return Object.entries(options).reduce(
    (parser, [name, option]) => parser.option(name, asYargsOption(option)),
    argv,
  );
}

const camelCase = (name: string) =>
  name.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());

/** The skill's options as parsed (camelCase keys; absent ones left out). */
export function skillOptionValues(
  args: Record<string, unknown>,
  hooks: SkillHooks,
  operation: Operation,
): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const name of Object.keys(hooks.options?.[operation] ?? {})) {
    const key = camelCase(name);
    if (args[key] !== undefined) values[key] = args[key];
  }
  return values;
}
