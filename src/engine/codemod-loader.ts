/**
 * A skill's codemods, found by the ids its skill.json lists: each is the
 * module codemods/<skill>/<id>.ts (compiled beside this file's own output),
 * exporting `codemod` with that id. No registry to edit: a new skill brings
 * its codemods in its own folder, and only the ones its manifest names load.
 * A skill outside the tool (NANOCLAW_SKILLS_PATH) keeps them in its own
 * codemods/ folder (./skill-location.ts).
 */
import path from 'node:path';

import type { FormattedCodemod } from '../codemod/options.js';
import { cached } from '../core/cached.js';
import { SkillError } from '../core/errors.js';
import { SKILLS_DIR, TOOL_ROOT } from '../core/paths.js';
import { importModule } from './import-module.js';
import { locateSkill, shownPath, skillModule } from './skill-location.js';

export type CodemodSet = Record<string, FormattedCodemod>;

const loaded = new Map<string, Promise<FormattedCodemod>>();

/** The module of one codemod: compiled JavaScript, or its TypeScript source when run from source. */
function moduleOf(skill: string, id: string): string {
  const location = locateSkill(skill);
  const codemodsDir =
    location?.codemodsDir ?? path.join(TOOL_ROOT, 'codemods', skill);
  const found = skillModule(
    { compiled: location?.compiled?.codemodsDir, source: codemodsDir },
    id,
  );
  if (found) return found;
  const manifest = shownPath(
    path.join(location?.dir ?? path.join(SKILLS_DIR, skill), 'skill.json'),
  );
  throw new SkillError(
    `${manifest} names the codemod "${id}", but ${shownPath(path.join(codemodsDir, `${id}.ts`))} does not exist.`,
    {
      file: manifest,
      hint: `Each id in "codemods" is a file ${shownPath(codemodsDir)}/<id>.ts exporting \`codemod\`.`,
    },
  );
}

async function loadOne(skill: string, id: string): Promise<FormattedCodemod> {
  const file = moduleOf(skill, id);
  const module = (await importModule(file)) as { codemod?: FormattedCodemod };
  const codemod = module.codemod;
  if (!codemod || codemod.id !== id) {
    throw new SkillError(`${file} does not export a codemod with id "${id}".`, {
      file,
      hint: 'Export `codemod` (defineCodemod from src/codemod/define.ts) whose id is the file name.',
    });
  }
  return codemod;
}

/** The codemods of a skill by id, loaded once per process. */
export async function loadCodemods(
  skill: string,
  ids: readonly string[],
): Promise<CodemodSet> {
  const entries = await Promise.all(
    ids.map(async (id) => {
      const codemod = cached(loaded, `${skill}/${id}`, () =>
        loadOne(skill, id),
      );
      return [id, await codemod] as const;
    }),
  );
  return Object.fromEntries(entries);
}
