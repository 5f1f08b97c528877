import pc from 'picocolors';
import type { Argv } from 'yargs';

import { applySkill } from '../commands/apply.js';
import { asksForHelpOrVersion } from '../core/argv.js';
import {
  asSkillError,
  EXIT_FAILED,
  EXIT_OK,
  SkillError,
} from '../core/errors.js';
import {
  emptyTargetError,
  helpOrVersionAsJson,
  reportUsageError,
  usageMessage,
} from './cli-usage.js';
import { listSkills, loadManifest } from '../engine/manifest.js';
import { toolVersion } from '../core/paths.js';
import { removeSkill } from '../commands/remove.js';
import { Reporter } from '../core/reporter.js';
import type { RunResult } from '../engine/result.js';
import type { SkillHooks } from '../engine/skill-hooks.js';
import {
  addSkillOptions,
  hooksOf,
  skillNamed,
  skillOptionValues,
  unknownSkillNamed,
} from './skill-options.js';
import { hideBin, yargs } from './yargs.js';

type Operation = 'apply' | 'remove';

function commonOptions(argv: Argv, operation: Operation) {
  return argv
    .positional('skill', {
      type: 'string',
      describe: `Skill to ${operation} (${listSkills().join(', ')})`,
      demandOption: true,
    })
    .option('target', {
      type: 'string',
      describe: 'NanoClaw checkout (default: current folder)',
    })
    .option('dry-run', {
      type: 'boolean',
      describe: 'Print the exact unified diff on stdout and change nothing',
    })
    .option('yes', {
      type: 'boolean',
      alias: 'y',
      describe: 'Do not ask for confirmation',
    })
    .option('force', {
      type: 'boolean',
      describe:
        operation === 'apply'
          ? 'Overwrite skill files you changed'
          : 'Also delete skill files you changed since apply',
    })
    .option('skip-install', {
      type: 'boolean',
      describe: 'Do not run npm install/uninstall',
    })
    .option('skip-build', {
      type: 'boolean',
      describe: 'Do not run npm run build to validate',
    })
    .option('restart', {
      type: 'boolean',
      default: true,
      describe: 'Restart the NanoClaw service afterwards (--no-restart skips)',
    })
    .option('json', {
      type: 'boolean',
      describe: 'Print one JSON result on stdout, nothing else',
    });
}

/** `$0 <skill> --dry-run` for the skill named (or the first one), then the skill's own examples. */
function addExamples(
  parser: Argv,
  argv: string[],
  hooks: SkillHooks,
  operation: Operation,
): Argv {
  const skill = skillNamed(argv) ?? listSkills()[0] ?? '<skill>';
  parser.example(
    `$0 ${skill} --dry-run`,
    'Print the exact diff; change nothing',
  );
  for (const [command, description] of hooks.examples?.[operation] ?? [])
    parser.example(`$0 ${command}`, description);
  return parser;
}

function renderFailure(err: SkillError, reporter: Reporter): void {
  reporter.error(err.message);
  for (const detail of err.details) reporter.info(pc.dim(`  ${detail}`));
  if (err.hint) reporter.info(`  ${pc.bold('What to do:')} ${err.hint}`);
}

/**
 * Created files, folded per folder when a folder holds several: a skill adds
 * whole packages, and thirty lines of them bury the edits.
 */
export function foldPaths(files: string[]): string[] {
  const byDir = new Map<string, string[]>();
  for (const file of files) {
    const dir = file.split('/').slice(0, 2).join('/');
    const key = file.includes('/') && dir !== file ? dir : file;
    byDir.set(key, [...(byDir.get(key) ?? []), file]);
  }
  return [...byDir].flatMap(([dir, inDir]) =>
    inDir.length >= 3 ? [`${dir}/ (${inDir.length} files)`] : inDir,
  );
}

function renderSuccess(result: RunResult, reporter: Reporter): void {
  const { created, updated, deleted } = result.files;
  if (result.dryRun) return;
  const verb = result.operation === 'apply' ? 'Applied' : 'Removed';
  if (result.status === 'applied' || result.status === 'removed') {
    reporter.success(`${verb} ${result.skill} in ${result.target}`);
    for (const file of foldPaths(created))
      reporter.info(`  ${pc.green('+')} ${file}`);
    for (const file of updated) reporter.info(`  ${pc.yellow('~')} ${file}`);
    for (const file of foldPaths(deleted))
      reporter.info(`  ${pc.red('-')} ${file}`);
  }
  for (const line of result.next) reporter.info(line);
}

export async function runCli(
  operation: Operation,
  argv = hideBin(process.argv),
): Promise<number> {
  const json = argv.includes('--json');
  const reporter = new Reporter(json);
  const bin = operation === 'apply' ? 'apply-skill' : 'remove-skill';
  let usageError: string | undefined;
  let hooks: SkillHooks;
  try {
    hooks = await hooksOf(argv);
  } catch (thrown) {
    return fail(thrown, operation, skillNamed(argv), reporter, json);
  }
  const unknown = unknownSkillNamed(argv);
  if (unknown !== undefined && !asksForHelpOrVersion(argv)) {
    try {
      loadManifest(unknown); // Throws the unknown skill's usage error.
    } catch (thrown) {
      return fail(thrown, operation, unknown, reporter, json);
    }
  }

  const parser = yargs(argv)
    .scriptName(bin)
    .command(
      `$0 <skill>`,
      `${operation === 'apply' ? 'Install' : 'Uninstall'} a NanoClaw skill`,
      (y) => addSkillOptions(commonOptions(y, operation), hooks, operation),
    );
  addExamples(parser, argv, hooks, operation)
    .version(toolVersion())
    .strict()
    .help()
    .wrap(Math.min(100, process.stdout.columns || 100))
    .exitProcess(false)
    .fail((message, err) => {
      usageError = usageMessage(
        message || err?.message || 'Invalid arguments',
        bin,
      );
    });

  if (json && (await helpOrVersionAsJson(parser, argv))) return EXIT_OK;
  const args = (await parser.parseAsync()) as Record<string, unknown>;
  usageError ??= emptyTargetError(args.target);
  if (usageError) return reportUsageError(bin, usageError, json);
  if (args.help || args.version) return EXIT_OK;

  const print = (text: string) => {
    if (!json) process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  };
  const options = {
    target: args.target as string | undefined,
    dryRun: Boolean(args.dryRun),
    yes: Boolean(args.yes),
    force: Boolean(args.force),
    skipInstall: Boolean(args.skipInstall),
    skipBuild: Boolean(args.skipBuild),
    restart: args.restart !== false,
    json,
    ...skillOptionValues(args, hooks, operation),
  };
  try {
    const result =
      operation === 'apply'
        ? await applySkill(String(args.skill), options, reporter, print)
        : await removeSkill(String(args.skill), options, reporter, print);
    result.steps = reporter.steps;
    renderSuccess(result, reporter);
    if (json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    return EXIT_OK;
  } catch (thrown) {
    return fail(thrown, operation, String(args.skill), reporter, json);
  }
}

/** Say what failed (and, under --json, the failure as one document); the exit code. */
function fail(
  thrown: unknown,
  operation: Operation,
  skill: string | undefined,
  reporter: Reporter,
  json: boolean,
): number {
  const err = asSkillError(thrown);
  renderFailure(err, reporter);
  if (json) {
    process.stdout.write(
      JSON.stringify(
        {
          ok: false,
          operation,
          skill,
          status: 'failed',
          steps: reporter.steps,
          error: {
            message: err.message,
            file: err.file,
            hint: err.hint,
            details: err.details,
          },
        },
        null,
        2,
      ) + '\n',
    );
  }
  return err.exitCode ?? EXIT_FAILED;
}
