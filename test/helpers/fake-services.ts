/**
 * Fake `launchctl` and `systemctl` for end-to-end tests of the restart step.
 *
 * Both are small sh scripts in a temporary bin folder that runCli puts first on
 * PATH, so the tool finds them instead of the machine's own service managers (a
 * test must never restart a real service). Each appends its argv as one line to
 * a log and exits as configured: the probe of the chosen manager succeeds, every
 * other probe fails, and the restart succeeds or fails.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export type FakeManager = 'launchd' | 'systemd' | 'none';

export interface FakeServicesOptions {
  /** The manager whose probe succeeds; `none` makes both probes fail. */
  manager: FakeManager;
  /** The restart command exits 1 with RESTART_FAILURE on stderr. */
  restartFails?: boolean;
}

export interface FakeServices {
  /** Pass to runCli: PATH with the fakes first. */
  env: NodeJS.ProcessEnv;
  /** Every call so far, one line each: `systemctl --user restart nanoclaw`. */
  calls(): string[];
  cleanup(): Promise<void>;
}

/** What a failing fake restart prints, so tests can find it in the tool's report. */
export const RESTART_FAILURE = 'fake: Job for nanoclaw.service failed';

const uid = process.getuid?.() ?? 0;

/** The commands the tool is expected to run, for this user. */
export const SERVICE_COMMANDS = {
  launchdProbe: `launchctl print gui/${uid}/com.nanoclaw`,
  launchdRestart: `launchctl kickstart -k gui/${uid}/com.nanoclaw`,
  systemdProbe: 'systemctl --user cat nanoclaw',
  systemdRestart: 'systemctl --user restart nanoclaw',
};

/** A case arm: a pattern over the space-joined argv, and what to do on a match. */
interface Arm {
  args: string;
  exit: number;
  stderr?: string;
}

function script(name: string, log: string, arms: Arm[]): string {
  const cases = arms
    .map(
      (arm) =>
        `  ${shellQuote(arm.args)})${arm.stderr ? ` echo ${shellQuote(arm.stderr)} >&2;` : ''} exit ${arm.exit} ;;`,
    )
    .join('\n');
  return [
    '#!/bin/sh',
    `# Fake ${name} written by test/helpers/fake-services.ts`,
    `line=${name}`,
    'for arg in "$@"; do line="$line $arg"; done',
    `printf '%s\\n' "$line" >> ${shellQuote(log)}`,
    'case "$*" in',
    cases,
    `  *) echo ${shellQuote(`${name}: not configured in this test`)} >&2; exit 1 ;;`,
    'esac',
    '',
  ].join('\n');
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

const argsOf = (command: string) => command.split(' ').slice(1).join(' ');

export async function createFakeServices(
  options: FakeServicesOptions,
): Promise<FakeServices> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'fake-services-'));
  const bin = path.join(dir, 'bin');
  const log = path.join(dir, 'calls.log');
  await fsp.mkdir(bin);
  await fsp.writeFile(log, '');

  const restart = (command: string): Arm =>
    options.restartFails
      ? { args: argsOf(command), exit: 1, stderr: RESTART_FAILURE }
      : { args: argsOf(command), exit: 0 };
  const launchd = options.manager === 'launchd';
  const systemd = options.manager === 'systemd';

  const launchctl: Arm[] = launchd
    ? [
        { args: argsOf(SERVICE_COMMANDS.launchdProbe), exit: 0 },
        restart(SERVICE_COMMANDS.launchdRestart),
      ]
    : [
        {
          args: argsOf(SERVICE_COMMANDS.launchdProbe),
          exit: 113,
          stderr: 'Could not find service "com.nanoclaw" in domain for user',
        },
      ];
  const systemctl: Arm[] = systemd
    ? [
        { args: argsOf(SERVICE_COMMANDS.systemdProbe), exit: 0 },
        restart(SERVICE_COMMANDS.systemdRestart),
      ]
    : [
        {
          args: argsOf(SERVICE_COMMANDS.systemdProbe),
          exit: 1,
          stderr: 'No files found for nanoclaw.service.',
        },
      ];

  for (const [name, arms] of [
    ['launchctl', launchctl],
    ['systemctl', systemctl],
  ] as const) {
    const file = path.join(bin, name);
    await fsp.writeFile(file, script(name, log, arms), { mode: 0o755 });
  }

  return {
    env: { PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}` },
    calls: () => fs.readFileSync(log, 'utf8').split('\n').filter(Boolean),
    cleanup: () => fsp.rm(dir, { recursive: true, force: true }),
  };
}
