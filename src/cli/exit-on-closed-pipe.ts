/**
 * `apply-skill --dry-run | head` closes stdout early: that is the reader's
 * choice, not a failure, so exit quietly instead of printing an EPIPE stack.
 */
export function exitQuietlyOnClosedPipe(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}
