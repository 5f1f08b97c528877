import pc from 'picocolors';

import { runDoctor } from '../commands/doctor.js';
import {
  emptyTargetError,
  helpOrVersionAsJson,
  reportUsageError,
  usageMessage,
} from './cli-usage.js';
import { asSkillError, EXIT_FAILED, EXIT_OK } from '../core/errors.js';
import {
  inspectTarget,
  statusJson,
  type TargetReport,
} from '../commands/status.js';
import { listSkills, loadManifest } from '../engine/manifest.js';
import { toolVersion } from '../core/paths.js';
import { SHAPE_NAMES } from '../engine/release-shape.js';
import { resolveTarget } from '../engine/target.js';
import { hideBin, yargs } from './yargs.js';

type Command = 'status' | 'doctor';

function printStatus(report: TargetReport): void {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(`${pc.bold('Target:')} ${report.target}`);
  out(
    `${pc.bold('NanoClaw release:')} ${SHAPE_NAMES[report.release.shape]} (${report.release.evidence.join('; ')})`,
  );
  for (const field of report.fields)
    out(`${pc.bold(`${field.label}:`)} ${field.text}`);
  for (const { status: skill, fields } of report.skills) {
    out(
      `\n${pc.bold(skill.skill)}: ${skill.applied ? pc.green('applied') : pc.dim('not applied')}`,
    );
    if (!skill.applied) continue;
    for (const edit of skill.edits) {
      const mark =
        edit.state === 'applied'
          ? pc.green('✔')
          : edit.state === 'missing'
            ? pc.red('✖')
            : pc.yellow('~');
      out(
        `  ${mark} ${edit.codemod} (${edit.file}): ${edit.state}${edit.detail ? ` — ${edit.detail}` : ''}`,
      );
    }
    for (const file of skill.changedTemplates)
      out(`  ${pc.yellow('~')} ${file}: changed since apply`);
    for (const file of skill.missingTemplates)
      out(`  ${pc.red('✖')} ${file}: missing`);
    for (const field of fields) out(`  ${field.label}: ${field.text}`);
  }
}

export async function runInspectCli(
  command: Command,
  argv = hideBin(process.argv),
): Promise<number> {
  const bin = command === 'status' ? 'skill-status' : 'skill-doctor';
  let usageError: string | undefined;
  const parser = yargs(argv)
    .scriptName(bin)
    .usage(
      command === 'status'
        ? '$0 [--target DIR] [--json]\n\nShow each skill in a NanoClaw checkout: applied or not, the state of every edit, changed template files, and what each skill reports of its own (never a secret).'
        : '$0 [skill] [--target DIR] [--live] [--json]\n\nCheck a NanoClaw checkout for the usual problems of a skill and print the fix for each; exit 1 when anything fails.',
    )
    .option('target', {
      type: 'string',
      describe: 'NanoClaw checkout (default: current folder)',
    })
    .option('json', {
      type: 'boolean',
      describe: 'Print one JSON result on stdout',
    })
    .option('live', {
      type: 'boolean',
      hidden: command === 'status',
      describe:
        "Also run the skill's live checks (they may use the network and stored credentials)",
    })
    .version(toolVersion())
    // Options only: a positional is the skill name the usage line promises.
    .strictOptions()
    .help()
    .exitProcess(false)
    .fail((message, err) => {
      usageError = usageMessage(message || err?.message || '', bin);
    });
  if (argv.includes('--json') && (await helpOrVersionAsJson(parser, argv)))
    return EXIT_OK;
  const args = (await parser.parseAsync()) as Record<string, unknown> & {
    _: string[];
  };
  // One skill name at most (status reports every skill; the name only picks the checks).
  const maxPositionals = 1;
  if (!usageError && args._.length > maxPositionals) {
    usageError = `Unexpected argument${args._.length - maxPositionals > 1 ? 's' : ''}: ${args._.slice(maxPositionals).join(' ')} (usage: ${bin} [skill] [--target DIR] [--json])`;
  }
  usageError ??= emptyTargetError(args.target);
  if (usageError) {
    return reportUsageError(bin, usageError, argv.includes('--json'));
  }
  if (args.help || args.version) return EXIT_OK;
  const json = Boolean(args.json);
  try {
    const skillName = String(args._[0] ?? listSkills()[0]);
    const manifest = loadManifest(skillName);
    const root = resolveTarget(args.target as string | undefined, manifest);
    if (command === 'status') {
      const status = await inspectTarget(root);
      if (json)
        process.stdout.write(
          JSON.stringify(statusJson(status), null, 2) + '\n',
        );
      else printStatus(status);
      return EXIT_OK;
    }
    const findings = await runDoctor(root, manifest, {
      live: Boolean(args.live),
    });
    const failed = findings.filter((finding) => !finding.ok);
    if (json) {
      process.stdout.write(
        JSON.stringify(
          { target: root, ok: failed.length === 0, findings },
          null,
          2,
        ) + '\n',
      );
    } else {
      for (const finding of findings) {
        if (finding.ok)
          process.stdout.write(
            `${pc.green('✔')} ${finding.check}${finding.detail ? `: ${finding.detail}` : ''}\n`,
          );
        else
          process.stdout.write(
            `${pc.red('✖')} ${finding.check}: ${finding.problem}\n  ${pc.bold('Fix:')} ${finding.fix}\n`,
          );
      }
      process.stdout.write(
        failed.length
          ? `\n${failed.length} problem(s) found.\n`
          : '\nAll checks passed.\n',
      );
    }
    return failed.length ? EXIT_FAILED : EXIT_OK;
  } catch (thrown) {
    const err = asSkillError(thrown);
    if (json)
      process.stdout.write(
        JSON.stringify({
          ok: false,
          error: { message: err.message, hint: err.hint },
        }) + '\n',
      );
    else
      process.stderr.write(
        `${pc.red('✖')} ${err.message}${err.hint ? `\n  What to do: ${err.hint}` : ''}\n`,
      );
    return err.exitCode;
  }
}
