import type { ChangeSummary } from './diff.js';
import type { EditOutcome } from './plan.js';
import type { StepRecord } from './reporter.js';

/** The one machine-readable result a run prints under --json. */
export interface RunResult {
  ok: boolean;
  operation: 'apply' | 'remove';
  skill: string;
  target: string;
  status:
    | 'applied'
    | 'already-applied'
    | 'removed'
    | 'not-applied'
    | 'dry-run'
    | 'failed';
  dryRun: boolean;
  files: ChangeSummary;
  edits: EditOutcome[];
  kept: string[];
  warnings: string[];
  steps: StepRecord[];
  next: string[];
  error?: { message: string; file?: string; hint?: string; details: string[] };
}
