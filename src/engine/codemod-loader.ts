/**
 * A skill's codemods, found by the ids its skill.json lists: each is the
 * module codemods/<skill>/<id>.ts (compiled beside this file's own output),
 * exporting `codemod` with that id. No registry to edit: a new skill brings
 * its codemods in its own folder, and only the ones its manifest names load.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

import type { FormattedCodemod } from '../codemod/options.js';
import { SkillError } from '../core/errors.js';

export type CodemodSet = Record<string, FormattedCodemod>;

const loaded = new Map<string, Promise<FormattedCodemod>>();

/** The module of one codemod: compiled JavaScript, or its TypeScript source when run from source. */
function moduleOf(skill: string, id: string): string {
  const compiled = new URL(`../../codemods/${skill}/${id}.js`, import.meta.url);
  if (fs.existsSync(fileURLToPath(compiled))) return compiled.href;
  const source = new URL(`../../codemods/${skill}/${id}.ts`, import.meta.url);
  if (fs.existsSync(fileURLToPath(source))) return source.href;
  throw new SkillError(
    `skills/${skill}/skill.json names the codemod "${id}", but codemods/${skill}/${id}.ts does not exist.`,
    {
      file: `skills/${skill}/skill.json`,
      hint: `Each id in "codemods" is a file codemods/${skill}/<id>.ts exporting \`codemod\`.`,
    },
  );
}

async function loadOne(skill: string, id: string): Promise<FormattedCodemod> {
  const url = moduleOf(skill, id);
  const module = (await import(url)) as { codemod?: FormattedCodemod };
  const codemod = module.codemod;
  if (!codemod || codemod.id !== id) {
    throw new SkillError(
      `${fileURLToPath(url)} does not export a codemod with id "${id}".`,
      {
        file: fileURLToPath(url),
        hint: 'Export `codemod` (defineCodemod from src/codemod/define.ts) whose id is the file name.',
      },
    );
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
