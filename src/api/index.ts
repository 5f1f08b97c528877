/**
 * Everything a skill's own code may use, in one place: a skill's hooks.ts
 * and its modules import from here and nowhere else in the tool, so the
 * engine can change behind this file. See ../engine/skill-hooks.ts for when
 * each hook runs and what its failure does, and ../engine/skill-location.ts
 * for where a skill lies (NANOCLAW_SKILLS_PATH finds one outside the tool).
 */
export {
  defineSkillHooks,
  type DoctorCheck,
  type DoctorContext,
  type HookContext,
  type InspectContext,
  type Operation,
  type SetupContext,
  type SkillHooks,
  type SkillMemory,
  type SkillOption,
  type SkillStep,
  type StatusField,
  type StatusReport,
  type StepContext,
} from '../engine/skill-hooks.js';
export type { SkillManifest } from '../engine/manifest.js';
export type { Reporter } from '../core/reporter.js';

/** Failures a person reads: SkillError names the file and the fix; CancelledError is Ctrl-C. */
export { CancelledError, SkillError, errorMessage } from '../core/errors.js';

/** Questions, only where someone can answer (never under --json or in CI). */
export { canPrompt, choose, confirm } from '../core/prompt.js';

/** The target's .env and its copy data/env/env, which the containers read. */
export {
  containerEnvInSync,
  envPaths,
  findEnvLine,
  readEnv,
  readEnvValue,
  setEnvLine,
  writeEnvAndSync,
} from '../steps/env-file.js';

/** Delete empty folders from `relativeDir` up to the target (never the target itself). */
export { pruneEmptyDirs } from '../core/fs-util.js';

/** The per-group agent-runner copies, which go stale when container code changes. */
export { agentRunnerCaches, clearAgentRunnerCaches } from '../steps/caches.js';

/** Restart NanoClaw (launchd, systemd), honouring --no-restart. */
export { restartNanoClaw as restartService } from '../steps/service.js';
