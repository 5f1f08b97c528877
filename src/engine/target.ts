import fs from 'node:fs';
import path from 'node:path';

import { SkillError } from '../core/errors.js';
import type { SkillManifest } from './manifest.js';
import { parseJsonFile } from '../core/package-json.js';
import {
  detectReleaseShape,
  SHAPE_NAMES,
  type ReleaseDetection,
} from './release-shape.js';

/** Resolve --target and check it is a NanoClaw checkout this skill understands. */
export function resolveTarget(
  target: string | undefined,
  manifest: SkillManifest,
): string {
  const root = path.resolve(target ?? process.cwd());
  if (!fs.existsSync(root)) {
    throw new SkillError(`Target folder ${root} does not exist.`, {
      file: root,
      hint: 'Pass your NanoClaw checkout with --target DIR, or run from inside it.',
    });
  }
  if (!fs.statSync(root).isDirectory()) {
    throw new SkillError(`--target ${root} is a file, not a folder.`, {
      file: root,
      hint: 'Pass the NanoClaw checkout folder (the one holding package.json), not a file in it.',
    });
  }
  const missing = manifest.requires.filter(
    (file) => !fs.existsSync(path.join(root, file)),
  );
  if (missing.length > 0) {
    throw new SkillError(
      `${root} does not look like a NanoClaw checkout: missing ${missing.join(', ')}.`,
      {
        file: path.join(root, missing[0]),
        hint: 'Run from your NanoClaw folder or pass --target DIR.',
      },
    );
  }
  const packageJson = path.join(root, 'package.json');
  parseJsonFile(fs.readFileSync(packageJson, 'utf8'), packageJson);
  return root;
}

/**
 * Refuse a release the skill was not made for, with the pointer that helps:
 * 2.x has its own provider system; a 1.x shape the skill lacks is named with
 * the ones it has. An unrecognised checkout goes on to planning, whose anchor
 * problems then say what did not match.
 */
export function assertSupportedRelease(
  root: string,
  manifest: SkillManifest,
): ReleaseDetection {
  const release = detectReleaseShape(root);
  if (release.shape === 'v2') {
    throw new SkillError(
      `${root} is NanoClaw 2.x, which has its own provider system; ${manifest.name} is for NanoClaw 1.x.`,
      {
        file: path.join(root, 'src', 'providers'),
        hint:
          manifest.v2Pointer ?? 'Use the skills that come with NanoClaw 2.x.',
      },
    );
  }
  const supported = manifest.shapes;
  if (
    supported?.length &&
    release.shape !== 'unknown' &&
    !supported.includes(release.shape)
  ) {
    throw new SkillError(
      `${root} is ${SHAPE_NAMES[release.shape]} (${release.evidence.join('; ')}); ${manifest.name} supports ${supported.map((shape) => SHAPE_NAMES[shape as keyof typeof SHAPE_NAMES] ?? shape).join(', ')}.`,
      { file: root, hint: 'Nothing was changed.' },
    );
  }
  return release;
}
