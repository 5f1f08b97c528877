import { SkillError } from '../core/errors.js';
import type { Reporter } from '../core/reporter.js';
import type { RunResult } from '../engine/result.js';

export type ServiceManager = 'launchd' | 'systemd' | 'none';

export interface ServiceInfo {
  manager: ServiceManager;
  /** What restarts it (or, for none, how to start it by hand). */
  command: string[];
}

const LAUNCHD_LABEL = 'com.nanoclaw';
const SYSTEMD_UNIT = 'nanoclaw';

async function succeeds(file: string, args: string[]): Promise<boolean> {
  const { execa } = await import('execa');
  const result = await execa(file, args, {
    reject: false,
    stdin: 'ignore',
    timeout: 15_000,
  });
  return !result.failed;
}

/** Which service manager runs NanoClaw here: launchd, a systemd user unit, or neither. */
export async function detectService(): Promise<ServiceInfo> {
  const uid = process.getuid?.() ?? 0;
  const launchdTarget = `gui/${uid}/${LAUNCHD_LABEL}`;
  if (await succeeds('launchctl', ['print', launchdTarget])) {
    return {
      manager: 'launchd',
      command: ['launchctl', 'kickstart', '-k', launchdTarget],
    };
  }
  if (await succeeds('systemctl', ['--user', 'cat', SYSTEMD_UNIT])) {
    return {
      manager: 'systemd',
      command: ['systemctl', '--user', 'restart', SYSTEMD_UNIT],
    };
  }
  return { manager: 'none', command: ['npm', 'run', 'dev'] };
}

/** Restart the service; a failure names the command to run by hand. */
export async function restartService(service: ServiceInfo): Promise<string> {
  if (service.manager === 'none') {
    return `no launchd or systemd service found; start NanoClaw with \`npm start\` (or \`${service.command.join(' ')}\`)`;
  }
  const [file, ...args] = service.command;
  const { execa } = await import('execa');
  const result = await execa(file, args, {
    reject: false,
    stdin: 'ignore',
    all: true,
    timeout: 60_000,
  });
  if (result.failed) {
    throw new SkillError(
      `Restarting the ${service.manager} service failed (${(result.all ?? '').trim() || `exit ${result.exitCode}`}).`,
      { hint: `Run \`${service.command.join(' ')}\` yourself.` },
    );
  }
  return `${service.manager}: ${service.command.join(' ')}`;
}

/** What restarting after a run needs: the options (--no-restart), progress and the result. */
export interface RestartContext {
  options: Readonly<Record<string, unknown>>;
  reporter: Reporter;
  result: Pick<RunResult, 'next'>;
}

/** Restart NanoClaw so it loads the change, unless --no-restart; a failure is a warning. */
export async function restartNanoClaw(ctx: RestartContext): Promise<void> {
  if (ctx.options.restart === false) {
    ctx.reporter.skip('Restart service', '--no-restart');
    ctx.result.next.push('Restart NanoClaw so it loads the change.');
    return;
  }
  await ctx.reporter.softStep('Restart service', async () =>
    restartService(await detectService()),
  );
}
