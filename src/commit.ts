import fs from 'node:fs';
import path from 'node:path';

import { SkillError, errorMessage } from './errors.js';
import { pruneEmptyDirs, writeFileAtomic } from './fs-util.js';
import { Journal } from './journal.js';
import type { Reporter } from './reporter.js';
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
  // Ctrl-C (or a service manager's TERM) mid-run: put everything back first.
  const onSignal = (signal: NodeJS.Signals) => {
    const restored = journal.rollback();
    reporter.error(
      `Interrupted by ${signal}; rolled back ${restored.length} file(s).`,
    );
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const result = await work(journal);
    journal.finish();
    return result;
  } catch (err) {
    const restored = journal.rollback();
    reporter.error(
      `${operation} failed; rolled back ${restored.length} file${restored.length === 1 ? '' : 's'}.`,
    );
    if (err instanceof SkillError) {
      throw new SkillError(`${err.message} Everything was rolled back.`, {
        file: err.file,
        hint: err.hint,
        details: err.details,
        exitCode: err.exitCode,
      });
    }
    throw new SkillError(
      `${operation} failed: ${errorMessage(err)}. Everything was rolled back.`,
    );
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** A previous run that crashed mid-way left its journal: undo it before anything else. */
export function recoverInterruptedRun(root: string, reporter: Reporter): void {
  if (!Journal.exists(root)) return;
  const journal = Journal.load(root);
  reporter.warn(
    `An earlier run was interrupted (${journal.description}); restoring the files it changed.`,
  );
  journal.rollback();
}
