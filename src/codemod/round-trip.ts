/**
 * The message for the round-trip guard: apply refuses an edit that its own
 * revert would not undo byte for byte, since remove must restore the file
 * exactly. That is never the user's fault (their code is valid, it only has a
 * shape the codemod does not handle), so the message says so, names the
 * codemod, the file and the first line that would not come back, and says how
 * to report it.
 */

/** 1-based number of the first line where the two texts differ. */
export function firstDifferentLine(a: string, b: string): number {
  const left = a.split('\n');
  const right = b.split('\n');
  let line = 0;
  while (
    line < left.length &&
    line < right.length &&
    left[line] === right[line]
  ) {
    line++;
  }
  return line + 1;
}

function excerpt(text: string, line: number): string {
  const found = (text.split('\n')[line - 1] ?? '').replace(/\r$/, '').trim();
  if (found === '') return '';
  const cut = found.length > 60 ? `${found.slice(0, 57)}...` : found;
  return ` (\`${cut}\`)`;
}

export interface RoundTrip {
  /** The codemod's id. */
  codemod: string;
  /** Target-relative path of the file. */
  file: string;
  /** The file as it is. */
  before: string;
  /** What the codemod's revert made of its own apply. */
  reverted: string;
}

/** What the user is told when the guard refuses an edit. */
export function roundTripMessage({
  codemod,
  file,
  before,
  reverted,
}: RoundTrip): string {
  const line = firstDifferentLine(before, reverted);
  return (
    `codemod ${codemod} cannot undo its own edit of ${file} exactly: ` +
    `line ${line}${excerpt(before, line)} would not come back as it is, ` +
    'so the skill refused to change the file (remove must restore it byte for byte). ' +
    'This is a limitation of the skill applicator, not a problem in your code: do not change it to fit. ' +
    `Please report it to the nanoclaw-skill-applicator maintainers (an issue on its repository) with this message, ` +
    `the output of \`skill-status --json\` and a copy of ${file}`
  );
}
