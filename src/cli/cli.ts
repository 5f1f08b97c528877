import pc from 'picocolors';
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';

import { applySkill, type ApplyOptions } from '../commands/apply.js';
import {
  asSkillError,
  EXIT_FAILED,
  EXIT_OK,
  EXIT_USAGE,
  SkillError,
} from '../core/errors.js';
import { helpOrVersionAsJson, usageMessage } from './cli-usage.js';
import { listSkills } from '../engine/manifest.js';
import { toolVersion } from '../core/paths.js';
import { removeSkill, type RemoveOptions } from '../commands/remove.js';
import { Reporter } from '../core/reporter.js';
import type { RunResult } from '../engine/result.js';

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

function applyOptions(argv: Argv) {
  return commonOptions(argv, 'apply')
    .option('skip-auth', {
      type: 'boolean',
      describe: 'Do not run the sign-in step',
    })
    .option('auth', {
      type: 'boolean',
      describe: 'Run the sign-in step even without a terminal',
    })
    .option('reauth', {
      type: 'boolean',
      describe: 'Sign in again even when tokens exist',
    })
    .option('browser', {
      type: 'boolean',
      default: true,
      describe:
        'Open the sign-in page in a browser (--no-browser prints the URL)',
    })
    .option('device-auth', {
      type: 'boolean',
      describe: 'Sign in with a device code instead of a browser redirect',
    })
    .option('model', {
      type: 'string',
      describe:
        'Codex model to pin in .env (checked against the models your account has; default: Codex picks)',
    })
    .option('provider', {
      choices: ['codex', 'claude'] as const,
      describe:
        'Default provider afterwards (asked in a terminal; otherwise .env keeps its value, Claude when unset)',
    });
}

function removeOptions(argv: Argv) {
  return commonOptions(argv, 'remove').option('purge-tokens', {
    type: 'boolean',
    describe: 'Also delete the saved sign-in tokens',
  });
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

  const parser = yargs(argv)
    .scriptName(bin)
    .command(
      `$0 <skill>`,
      `${operation === 'apply' ? 'Install' : 'Uninstall'} a NanoClaw skill`,
      (y) => (operation === 'apply' ? applyOptions(y) : removeOptions(y)),
    )
    .example(
      `$0 add-codex-provider --dry-run`,
      `Print the exact diff; change nothing`,
    )
    .example(
      operation === 'apply'
        ? `$0 add-codex-provider --target ~/nanoclaw --provider codex`
        : `$0 add-codex-provider --target ~/nanoclaw --purge-tokens`,
      operation === 'apply'
        ? 'Install into a NanoClaw checkout, Codex as default'
        : 'Uninstall, also deleting the sign-in tokens',
    )
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
  if (!usageError && args.target === '') {
    usageError = '--target needs a folder: --target /path/to/nanoclaw';
  }
  if (usageError) {
    if (json) {
      process.stdout.write(
        JSON.stringify({ ok: false, error: { message: usageError } }) + '\n',
      );
    } else {
      process.stderr.write(
        `${bin}: ${usageError}\nRun ${bin} --help for usage.\n`,
      );
    }
    return EXIT_USAGE;
  }
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
    skipAuth: Boolean(args.skipAuth),
    auth: Boolean(args.auth),
    reauth: Boolean(args.reauth),
    browser: args.browser !== false,
    deviceAuth: Boolean(args.deviceAuth),
    provider: args.provider as 'codex' | 'claude' | undefined,
    model: typeof args.model === 'string' ? args.model.trim() : undefined,
    purgeTokens: Boolean(args.purgeTokens),
  };
  try {
    const result =
      operation === 'apply'
        ? await applySkill(
            String(args.skill),
            options as ApplyOptions,
            reporter,
            print,
          )
        : await removeSkill(
            String(args.skill),
            options as RemoveOptions,
            reporter,
            print,
          );
    result.steps = reporter.steps;
    renderSuccess(result, reporter);
    if (json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    return EXIT_OK;
  } catch (thrown) {
    const err = asSkillError(thrown);
    renderFailure(err, reporter);
    if (json) {
      process.stdout.write(
        JSON.stringify(
          {
            ok: false,
            operation,
            skill: String(args.skill),
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
}
