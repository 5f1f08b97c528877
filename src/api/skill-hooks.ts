/**
 * The engine API a skill's own module is written against: skills/<skill>/hooks.ts
 * default-exports `defineSkillHooks({...})`. The engine loads it (compiled, from
 * dist/skills/<skill>/hooks.js) when it exists and calls the hooks; it never
 * names a provider, a token file or a setup step itself. Everything here is
 * optional: a skill made of templates and codemods alone needs no hooks file.
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
 *   `undo`. A step that runs a program must say how it is undone.
 * - `afterApply` / `afterRemove` run once the change is committed (sign-in,
 *   provider choice, .env, caches, restart): they never undo the installation.
 *   Use `ctx.reporter.softStep` so that a failure becomes a warning with a fix.
 * - `doctor` checks and `status` fields are read-only.
 */
import type { Reporter } from '../core/reporter.js';
import type { SkillManifest } from '../engine/manifest.js';
import type { RunResult } from '../engine/result.js';

/** A command-line option a skill adds to apply-skill or remove-skill. */
export interface SkillOption {
  type: 'boolean' | 'string';
  describe: string;
  default?: boolean | string;
  /** For a string option: the values allowed. */
  choices?: readonly string[];
}

/** What every hook gets. */
export interface HookContext {
  /** The NanoClaw checkout (absolute). */
  root: string;
  manifest: SkillManifest;
  /** The parsed command line: the engine's options and the skill's own (camelCase). */
  options: Readonly<Record<string, unknown>>;
  /** Under --json: no questions, progress on stderr only. */
  json: boolean;
  /** Whether a question may be asked (a terminal, no --yes / --json). */
  canPrompt: boolean;
}

/**
 * What the skill keeps between apply and remove (in the skill's state file in
 * the target, beside the engine's own records): e.g. the .env line apply
 * replaced, so that remove can put it back.
 */
export interface SkillMemory {
  get<T = unknown>(key: string): T | undefined;
  /** Saved at once (a later failure of the run does not lose it). */
  set(key: string, value: unknown): void;
}

/** Context of the steps inside the transaction. */
export interface StepContext extends HookContext {
  reporter: Reporter;
  memory: SkillMemory;
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
export interface SetupContext extends StepContext {
  /** Append to what the user is told to do next, and to warnings (text and JSON). */
  result: Pick<RunResult, 'next' | 'warnings' | 'status'>;
}

/** One troubleshooting check; a failed one prints its fix. */
export interface DoctorCheck {
  check: string;
  /** undefined: passed. */
  problem?: string;
  fix?: string;
}

export interface InspectContext extends HookContext {
  /** Whether the skill is applied to the target (recorded or detected). */
  applied: boolean;
  memory: Omit<SkillMemory, 'set'>;
}

/**
 * Fields the skill adds to skill-status: shown as `name: value` lines under
 * the skill, and under --json as `skills[].fields`.
 */
export type StatusFields = Record<string, string | number | boolean | null>;

export interface SkillHooks {
  options?: {
    apply?: Record<string, SkillOption>;
    remove?: Record<string, SkillOption>;
  };
  applySteps?(ctx: HookContext): SkillStep[];
  removeSteps?(ctx: HookContext): SkillStep[];
  afterApply?(ctx: SetupContext): Promise<void>;
  afterRemove?(ctx: SetupContext): Promise<void>;
  doctor?(ctx: InspectContext & { live: boolean }): Promise<DoctorCheck[]>;
  status?(ctx: InspectContext): Promise<StatusFields>;
}

/** Identity, for type checking a skill's hooks module. */
export function defineSkillHooks(hooks: SkillHooks): SkillHooks {
  return hooks;
}
