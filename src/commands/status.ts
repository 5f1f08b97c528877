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
import { codemodFiles } from '../engine/edits.js';
import { readState } from '../engine/state.js';
import { readEnv, readEnvValue } from '../steps/env-file.js';
import { detectReleaseShape, type ReleaseDetection } from '../engine/release-shape.js';
import { resolveTokenLocation } from '../../skills/add-codex-provider/token-file.js';
import { inspectTokens, type TokenStatus } from '../../skills/add-codex-provider/token-status.js';

export { inspectTokens, type TokenStatus };

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
  tokens?: TokenStatus;
}

export interface TargetStatus {
  target: string;
  /** Which NanoClaw release this is, by the way it keeps secrets. */
  release: ReleaseDetection;
  provider: string;
  skills: SkillStatus[];
}

/** Each edit's state in the target: applied, missing, or drifted (partly there or anchor gone). */
export async function inspectEdits(
  root: string,
  manifest: SkillManifest,
): Promise<EditStatus[]> {
  const codemods = await loadCodemods(manifest.name, manifest.codemods);
  const edits: EditStatus[] = [];
  // Detected as apply wrote them: with the target's own formatting.
  const options = readCodemodOptions(root);
  for (const id of manifest.codemods) {
    const codemod = codemods[id];
    for (const file of codemodFiles(codemod, root)) {
      const absolute = path.join(root, file);
      if (!fs.existsSync(absolute)) {
        edits.push({
          codemod: id,
          file,
          state: 'drifted',
          detail: 'file missing',
        });
        continue;
      }
      const detection = codemod.detect(
        fs.readFileSync(absolute, 'utf8'),
        file,
        options,
      );
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
    const expected = state?.templates[file] ?? sha256(readTemplate(manifest, file));
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
    tokens: manifest.provider
      ? inspectTokens(root, resolveTokenLocation(root, manifest.provider))
      : undefined,
  };
}

export async function inspectTarget(root: string): Promise<TargetStatus> {
  const env = readEnv(root);
  return {
    target: root,
    release: detectReleaseShape(root),
    provider:
      readEnvValue(env, 'AGENT_PROVIDER') ??
      process.env.AGENT_PROVIDER ??
      'claude',
    skills: await Promise.all(
      listSkills().map((name) => inspectSkill(root, loadManifest(name))),
    ),
  };
}
