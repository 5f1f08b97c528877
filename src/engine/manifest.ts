import fs from 'node:fs';
import path from 'node:path';

import { SkillError, UsageError } from '../core/errors.js';
import { toPosix } from '../core/paths.js';
import { listSkillNames, locateSkill, skillRoots } from './skill-location.js';

/** A skill's templates (templates/<skill>/ for the tool's own), mirroring target paths. */
export function templatesDir(skill: string): string {
  const location = locateSkill(skill);
  if (!location) throw new UsageError(`Unknown skill '${skill}'.`);
  return location.templatesDir;
}

export interface SkillManifest {
  name: string;
  version: string;
  description: string;
  /** Files a target must have to be a NanoClaw this skill understands. */
  requires: string[];
  /** Template paths (files or folders) under templates/<skill>/, mirroring target paths. */
  templates: string[];
  /** Codemod ids, applied in this order and reverted in reverse. */
  codemods: string[];
  /** Local dependencies added to the target's package.json. */
  dependencies: Record<string, string>;
  /** Local packages (folders with a build script) built after install. */
  packages: string[];
  /** Files and folders the builds create for this skill, removed on remove. */
  buildOutputs: string[];
  /** NanoClaw release shapes the skill knows how to edit (see release-shape.ts); all when absent. */
  shapes?: string[];
  /** What to tell a NanoClaw 2.x user instead. */
  v2Pointer?: string;
}

/** The skills in skills/ and in the folders of NANOCLAW_SKILLS_PATH. */
export function listSkills(): string[] {
  return listSkillNames();
}

function expectStringArray(
  value: unknown,
  field: string,
  file: string,
): string[] {
  if (
    !Array.isArray(value) ||
    !value.every((item) => typeof item === 'string')
  ) {
    throw new SkillError(`${file}: "${field}" must be an array of strings`, {
      file,
    });
  }
  return value;
}

export function loadManifest(skillName: string): SkillManifest {
  const location = locateSkill(skillName);
  if (!location) {
    const known = listSkills();
    throw new UsageError(
      `Unknown skill '${skillName}'.`,
      known.length
        ? `Available skills: ${known.join(', ')}`
        : `No skills found in ${skillRoots().join(', ')}`,
    );
  }
  const file = path.join(location.dir, 'skill.json');
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new SkillError(
      `${file} is not valid JSON: ${(err as Error).message}`,
      {
        file,
      },
    );
  }
  if (raw.name !== skillName) {
    throw new SkillError(
      `${file}: "name" must be "${skillName}" (the folder name)`,
      { file },
    );
  }
  const manifest: SkillManifest = {
    name: skillName,
    version: String(raw.version ?? '0.0.0'),
    description: String(raw.description ?? ''),
    requires: expectStringArray(raw.requires ?? [], 'requires', file),
    templates: expectStringArray(raw.templates ?? [], 'templates', file),
    codemods: expectStringArray(raw.codemods ?? [], 'codemods', file),
    dependencies: (raw.dependencies ?? {}) as Record<string, string>,
    packages: expectStringArray(raw.packages ?? [], 'packages', file),
    buildOutputs: expectStringArray(
      raw.buildOutputs ?? [],
      'buildOutputs',
      file,
    ),
    shapes:
      raw.shapes === undefined
        ? undefined
        : expectStringArray(raw.shapes, 'shapes', file),
    v2Pointer: raw.v2Pointer as string | undefined,
  };
  const templates = templatesDir(manifest.name);
  for (const template of manifest.templates) {
    if (!fs.existsSync(path.join(templates, template))) {
      throw new SkillError(
        `${file}: template "${template}" does not exist under ${templates}`,
        { file },
      );
    }
  }
  return manifest;
}

/** Every template file of a skill, as target-relative posix paths, sorted. */
export function templateFiles(manifest: SkillManifest): string[] {
  const files: string[] = [];
  const templates = templatesDir(manifest.name);
  const walk = (relative: string): void => {
    const absolute = path.join(templates, relative);
    if (fs.statSync(absolute).isDirectory()) {
      for (const entry of fs.readdirSync(absolute)) {
        if (entry === 'node_modules' || entry === 'dist') continue;
        walk(path.join(relative, entry));
      }
    } else {
      files.push(toPosix(relative));
    }
  };
  for (const template of manifest.templates) walk(template);
  return [...new Set(files)].sort();
}

export function readTemplate(
  manifest: SkillManifest,
  relative: string,
): Buffer {
  return fs.readFileSync(path.join(templatesDir(manifest.name), relative));
}
