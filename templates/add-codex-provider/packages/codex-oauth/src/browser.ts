/**
 * Opens the sign-in page with the optional `open` package when it is installed.
 * The URL is passed to it as one argument, never spliced into a shell command.
 */
export async function openInBrowser(url: string): Promise<boolean> {
  // A variable specifier keeps TypeScript from requiring `open` at build time.
  const specifier = 'open';
  try {
    const mod = await import(specifier);
    const open = typeof mod.default === 'function' ? mod.default : mod;
    if (typeof open !== 'function') return false;
    const child = await open(url);
    // `open` returns the launcher process; a failure to launch must not crash the login.
    child?.on?.('error', () => {});
    return true;
  } catch {
    return false;
  }
}
