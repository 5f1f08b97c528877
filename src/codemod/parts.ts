/**
 * What a part builder returns, and how a codemod collects several. The
 * builders themselves (a named import, an interface member) are in
 * ./formatted-parts.ts, laid out for the target's own format settings.
 */
import type { Part } from './define.js';
import type { AnchorProblem } from './types.js';

export interface PartResult {
  part?: Part;
  problems: AnchorProblem[];
}

/** Collect the parts and problems of several results. */
export function combine(results: PartResult[]): {
  parts: Part[];
  problems: AnchorProblem[];
} {
  return {
    parts: results.flatMap((r) => (r.part ? [r.part] : [])),
    problems: results.flatMap((r) => r.problems),
  };
}
