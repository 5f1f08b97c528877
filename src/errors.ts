/** Exit codes the CLI promises: 0 done (or already in that state), 1 failed, 2 usage. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/**
 * A failure the user can act on. `file` names what was read or expected, `hint`
 * says what to do next. Anything else that escapes is a bug and shows a stack.
 */
export class SkillError extends Error {
  readonly file?: string;
  readonly hint?: string;
  readonly exitCode: number;
  readonly details: string[];

  constructor(
    message: string,
    options: {
      file?: string;
      hint?: string;
      exitCode?: number;
      details?: string[];
    } = {},
  ) {
    super(message);
    this.name = 'SkillError';
    this.file = options.file;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? EXIT_FAILED;
    this.details = options.details ?? [];
  }
}

export class UsageError extends SkillError {
  constructor(message: string, hint?: string) {
    super(message, { hint, exitCode: EXIT_USAGE });
    this.name = 'UsageError';
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
