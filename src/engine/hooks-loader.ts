/**
 * A skill's hooks module (./skill-hooks.ts), loaded by path when the skill
 * has one: skills/<skill>/hooks.ts, compiled to dist/skills/<skill>/hooks.js.
 * It must not import the codemod toolkit: apply loads it on its main thread,
 * which stays free of the TypeScript compiler (./edit-runner.ts).
 */
import { cached } from '../core/cached.js';
import { SkillError } from '../core/errors.js';
import { importModule } from './import-module.js';
import { locateSkill, shownPath, skillModule } from './skill-location.js';
import type { SkillHooks } from './skill-hooks.js';

const HOOK_FUNCTIONS = [
  'applySteps',
  'removeSteps',
  'afterApply',
  'afterRemove',
  'doctor',
  'status',
] as const;
const HOOK_DATA = ['options', 'examples', 'outsideTheDiff'] as const;

const loaded = new Map<string, Promise<SkillHooks>>();

/** The hooks module of a skill, if it has one: compiled first, else its source. */
export function hooksFile(skill: string): string | undefined {
  const location = locateSkill(skill);
  if (!location) return undefined;
  return skillModule(
    { compiled: location.compiled?.dir, source: location.dir },
    'hooks',
  );
}

function wrongShape(file: string, what: string): SkillError {
  return new SkillError(`${shownPath(file)} ${what}.`, {
    file,
    hint: 'A hooks module default-exports defineSkillHooks({ ... }) from src/api/, with only the hooks that contract names (applySteps, removeSteps, afterApply, afterRemove, doctor, status, options, examples, outsideTheDiff).',
  });
}

function validate(file: string, module: unknown): SkillHooks {
  const hooks = (module as { default?: unknown } | null)?.default;
  if (!hooks || typeof hooks !== 'object' || Array.isArray(hooks)) {
    throw wrongShape(file, 'has no default export of skill hooks (an object)');
  }
  const known = new Set<string>([...HOOK_FUNCTIONS, ...HOOK_DATA]);
  for (const [key, value] of Object.entries(hooks)) {
    if (!known.has(key))
      throw wrongShape(file, `exports an unknown hook "${key}"`);
    const isFunction = (HOOK_FUNCTIONS as readonly string[]).includes(key);
    if (isFunction && typeof value !== 'function') {
      throw wrongShape(
        file,
        `exports "${key}" as ${typeof value}, not a function`,
      );
    }
    if (!isFunction && (typeof value !== 'object' || value === null)) {
      throw wrongShape(
        file,
        `exports "${key}" as ${typeof value}, not an object`,
      );
    }
  }
  return hooks as SkillHooks;
}

async function load(skill: string): Promise<SkillHooks> {
  const file = hooksFile(skill);
  if (!file) return {};
  return validate(file, await importModule(file));
}

/** A skill's hooks ({} when it has none), loaded once per process. */
export function loadSkillHooks(skill: string): Promise<SkillHooks> {
  return cached(loaded, skill, () => load(skill));
}
