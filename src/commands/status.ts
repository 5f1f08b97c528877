import fs from 'node:fs';
import path from 'node:path';

import { sha256 } from '../core/fs-util.js';
import {
  listSkills,
  loadManifest,
  readTemplate,
  templateFiles,
  type SkillManifest,
} from '../engine/manifest.js';
import { readCodemodOptions } from '../codemod/target-options.js';
import { loadCodemods } from '../engine/codemod-loader.js';
import { codemodFiles, type PassInputs } from '../engine/codemod-files.js';
import { cachedPass, keepPass, type InspectJob } from '../engine/pass-cache.js';
import { readState } from '../engine/state.js';
import {
  detectReleaseShape,
  type ReleaseDetection,
} from '../engine/release-shape.js';
import { loadSkillHooks } from '../engine/hooks-loader.js';
import type { InspectContext, StatusField } from '../engine/skill-hooks.js';
import { skillMemory } from '../steps/skill-steps.js';

export type EditHealth = 'applied' | 'missing' | 'drifted';

export interface EditStatus {
  codemod: string;
  file: string;
  state: EditHealth;
  detail?: string;
}

export interface SkillStatus {
  skill: string;
  applied: boolean;
  recorded: boolean;
  edits: EditStatus[];
  changedTemplates: string[];
  missingTemplates: string[];
}

/** A skill's status and the fields its hooks add (shown while it is applied). */
export interface SkillReport {
  status: SkillStatus;
  fields: StatusField[];
}

export interface TargetReport {
  target: string;
  /** Which NanoClaw release this is, by the way it keeps secrets. */
  release: ReleaseDetection;
  /** What the skills say about the target as a whole. */
  fields: StatusField[];
  skills: SkillReport[];
}

/**
 * Each edit's state in the target: applied, missing, or drifted (partly there
 * or anchor gone). Kept like a codemod pass (../engine/pass-cache.ts): the
 * same files, code and settings give the same states without loading the
 * codemods, and with them TypeScript.
 */
export async function inspectEdits(
  root: string,
  manifest: SkillManifest,
): Promise<EditStatus[]> {
  // Detected as apply wrote them: with the target's own formatting.
  const job: InspectJob = {
    operation: 'inspect',
    skill: manifest.name,
    root,
    codemods: manifest.codemods,
    options: readCodemodOptions(root),
  };
  const kept = cachedPass<EditStatus[]>(job);
  if (kept) return kept;
  const inputs: PassInputs = { files: {}, listings: {} };
  const edits = await detectEdits(job, inputs);
  keepPass(job, edits, inputs);
  return edits;
}

async function detectEdits(
  { root, skill, codemods: ids, options }: InspectJob,
  inputs: PassInputs,
): Promise<EditStatus[]> {
  const codemods = await loadCodemods(skill, ids);
  const edits: EditStatus[] = [];
  for (const id of ids) {
    const codemod = codemods[id];
    for (const file of codemodFiles(codemod, root, inputs.listings)) {
      const absolute = path.join(root, file);
      const text = fs.existsSync(absolute)
        ? fs.readFileSync(absolute, 'utf8')
        : null;
      inputs.files[file] = text === null ? null : sha256(text);
      if (text === null) {
        edits.push({
          codemod: id,
          file,
          state: 'drifted',
          detail: 'file missing',
        });
        continue;
      }
      const detection = codemod.detect(text, file, options);
      if (detection.state === 'not-applicable') continue;
      const problem = detection.problems[0];
      edits.push({
        codemod: id,
        file,
        state:
          problem || detection.state === 'partial'
            ? 'drifted'
            : detection.state === 'applied'
              ? 'applied'
              : 'missing',
        detail: problem
          ? `${problem.anchor}: expected ${problem.expected}`
          : undefined,
      });
    }
  }
  return edits;
}

export async function inspectSkill(
  root: string,
  manifest: SkillManifest,
): Promise<SkillStatus> {
  const state = readState(root, manifest.name);
  const edits = await inspectEdits(root, manifest);
  const changedTemplates: string[] = [];
  const missingTemplates: string[] = [];
  for (const file of templateFiles(manifest)) {
    const absolute = path.join(root, file);
    if (!fs.existsSync(absolute)) {
      missingTemplates.push(file);
      continue;
    }
    const expected =
      state?.templates[file] ?? sha256(readTemplate(manifest, file));
    if (sha256(fs.readFileSync(absolute)) !== expected)
      changedTemplates.push(file);
  }
  const anyApplied = edits.some((edit) => edit.state !== 'missing');
  return {
    skill: manifest.name,
    applied: Boolean(state) || anyApplied,
    recorded: Boolean(state),
    edits,
    changedTemplates,
    missingTemplates,
  };
}

/** What a skill's doctor and status hooks get: read-only. */
export function inspectContext(
  root: string,
  manifest: SkillManifest,
  applied: boolean,
): InspectContext {
  return {
    root,
    manifest,
    applied,
    memory: skillMemory(root, manifest.name),
    codemods: (ids) => loadCodemods(manifest.name, ids),
  };
}

async function reportSkill(
  root: string,
  manifest: SkillManifest,
): Promise<{ skill: SkillReport; targetFields: StatusField[] }> {
  const status = await inspectSkill(root, manifest);
  const hooks = await loadSkillHooks(manifest.name);
  const fields = hooks.status
    ? await hooks.status(inspectContext(root, manifest, status.applied))
    : {};
  return {
    skill: { status, fields: fields.skill ?? [] },
    targetFields: fields.target ?? [],
  };
}

export async function inspectTarget(root: string): Promise<TargetReport> {
  const reports = await Promise.all(
    listSkills().map((name) => reportSkill(root, loadManifest(name))),
  );
  return {
    target: root,
    release: detectReleaseShape(root),
    fields: reports.flatMap((report) => report.targetFields),
    skills: reports.map((report) => report.skill),
  };
}

const asJson = (fields: StatusField[]) =>
  Object.fromEntries(fields.map((field) => [field.key, field.value]));

/** skill-status --json: the skills' fields as keys of the target and of each skill. */
export function statusJson(report: TargetReport): Record<string, unknown> {
  return {
    target: report.target,
    release: report.release,
    ...asJson(report.fields),
    skills: report.skills.map(({ status, fields }) => ({
      ...status,
      ...asJson(fields),
    })),
  };
}
