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

/** Ctrl-C at a question: not a failure, and never a stack trace. */
export const EXIT_CANCELLED = 130;

export class CancelledError extends SkillError {
  constructor(message = 'Cancelled; nothing was changed.', hint?: string) {
    super(message, { hint, exitCode: EXIT_CANCELLED });
    this.name = 'CancelledError';
  }
}

/** What Node says of a file system failure, in the user's words, with the path. */
const FS_ERRORS: Record<string, string> = {
  EROFS: 'is on a read-only file system',
  EACCES: 'is not writable by you (permission denied)',
  EPERM: 'may not be changed (operation not permitted; immutable?)',
  ENOSPC: 'could not be written: the disk is full',
  ENOENT: 'does not exist',
  ENOTDIR: 'is not a folder',
  EISDIR: 'is a folder, not a file',
};

/**
 * Turn anything thrown into a SkillError a person can read: file system errors
 * name their path and cause; anything else keeps its message. No stack traces.
 */
export function asSkillError(err: unknown): SkillError {
  if (err instanceof SkillError) return err;
  const error = err as NodeJS.ErrnoException;
  const cause = error?.code ? FS_ERRORS[error.code] : undefined;
  if (cause && error.path) {
    return new SkillError(`${error.path} ${cause} (${error.code}).`, {
      file: error.path,
      hint: 'Fix the permissions or mount of that path, then run the command again. Nothing else was changed by this failure.',
    });
  }
  return new SkillError(`Unexpected error: ${errorMessage(err)}`, {
    hint: 'This is a bug in nanoclaw-skill-applicator; please report it with the command you ran.',
  });
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
