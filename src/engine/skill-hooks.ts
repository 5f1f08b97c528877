/**
 * The contract between the engine and a skill's own module:
 * skills/<skill>/hooks.ts default-exports `defineSkillHooks({...})` (a skill
 * imports it, and every helper, from src/api/). The engine loads the module
 * (compiled, from dist/skills/<skill>/hooks.js) when it exists and calls the
 * hooks; it knows nothing of what the skill adds.
 * Everything is optional: a skill made of templates and codemods alone needs
 * no hooks file.
 *
 * Order of a run, and what a failure does:
 *
 *   apply:  plan -> write files -> install and build -> `applySteps` ->
 *           commit -> `afterApply`
 *   remove: plan -> write files -> uninstall and build -> `removeSteps` ->
 *           commit -> `afterRemove`
 *
 * - `applySteps` / `removeSteps` run inside the transaction: the first one
 *   that throws rolls everything back (files, npm, build output) and the
 *   steps that had already run are undone, newest first, with their own
 *   `undo`. A step that runs a program must say how it is undone. Ctrl-C
 *   during the steps rolls back the journaled files and the programs the
 *   engine started; it does not call `undo` (the process exits at once).
 * - `afterApply` / `afterRemove` run once the change is committed: they never
 *   undo the installation. Use `ctx.reporter.softStep` so that a failure
 *   becomes a warning with a fix. Without them the engine restarts the
 *   service (honouring --no-restart); with them the skill calls
 *   `restartService(ctx)` from src/api/ where it fits.
 * - `doctor` checks and `status` fields are read-only.
 */
import type { Reporter } from '../core/reporter.js';
import type { CodemodSet } from './codemod-loader.js';
import type { SkillManifest } from './manifest.js';
import type { RunResult } from './result.js';

/** A command-line option a skill adds to apply-skill or remove-skill (named in kebab-case). */
export interface SkillOption {
  type: 'boolean' | 'string';
  describe: string;
  default?: boolean | string;
  /** For a string option: the values allowed. */
  choices?: readonly string[];
}

/** What the skill keeps between apply and remove, in its state file in the target. */
export interface SkillMemory {
  get<T = unknown>(key: string): T | undefined;
  /**
   * Saved at once, beside the engine's own records (so a later failure of
   * the run does not lose it); nothing is saved while no state is recorded.
   */
  set(key: string, value: unknown): void;
}

/** What every apply/remove hook gets. */
export interface HookContext {
  /** The NanoClaw checkout (absolute). */
  root: string;
  manifest: SkillManifest;
  /** The parsed command line: the engine's options and the skill's own, camelCase (`skipAuth`). */
  options: Readonly<Record<string, unknown>>;
  reporter: Reporter;
  memory: SkillMemory;
}

/** Context of the steps inside the transaction. */
export interface StepContext extends HookContext {
  /**
   * Record files before a step changes them (target-relative): the rollback
   * restores them byte for byte, or deletes them if they did not exist.
   */
  journalFiles(files: string[]): void;
}

/** A step inside the transaction. */
export interface SkillStep {
  /** Shown as the step's line ("Register the plugin"). */
  name: string;
  /** Its result in a few words, shown after the name; throw to fail (and roll back). */
  run(ctx: StepContext): Promise<string | void>;
  /** Undo what `run` did outside journaled files (a program's effect); called on rollback. */
  undo?(ctx: StepContext): Promise<void>;
}

/** Context of the setup after the commit. */
export interface SetupContext extends HookContext {
  /** Add to what the user is told to do next, and to the warnings (text and JSON). */
  result: Pick<RunResult, 'next' | 'warnings'>;
}

/** What doctor and status hooks get: read-only. */
export interface InspectContext {
  root: string;
  manifest: SkillManifest;
  /** Whether the skill is applied to the target (recorded or detected). */
  applied: boolean;
  memory: Pick<SkillMemory, 'get'>;
  /** This skill's codemods by id (loads the TypeScript toolkit: fine here, never in apply). */
  codemods(ids: readonly string[]): Promise<CodemodSet>;
}

export interface DoctorContext extends InspectContext {
  /** skill-doctor --live: checks may use the network and stored credentials. */
  live: boolean;
}

/** One troubleshooting check; a failed one prints its fix. */
export interface DoctorCheck {
  check: string;
  /** undefined: passed. */
  problem?: string;
  fix?: string;
  /** What a passing check measured, e.g. a latency. */
  detail?: string;
  /** Listed after the engine's own build checks (which run when the skill is applied). */
  afterBuild?: boolean;
}

/** One line of skill-status: `label: text` in text, `key: value` under --json. */
export interface StatusField {
  key: string;
  value: unknown;
  label: string;
  text: string;
}

export interface StatusReport {
  /** About the target as a whole: shown after the release line, and top-level in JSON. */
  target?: StatusField[];
  /** Shown under the skill while it is applied; in JSON, in the skill's entry. */
  skill?: StatusField[];
}

export type Operation = 'apply' | 'remove';

export interface SkillHooks {
  /** Options of apply-skill / remove-skill, by kebab-case name. */
  options?: Partial<Record<Operation, Record<string, SkillOption>>>;
  /** `--help` examples: [command line after the program name, what it does]. */
  examples?: Partial<Record<Operation, [string, string][]>>;
  /** What a real run does after the builds, for the dry run's "Not in the diff" line. */
  outsideTheDiff?: Partial<Record<Operation, string>>;
  applySteps?(ctx: HookContext): SkillStep[];
  removeSteps?(ctx: HookContext): SkillStep[];
  afterApply?(ctx: SetupContext): Promise<void>;
  afterRemove?(ctx: SetupContext): Promise<void>;
  doctor?(ctx: DoctorContext): Promise<DoctorCheck[]>;
  status?(ctx: InspectContext): Promise<StatusReport>;
}

/** Identity, for type checking a skill's hooks module. */
export function defineSkillHooks(hooks: SkillHooks): SkillHooks {
  return hooks;
}
