/**
 * Every skill's codemods, as the engine finds them: the ids its skill.json
 * lists, each loaded from codemods/<skill>/<id>.ts, with the fixtures beside
 * them in codemods/<skill>/__testfixtures__/<id>/.
 */
import path from 'node:path';

import type { FormattedCodemod } from '../../src/codemod/options.js';
import { TOOL_ROOT } from '../../src/core/paths.js';
import {
  loadCodemods,
  type CodemodSet,
} from '../../src/engine/codemod-loader.js';
import { listSkills, loadManifest } from '../../src/engine/manifest.js';

export interface SkillCodemods {
  skill: string;
  codemods: CodemodSet;
  /** codemods/<skill>/__testfixtures__ */
  fixtures: string;
}

export async function skillCodemods(skill: string): Promise<SkillCodemods> {
  return {
    skill,
    codemods: await loadCodemods(skill, loadManifest(skill).codemods),
    fixtures: path.join(TOOL_ROOT, 'codemods', skill, '__testfixtures__'),
  };
}

/** The codemods of every skill under skills/. */
export function everySkillsCodemods(): Promise<SkillCodemods[]> {
  return Promise.all(listSkills().map(skillCodemods));
}

/** One codemod of the Codex skill, by id (the tests that name one). */
export async function codexCodemod(id: string): Promise<FormattedCodemod> {
  const { codemods } = await skillCodemods('add-codex-provider');
  const codemod = codemods[id];
  if (!codemod) throw new Error(`add-codex-provider has no codemod ${id}`);
  return codemod;
}
