import { renderDiff, summarise, type ChangeSummary } from './diff.js';
import type { SkillManifest } from './manifest.js';
import type { EditOutcome, Plan } from './plan.js';
import type { Reporter, StepRecord } from '../core/reporter.js';

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

export function baseResult(
  operation: 'apply' | 'remove',
  manifest: SkillManifest,
  root: string,
  plan: Plan | undefined,
  dryRun: boolean,
): RunResult {
  return {
    ok: true,
    operation,
    skill: manifest.name,
    target: root,
    status: 'dry-run',
    dryRun,
    files: summarise(plan?.changes ?? []),
    edits: plan?.edits ?? [],
    kept: plan?.kept ?? [],
    warnings: plan?.warnings ?? [],
    steps: [],
    next: [],
  };
}

/** What a real run does beyond the files in the diff: the engine's part, then the skill's. */
const OUTSIDE_THE_DIFF = {
  apply:
    'Not in the diff: npm install (package-lock.json, node_modules), the builds (dist/)',
  remove:
    'Not in the diff: package-lock.json restored (or npm uninstall), build outputs removed, a rebuild',
};

/** A dry run: the plan's diff on stdout, a one-line verdict on stderr, nothing written. */
export function reportDryRun(
  plan: Plan,
  reporter: Reporter,
  print: (text: string) => void,
  unchanged: string,
  /** What the skill's own setup does after the builds (its hooks say). */
  skillSetup: string,
): RunResult {
  for (const warning of plan.warnings) reporter.warn(warning);
  const diff = renderDiff(plan.changes);
  if (diff) print(diff);
  reporter.info(
    plan.changes.length === 0
      ? `${plan.manifest.name} ${unchanged}; nothing would change.`
      : `Dry run: ${plan.changes.length} file(s) would change; nothing was written.`,
  );
  if (plan.changes.length > 0)
    reporter.info(`${OUTSIDE_THE_DIFF[plan.operation]}, ${skillSetup}.`);
  return baseResult(plan.operation, plan.manifest, plan.root, plan, true);
}
