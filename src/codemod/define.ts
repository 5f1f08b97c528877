/**
 * Builds a Codemod from one `analyze` function. A codemod is a list of
 * independent parts, each able to tell whether it is applied and to give the
 * edits that add or remove it, all computed from a single parse. That one
 * shape yields detect, apply (adds the missing parts, so a partial state is
 * completed), revert (removes the present parts) and isApplied.
 */
import type { API, FileInfo, Options } from 'jscodeshift';

import { SkillError } from '../core/errors.js';
import type { AnchorProblem, Codemod, Detection } from './types.js';
import { currentParse } from './ast.js';
import { applyEdits, type Edit } from './text.js';

export interface Part {
  name: string;
  applied: boolean;
  /** Edits that add this part; called only when it is not applied. */
  add(): Edit[];
  /** Edits that remove this part; called only when it is applied. */
  remove(): Edit[];
}

export interface Analysis {
  problems: AnchorProblem[];
  parts: Part[];
  /** The file holds nothing this codemod edits (glob codemods only). */
  notApplicable?: boolean;
}

/** An anchor was missing or ambiguous, so the codemod did not change the file. */
export class CodemodError extends SkillError {
  readonly codemod: string;
  readonly problems: AnchorProblem[];

  constructor(codemod: string, file: string, problems: AnchorProblem[]) {
    const details = problems.map(
      (p) => `anchor ${p.anchor} not usable: expected ${p.expected}`,
    );
    super(
      `${file}: codemod ${codemod} cannot change this file: ${details.join('; ')}`,
      {
        file,
        details,
        hint: 'Restore the code the skill expects near each anchor (or make the change by hand), then retry.',
      },
    );
    this.name = 'CodemodError';
    this.codemod = codemod;
    this.problems = problems;
  }
}

export interface CodemodDefinition {
  id: string;
  description: string;
  files: string;
  analyze(source: string, filePath: string): Analysis;
}

/** A UTF-8 byte order mark, as Node decodes it: editors add it, compilers skip it. */
const BOM = '\uFEFF';

/**
 * The text codemods see, and the BOM to put back in front of their result.
 * Offsets from the parser and the text helpers would be one off with the BOM
 * in place, so every codemod works on the text after it, and keeps it.
 */
function splitBom(source: string): { bom: string; text: string } {
  return source.startsWith(BOM)
    ? { bom: BOM, text: source.slice(BOM.length) }
    : { bom: '', text: source };
}

export function defineCodemod(definition: CodemodDefinition): Codemod {
  const { id, description, files } = definition;

  // detect() then apply() on the same text is the engine's usual pair: reuse
  // the analysis while its parse is still the live one.
  let last:
    | { source: string; filePath: string; parse: number; analysis: Analysis }
    | undefined;

  function analyze(source: string, filePath: string): Analysis {
    if (
      last?.source === source &&
      last.filePath === filePath &&
      last.parse === currentParse()
    ) {
      return last.analysis;
    }
    try {
      const analysis = definition.analyze(source, filePath);
      last = { source, filePath, parse: currentParse(), analysis };
      return analysis;
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      return {
        problems: [
          {
            anchor: filePath,
            expected: `a file this codemod can read (${reason})`,
          },
        ],
        parts: [],
      };
    }
  }

  function detect(source: string, filePath: string): Detection {
    const analysis = analyze(splitBom(source).text, filePath);
    const parts = analysis.parts.map(({ name, applied }) => ({
      name,
      applied,
    }));
    const appliedCount = parts.filter((p) => p.applied).length;
    const state = analysis.notApplicable
      ? 'not-applicable'
      : appliedCount === 0
        ? 'not-applied'
        : appliedCount === parts.length
          ? 'applied'
          : 'partial';
    return { state, problems: analysis.problems, parts };
  }

  function usable(source: string, filePath: string): Analysis {
    const analysis = analyze(source, filePath);
    if (analysis.problems.length > 0) {
      throw new CodemodError(id, filePath, analysis.problems);
    }
    return analysis;
  }

  return {
    id,
    description,
    files,
    detect,
    isApplied: (source, filePath) =>
      detect(source, filePath).state === 'applied',
    apply(source, filePath) {
      const { bom, text } = splitBom(source);
      const { parts } = usable(text, filePath);
      const edits = parts.filter((p) => !p.applied).flatMap((p) => p.add());
      return bom + applyEdits(text, edits);
    },
    revert(source, filePath) {
      const { bom, text } = splitBom(source);
      const { parts } = usable(text, filePath);
      const edits = parts.filter((p) => p.applied).flatMap((p) => p.remove());
      return bom + applyEdits(text, edits);
    },
  };
}

/**
 * The codemod as a jscodeshift transform, so jscodeshift's runner and test
 * utilities can drive it; `--revert` undoes it. The edit itself is ts-morph.
 */
export function jscodeshiftTransform(codemod: Codemod) {
  return (file: FileInfo, _api: API, options: Options = {}): string =>
    options.revert
      ? codemod.revert(file.source, file.path)
      : codemod.apply(file.source, file.path);
}
