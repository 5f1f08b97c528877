/**
 * Running a skill's hooks around the engine's own work: its steps inside the
 * transaction (undone newest first when one fails), its setup after the
 * commit, and the memory it keeps in the state file.
 */
import { errorMessage, SkillError } from '../core/errors.js';
import type { Journal } from '../engine/journal.js';
import type { SkillManifest } from '../engine/manifest.js';
import type { RunResult } from '../engine/result.js';
import type {
  HookContext,
  Operation,
  SkillHooks,
  SkillMemory,
  SkillStep,
  StepContext,
} from '../engine/skill-hooks.js';
import {
  ENGINE_STATE_KEYS,
  readState,
  updateState,
  type SkillState,
} from '../engine/state.js';
import type { Reporter } from '../core/reporter.js';
import { restartNanoClaw } from './service.js';

/**
 * The skill's keys in its state file. `recorded` stands in once the state is
 * gone: remove deletes it before its setup, which still needs what apply kept.
 */
export function skillMemory(
  root: string,
  skill: string,
  recorded?: SkillState,
): SkillMemory {
  const read = () =>
    (readState(root, skill) ?? recorded) as Record<string, unknown> | undefined;
  return {
    get: <T>(key: string) => read()?.[key] as T | undefined,
    set: (key, value) => {
      if (ENGINE_STATE_KEYS.includes(key)) {
        throw new SkillError(
          `The skill ${skill} tried to keep "${key}" in its state, a name the engine uses itself.`,
          { hint: 'Pick another key for the skill memory.' },
        );
      }
      updateState(root, skill, () => ({ [key]: value }));
    },
  };
}

export function hookContext(
  root: string,
  manifest: SkillManifest,
  options: Readonly<Record<string, unknown>>,
  reporter: Reporter,
  recorded?: SkillState,
): HookContext {
  return {
    root,
    manifest,
    options,
    reporter,
    memory: skillMemory(root, manifest.name, recorded),
  };
}

/** Undo the steps that ran, newest first; a failed undo is a warning, the rollback goes on. */
async function undoSteps(done: SkillStep[], ctx: StepContext): Promise<void> {
  for (const step of [...done].reverse()) {
    if (!step.undo) continue;
    try {
      await step.undo(ctx);
    } catch (err) {
      ctx.reporter.warn(`Could not undo "${step.name}": ${errorMessage(err)}`);
    }
  }
}

/** The skill's applySteps / removeSteps, inside the journaled transaction. */
export async function runSkillSteps(
  hooks: SkillHooks,
  operation: Operation,
  context: HookContext,
  journal: Journal,
): Promise<void> {
  const make = operation === 'apply' ? hooks.applySteps : hooks.removeSteps;
  const steps = make?.call(hooks, context) ?? [];
  const ctx: StepContext = {
    ...context,
    journalFiles: (files) => journal.record(files),
  };
  const done: SkillStep[] = [];
  for (const step of steps) {
    try {
      await context.reporter.step(
        step.name,
        () => step.run(ctx),
        (detail) => detail || undefined,
      );
    } catch (err) {
      await undoSteps(done, ctx);
      throw err;
    }
    done.push(step);
  }
}

/** After the commit: the skill's setup, or else a restart so NanoClaw loads the change. */
export async function runSetup(
  hooks: SkillHooks,
  operation: Operation,
  context: HookContext,
  result: RunResult,
): Promise<void> {
  const setup = operation === 'apply' ? hooks.afterApply : hooks.afterRemove;
  const ctx = { ...context, result };
  if (setup) await setup.call(hooks, ctx);
  else await restartNanoClaw(ctx);
}

/** What the setup after the commit does, for the dry run's "Not in the diff" line. */
export function setupDescription(
  hooks: SkillHooks,
  operation: Operation,
): string {
  const setup = operation === 'apply' ? hooks.afterApply : hooks.afterRemove;
  return (
    hooks.outsideTheDiff?.[operation] ??
    (setup ? "the skill's own setup" : 'a service restart')
  );
}
