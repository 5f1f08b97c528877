import pc from 'picocolors';

import { errorMessage, SkillError } from './errors.js';

export type StepStatus = 'done' | 'skipped' | 'failed' | 'warning';

export interface StepRecord {
  name: string;
  status: StepStatus;
  detail?: string;
  ms: number;
}

/**
 * Progress for people (a spinner per step in a terminal, plain lines in a log)
 * and silence under --json, where the final JSON result says it all.
 */
export class Reporter {
  readonly steps: StepRecord[] = [];

  constructor(
    readonly json: boolean,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  private get fancy(): boolean {
    return !this.json && Boolean(this.stream.isTTY) && !process.env.CI;
  }

  private line(text: string): void {
    if (!this.json) this.stream.write(`${text}\n`);
  }

  info(text: string): void {
    this.line(text);
  }

  /**
   * What the user must see even under --json (a link to open and a program's
   * own words): stderr, never stdout, so the JSON document stays whole.
   */
  urgent(text: string): void {
    this.stream.write(`${text}\n`);
  }

  warn(text: string): void {
    this.line(pc.yellow(`! ${text}`));
  }

  success(text: string): void {
    this.line(pc.green(`✔ ${text}`));
  }

  error(text: string): void {
    this.line(pc.red(`✖ ${text}`));
  }

  skip(name: string, reason: string): void {
    this.steps.push({ name, status: 'skipped', detail: reason, ms: 0 });
    this.line(pc.dim(`- ${name}: skipped (${reason})`));
  }

  /** Run one step with a spinner (TTY) or start/end lines (plain). */
  async step<T>(
    name: string,
    action: () => Promise<T>,
    describe?: (value: T) => string | undefined,
  ): Promise<T> {
    const started = Date.now();
    // ora is loaded only for a terminal: plain and --json runs start faster.
    const spinner = this.fancy
      ? (await import('ora'))
          // discardStdin would put the terminal in raw mode, where Ctrl-C sends no SIGINT.
          .default({ text: name, stream: this.stream, discardStdin: false })
          .start()
      : undefined;
    if (!spinner) this.line(pc.dim(`… ${name}`));
    try {
      const value = await action();
      const detail = describe?.(value);
      const ms = Date.now() - started;
      this.steps.push({ name, status: 'done', detail, ms });
      const text = detail ? `${name}: ${detail}` : name;
      if (spinner) spinner.succeed(text);
      else this.line(`${pc.green('✔')} ${text}`);
      return value;
    } catch (err) {
      const ms = Date.now() - started;
      this.steps.push({
        name,
        status: 'failed',
        detail: errorMessage(err),
        ms,
      });
      if (spinner) spinner.fail(name);
      else this.line(`${pc.red('✖')} ${name}`);
      throw err;
    }
  }

  /** A step whose failure is reported but does not stop the run. */
  async softStep(
    name: string,
    action: () => Promise<string | undefined>,
  ): Promise<boolean> {
    try {
      await this.step(name, action, (detail) => detail);
      return true;
    } catch (err) {
      const record = this.steps[this.steps.length - 1];
      record.status = 'warning';
      // The hint is what to do by hand (e.g. the restart command): keep it.
      const hint = err instanceof SkillError && err.hint ? ` ${err.hint}` : '';
      record.detail = `${errorMessage(err)}${hint}`;
      this.warn(record.detail);
      return false;
    }
  }
}
