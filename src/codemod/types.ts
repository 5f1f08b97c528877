/** The contract between the engine and one codemod in codemods/. */

/** One anchor a codemod needs and could not use, said in the user's words. */
export interface AnchorProblem {
  /** The code the edit is anchored to, e.g. `readSecrets()`. */
  anchor: string;
  /** What was expected there, e.g. a function whose last statement is `return <expression>;`. */
  expected: string;
}

/**
 * `not-applicable`: the file does not contain what this codemod edits at all
 * (only glob codemods say this; the engine skips the file).
 */
export type CodemodState =
  'applied' | 'not-applied' | 'partial' | 'not-applicable';

export interface Detection {
  state: CodemodState;
  /** Non-empty means neither apply nor revert may run on this file. */
  problems: AnchorProblem[];
  /** Each independent piece of the edit, so a partial state can be explained. */
  parts?: { name: string; applied: boolean }[];
}

export interface Codemod {
  /** Kebab-case, equal to the file name in codemods/. */
  id: string;
  /** One line, in the user's words. */
  description: string;
  /** Target-relative posix path, or a picomatch glob (every test file under src/, say). */
  files: string;
  /** Never throws. */
  detect(source: string, filePath: string): Detection;
  isApplied(source: string, filePath: string): boolean;
  /** Throws CodemodError (./define.ts) when an anchor is missing or ambiguous; idempotent; completes a partial state. */
  apply(source: string, filePath: string): string;
  /** Removes exactly what apply added, found by detection alone; a no-op when not applied. */
  revert(source: string, filePath: string): string;
}
