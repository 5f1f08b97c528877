/**
 * Where a skill's parts lie. The tool's own skills keep the repository's
 * layout, one folder per role:
 *
 *   skills/<skill>/skill.json (+ hooks.ts)   codemods/<skill>/<id>.ts   templates/<skill>/
 *
 * A skill kept elsewhere (a skill being written, a test fixture) is found
 * through NANOCLAW_SKILLS_PATH, a list of folders separated by ':' (';' on
 * Windows) searched after skills/. There a skill folder is self-contained:
 *
 *   <dir>/<skill>/skill.json, hooks.ts, codemods/<id>.ts, templates/
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { SKILLS_DIR, TOOL_ROOT } from '../core/paths.js';

export const SKILLS_PATH_ENV = 'NANOCLAW_SKILLS_PATH';

export interface SkillLocation {
  /** The folder holding skill.json (and hooks.ts). */
  dir: string;
  codemodsDir: string;
  templatesDir: string;
  /**
   * For the tool's own skills, where the build puts their compiled modules
   * (beside the engine's own output: dist/skills/<skill>, dist/codemods/<skill>).
   */
  compiled?: { dir: string; codemodsDir: string };
}

/** A folder of the tool's build output, from this module's place in it. */
const built = (relative: string): string =>
  fileURLToPath(new URL(`../../${relative}`, import.meta.url));

/**
 * A module of a skill: compiled first (the tool's build, then JavaScript
 * beside the source), else its TypeScript source; undefined when none exists.
 */
export function skillModule(
  folders: { compiled?: string; source: string },
  name: string,
): string | undefined {
  const candidates = [
    ...(folders.compiled ? [path.join(folders.compiled, `${name}.js`)] : []),
    path.join(folders.source, `${name}.js`),
    path.join(folders.source, `${name}.ts`),
  ];
  return candidates.find((file) => fs.existsSync(file));
}

const SKILL_NAME = /^[a-z0-9][a-z0-9-]*$/;

/** Folders searched for skills, the tool's own first. */
export function skillRoots(): string[] {
  const extra = (process.env[SKILLS_PATH_ENV] ?? '')
    .split(path.delimiter)
    .filter(Boolean)
    .map((dir) => path.resolve(dir));
  return [SKILLS_DIR, ...extra];
}

function locationIn(root: string, skill: string): SkillLocation {
  const dir = path.join(root, skill);
  if (root === SKILLS_DIR) {
    return {
      dir,
      codemodsDir: path.join(TOOL_ROOT, 'codemods', skill),
      templatesDir: path.join(TOOL_ROOT, 'templates', skill),
      compiled: {
        dir: built(`skills/${skill}`),
        codemodsDir: built(`codemods/${skill}`),
      },
    };
  }
  return {
    dir,
    codemodsDir: path.join(dir, 'codemods'),
    templatesDir: path.join(dir, 'templates'),
  };
}

/** The first folder with <skill>/skill.json, or undefined for a name no folder has. */
export function locateSkill(skill: string): SkillLocation | undefined {
  if (!SKILL_NAME.test(skill)) return undefined;
  for (const root of skillRoots()) {
    if (fs.existsSync(path.join(root, skill, 'skill.json'))) {
      return locationIn(root, skill);
    }
  }
  return undefined;
}

/** Every skill name found, sorted, each once (the first folder wins). */
export function listSkillNames(): string[] {
  const names = new Set<string>();
  for (const root of skillRoots()) {
    if (!fs.existsSync(root)) continue;
    for (const entry of fs.readdirSync(root, { withFileTypes: true })) {
      if (
        entry.isDirectory() &&
        SKILL_NAME.test(entry.name) &&
        fs.existsSync(path.join(root, entry.name, 'skill.json'))
      ) {
        names.add(entry.name);
      }
    }
  }
  return [...names].sort();
}

/** A skill path as messages show it: relative to the tool when inside it. */
export function shownPath(file: string): string {
  const relative = path.relative(TOOL_ROOT, file);
  return relative.startsWith('..') || path.isAbsolute(relative)
    ? file
    : relative.split(path.sep).join('/');
}
