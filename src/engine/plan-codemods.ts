/**
 * The codemod part of a plan (./plan.ts): the skill's codemods run on the
 * tree as planned so far, and the problems they find stop the plan with
 * advice that fits the release the target is.
 */
import {
  detectReleaseShape,
  SHAPE_NAMES,
  type ReleaseShape,
} from './release-shape.js';
import { readCodemodOptions } from '../codemod/target-options.js';
import { SkillError } from '../core/errors.js';
import { prepareDiff } from './diff.js';
import { runEditJob } from './edit-runner.js';
import type { EditResult, Problem } from './edits.js';
import type { SkillManifest } from './manifest.js';
import type { Tree } from './tree.js';

/**
 * Runs the skill's codemods on the tree as planned so far and records what
 * they change. Their text must still be what is on disk (or in memory) here.
 */
export async function codemodPass(
  tree: Tree,
  operation: 'apply' | 'remove',
  manifest: SkillManifest,
  options: { force?: boolean; dryRun?: boolean },
): Promise<Pick<EditResult, 'edits' | 'problems'>> {
  const { edits, writes, problems } = await runEditJob(
    {
      operation,
      skill: manifest.name,
      root: tree.root,
      codemods: manifest.codemods,
      pending: tree.pending(),
      force: options.force,
      // Read here, not in the worker: the job then says everything the pass
      // depends on besides the files it reads (./pass-cache.ts).
      options: readCodemodOptions(tree.root),
    },
    // A dry run will print every change: diff the ones known so far meanwhile.
    options.dryRun ? () => prepareDiff(tree.changes()) : undefined,
  );
  for (const write of writes) {
    if (tree.read(write.path) !== write.before) {
      throw new SkillError(
        `${write.path} changed while the plan was being made. Nothing was changed.`,
        { file: tree.absolute(write.path), hint: 'Retry.' },
      );
    }
    tree.write(write.path, write.after);
  }
  return { edits, problems };
}

/**
 * What to do about anchors that did not match depends on the release: on a
 * shape the skill knows, the code was changed by hand; on another, the skill
 * does not know this release, and the fix is never to undo NanoClaw's own code.
 */
export function anchorHint(root: string, manifest: SkillManifest): string {
  const release = detectReleaseShape(root);
  const supported = manifest.shapes ?? [];
  if (
    release.shape !== 'unknown' &&
    (!supported.length || supported.includes(release.shape))
  ) {
    return `This checkout is ${SHAPE_NAMES[release.shape]}, which the skill knows, but these files differ from it near each anchor (edited by hand?). Put back the code the skill expects there, or make the change by hand, then retry.`;
  }
  const known = supported
    .map((shape) => SHAPE_NAMES[shape as ReleaseShape] ?? shape)
    .join(', ');
  return `This checkout was detected as ${SHAPE_NAMES[release.shape]} (${release.evidence.join('; ')}); ${manifest.name} supports ${known || 'the shapes in its manifest'}. Do not change NanoClaw to fit the skill: report the release (the output of \`skill-status --json\` helps) so the skill can learn it.`;
}
const FORCE_HINT =
  'Each says what --force would do instead; pass --force if that is what you want, or fix the file and retry.';

export function failOnProblems(
  problems: Problem[],
  operation: string,
  anchorAdvice: () => string,
): void {
  if (problems.length === 0) return;
  const onlyForceable = problems.every((p) => p.forceable);
  // The tool's own limitation says what to do itself; advice to change the target would contradict it.
  const anchorProblems = problems.some(
    (p) => !p.forceable && !p.toolLimitation,
  );
  throw new SkillError(
    `Cannot ${operation}: ${problems.length} problem${problems.length > 1 ? 's' : ''} in the target. Nothing was changed.`,
    {
      file: problems[0].file,
      details: problems.map((p) => `${p.file}: ${p.message}`),
      hint: onlyForceable
        ? FORCE_HINT
        : !anchorProblems
          ? 'Nothing was changed; see the message above.'
          : problems.some((p) => p.forceable)
            ? `${anchorAdvice()} ${FORCE_HINT}`
            : anchorAdvice(),
    },
  );
}
