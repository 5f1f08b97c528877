import fs from 'node:fs';
import path from 'node:path';

import { SkillError, UsageError } from '../core/errors.js';
import { SKILLS_DIR, TEMPLATES_DIR, toPosix } from '../core/paths.js';

/** A skill's templates: templates/<skill>/, mirroring target paths. */
export function templatesDir(skill: string): string {
  return path.join(TEMPLATES_DIR, skill);
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
  provider?: {
    name: string;
    /** The .env key that selects the provider. */
    envKey: string;
    /** The .env key that pins a model, set when the user picks one. */
    modelEnvKey?: string;
    /** Default token file: `~/...` in the user's home, else relative to the checkout. */
    tokenFile: string;
    /** Environment (or .env) variable that overrides tokenFile. */
    tokenFileEnv?: string;
    /** Where earlier versions kept the tokens, inside the checkout. */
    legacyTokenFile?: string;
  };
  /** The setup step (setup/index.ts --step NAME) that signs the user in. */
  authStep?: string;
  /** NanoClaw release shapes the skill knows how to edit (see release-shape.ts); all when absent. */
  shapes?: string[];
  /** What to tell a NanoClaw 2.x user instead. */
  v2Pointer?: string;
}

export function listSkills(): string[] {
  if (!fs.existsSync(SKILLS_DIR)) return [];
  return fs
    .readdirSync(SKILLS_DIR, { withFileTypes: true })
    .filter((entry) =>
      fs.existsSync(path.join(SKILLS_DIR, entry.name, 'skill.json')),
    )
    .map((entry) => entry.name)
    .sort();
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
  const file = path.join(SKILLS_DIR, skillName, 'skill.json');
  if (!/^[a-z0-9][a-z0-9-]*$/.test(skillName) || !fs.existsSync(file)) {
    const known = listSkills();
    throw new UsageError(
      `Unknown skill '${skillName}'.`,
      known.length
        ? `Available skills: ${known.join(', ')}`
        : `No skills found in ${SKILLS_DIR}`,
    );
  }
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
    provider: raw.provider as SkillManifest['provider'],
    authStep: raw.authStep as string | undefined,
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

export function readTemplate(manifest: SkillManifest, relative: string): Buffer {
  return fs.readFileSync(path.join(templatesDir(manifest.name), relative));
}
