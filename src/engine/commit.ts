import fs from 'node:fs';
import path from 'node:path';

import { SkillError, errorMessage } from '../core/errors.js';
import { pruneEmptyDirs, writeFileAtomic } from '../core/fs-util.js';
import { Journal } from './journal.js';
import { withTargetLock } from './lock.js';
import { stopLeftoverGroup } from '../core/process-group.js';
import type { Reporter } from '../core/reporter.js';
import type { RollbackReport } from './rollback-report.js';
import { stopRunningCommands, watchCommands } from '../core/run-command.js';
import type { FileChange } from './tree.js';

/** Write a planned change set; the journal has the originals first. */
export function writeChanges(
  root: string,
  changes: FileChange[],
  journal: Journal,
): void {
  journal.record(changes.map((change) => change.path));
  for (const change of changes) {
    const absolute = path.join(root, change.path);
    if (change.after === null) {
      fs.rmSync(absolute, { force: true });
      pruneEmptyDirs(root, path.dirname(change.path));
    } else {
      writeFileAtomic(absolute, change.after);
    }
  }
}

const FINISH_BY_RERUNNING =
  'Fix what keeps those paths from being written (permissions, `chattr -i`, a mount), then run apply-skill or remove-skill again: it finishes this rollback before anything else. The originals are kept in .nanoclaw/skill-applicator/journal/.';

/** The failure that stopped a run, with what its rollback did and could not do. */
function rolledBackError(
  err: unknown,
  operation: string,
  report: RollbackReport,
): SkillError {
  const cause =
    err instanceof SkillError
      ? err
      : new SkillError(`${operation} failed: ${errorMessage(err)}.`);
  const failed = report.failureLines();
  if (failed.length === 0) {
    return new SkillError(`${cause.message} Everything was rolled back.`, {
      file: cause.file,
      hint: cause.hint,
      details: cause.details,
      exitCode: cause.exitCode,
    });
  }
  return new SkillError(
    `${cause.message} The rollback could not restore ${failed.length} path(s): ${report.failed.map((f) => f.path).join(', ')}.`,
    {
      file: cause.file,
      hint: cause.hint
        ? `${FINISH_BY_RERUNNING} About the failure itself: ${cause.hint}`
        : FINISH_BY_RERUNNING,
      details: [
        ...cause.details,
        ...failed.map((line) => `could not restore ${line}`),
      ],
      exitCode: cause.exitCode,
    },
  );
}

/** `listFailures`: when no error follows that lists them. */
function reportRollback(
  reporter: Reporter,
  headline: string,
  report: RollbackReport,
  listFailures: boolean,
): void {
  reporter.error(`${headline}; ${report.describe()}.`);
  if (!listFailures || report.failed.length === 0) return;
  for (const line of report.failureLines()) {
    reporter.error(`could not restore ${line}`);
  }
  reporter.info(FINISH_BY_RERUNNING);
}

/** Settles never: the signal handler rolls back and exits the process. */
const exitPending = () => new Promise<never>(() => undefined);

/**
 * Run `work` under a fresh journal; on any failure put every file back (and
 * delete what the run or its programs created), then rethrow with that said.
 */
export async function journaled<T>(
  root: string,
  operation: string,
  skill: string,
  reporter: Reporter,
  work: (journal: Journal) => Promise<T>,
): Promise<T> {
  const journal = Journal.begin(root, operation, skill);
  let interrupted: NodeJS.Signals | undefined;
  // Ctrl-C (or a service manager's TERM) mid-run: stop the programs we started
  // and wait until they are gone, so none writes after the rollback.
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return; // A second Ctrl-C must not cut the rollback short.
    interrupted = signal;
    void stopRunningCommands().then(() => {
      const report = journal.rollback();
      reportRollback(reporter, `Interrupted by ${signal}`, report, true);
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  watchCommands({
    started: (pid) => journal.commandStarted(pid),
    ended: (pid) => journal.commandEnded(pid),
  });
  try {
    const result = await work(journal);
    if (interrupted) return await exitPending();
    journal.finish();
    return result;
  } catch (err) {
    if (interrupted) return await exitPending();
    const report = journal.rollback();
    reportRollback(reporter, `${operation} failed`, report, false);
    throw rolledBackError(err, operation, report);
  } finally {
    watchCommands(undefined);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** A previous run that crashed mid-way left its journal: undo it before anything else. */
export async function recoverInterruptedRun(
  root: string,
  reporter: Reporter,
): Promise<void> {
  if (!Journal.exists(root)) return;
  const journal = Journal.load(root);
  reporter.warn(
    `An earlier run was interrupted (${journal.description}); restoring the files it changed.`,
  );
  // Its builds may still run, and would write into dist/ after the rollback.
  let stopped = 0;
  for (const { pgid, startTime } of journal.leftoverCommands) {
    if (await stopLeftoverGroup(pgid, startTime)) stopped++;
  }
  if (stopped > 0) {
    reporter.info(
      `Stopped ${stopped} program(s) the earlier run left running.`,
    );
  }
  const report = journal.rollback();
  if (report.failed.length > 0) {
    throw new SkillError(
      `Could not finish undoing the earlier run: ${report.failed.length} path(s) could not be restored (${report.failed.map((f) => f.path).join(', ')}). Nothing else was changed.`,
      {
        file: path.join(root, report.failed[0].path),
        details: report.failureLines(),
        hint: FINISH_BY_RERUNNING,
      },
    );
  }
  reporter.info(`Earlier run undone: ${report.describe()}.`);
}

/**
 * Finish an interrupted run's rollback before the target is checked: the
 * run may have left it without a file the check requires (a rollback that
 * could not restore src/config.ts, say), and only the rollback brings it back.
 */
export async function recoverBeforeChecks(
  target: string | undefined,
  reporter: Reporter,
): Promise<void> {
  const root = path.resolve(target ?? process.cwd());
  if (!Journal.exists(root)) return;
  await withTargetLock(root, async () => recoverInterruptedRun(root, reporter));
}
