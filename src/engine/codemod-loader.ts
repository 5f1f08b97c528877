/**
 * A skill's codemods, found by the ids its skill.json lists: each is the
 * module codemods/<skill>/<id>.ts (compiled beside this file's own output),
 * exporting `codemod` with that id. No registry to edit: a new skill brings
 * its codemods in its own folder, and only the ones its manifest names load.
 * A skill outside the tool (NANOCLAW_SKILLS_PATH) keeps them in its own
 * codemods/ folder (./skill-location.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import type { FormattedCodemod } from '../codemod/options.js';
import { SkillError } from '../core/errors.js';
import { importModule } from './import-module.js';
import { locateSkill, shownPath } from './skill-location.js';

export type CodemodSet = Record<string, FormattedCodemod>;

const loaded = new Map<string, Promise<FormattedCodemod>>();

/** The module of one codemod: compiled JavaScript, or its TypeScript source when run from source. */
function moduleOf(skill: string, id: string): string {
  const compiled = fileURLToPath(
    new URL(`../../codemods/${skill}/${id}.js`, import.meta.url),
  );
  const location = locateSkill(skill);
  const codemodsDir = location?.codemodsDir ?? path.resolve('codemods', skill);
  const source = path.join(codemodsDir, `${id}.ts`);
  const candidates = [compiled, path.join(codemodsDir, `${id}.js`), source];
  const found = candidates.find((file) => fs.existsSync(file));
  if (found) return found;
  const manifest = shownPath(
    path.join(location?.dir ?? `skills/${skill}`, 'skill.json'),
  );
  throw new SkillError(
    `${manifest} names the codemod "${id}", but ${shownPath(source)} does not exist.`,
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
      const key = `${skill}/${id}`;
      let codemod = loaded.get(key);
      if (!codemod) {
        codemod = loadOne(skill, id);
        loaded.set(key, codemod);
        codemod.catch(() => loaded.delete(key));
      }
      return [id, await codemod] as const;
    }),
  );
  return Object.fromEntries(entries);
}
