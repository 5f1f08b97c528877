/** Whether a command line asks for help or the version: such a run plans and changes nothing. */
export function asksForHelpOrVersion(argv: readonly string[]): boolean {
  return argv.some((arg) => ['--help', '-h', '--version'].includes(arg));
}
