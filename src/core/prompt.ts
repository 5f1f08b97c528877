import { CancelledError } from './errors.js';

/** Inquirer rejects with ExitPromptError on Ctrl-C: say "Cancelled", never a stack. */
async function asked<T>(question: Promise<T>): Promise<T> {
  try {
    return await question;
  } catch (err) {
    if ((err as Error)?.name === 'ExitPromptError') throw new CancelledError();
    throw err;
  }
}

/** True when a person can answer questions: both ends are terminals and CI is not set. */
export function canPrompt(): boolean {
  return (
    Boolean(process.stdin.isTTY && process.stderr.isTTY) && !process.env.CI
  );
}

/** Ask yes/no; without a terminal the default answer is taken (never hang). */
export async function confirm(
  message: string,
  fallback: boolean,
): Promise<boolean> {
  if (!canPrompt()) return fallback;
  const { confirm: inquirerConfirm } = await import('@inquirer/prompts');
  return asked(
    inquirerConfirm({ message, default: fallback }, { output: process.stderr }),
  );
}

export async function choose<T extends string>(
  message: string,
  choices: { value: T; name: string; description?: string }[],
  fallback: T,
): Promise<T> {
  if (!canPrompt()) return fallback;
  const { select } = await import('@inquirer/prompts');
  return asked(
    select({ message, choices, default: fallback }, { output: process.stderr }),
  );
}
