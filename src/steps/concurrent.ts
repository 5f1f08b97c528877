/**
 * Steps that run at the same time (apply's install, package builds and
 * NanoClaw's build), shown one after another in a fixed order. The first one
 * that fails stops the others (each command's whole process group, through
 * the abort signal runCommand takes), and only once every step has settled,
 * with nothing left running that could write into the target, does the
 * failure go on to the rollback.
 */
import { SkillError } from '../core/errors.js';
import type { Reporter } from '../core/reporter.js';

/** A step to show: its name, and what to say about its result. */
export type ShownStep = [
  name: string,
  describe?: (value: unknown) => string | undefined,
];

export class ConcurrentSteps {
  private readonly controller = new AbortController();
  private readonly jobs = new Map<string, Promise<unknown>>();
  private readonly settled: Promise<unknown>[] = [];
  private readonly shown = new Set<string>();
  private failure: { name: string; error: unknown } | undefined;

  /**
   * Start a step now: `work` runs at once up to its first await (so what it
   * journals is journaled before the next step starts), and gets the signal
   * that stops its commands.
   */
  start<T>(
    name: string,
    work: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    let started: Promise<T>;
    try {
      started = work(this.controller.signal);
    } catch (error) {
      started = Promise.reject(error);
    }
    const job = started.catch((error: unknown) => {
      // The first failure is the cause: later ones were stopped by it, or
      // waited for the step that failed.
      if (!this.failure) {
        this.failure = { name, error };
        this.controller.abort(`${name} failed`);
      }
      throw error;
    });
    this.jobs.set(name, job);
    this.settled.push(job.catch(() => undefined));
    return job;
  }

  /** Stop whatever still runs, and wait until every step has settled. */
  private async stopAll(): Promise<void> {
    if (!this.controller.signal.aborted) this.controller.abort('stopped');
    await Promise.all(this.settled);
  }

  /** Show one started step, waiting for it; on any failure, stop them all first. */
  private show(
    reporter: Reporter,
    [name, describe]: ShownStep,
  ): Promise<unknown> {
    const job = this.jobs.get(name);
    if (!job) throw new Error(`Step "${name}" was never started.`);
    this.shown.add(name);
    return reporter.step(
      name,
      async () => {
        try {
          return await job;
        } catch (error) {
          await this.stopAll();
          const failure = this.failure ?? { name, error };
          if (failure.name === name) throw failure.error;
          throw new SkillError(`stopped when ${failure.name} failed`);
        }
      },
      describe,
    );
  }

  /**
   * Show the steps in order, each once it is done. When one fails, it is
   * shown too (if its turn had not come), and its error is what this throws,
   * after every step has settled.
   */
  async showAll(reporter: Reporter, steps: ShownStep[]): Promise<void> {
    try {
      for (const step of steps) await this.show(reporter, step);
    } catch (error) {
      await this.stopAll();
      const failure = this.failure;
      if (!failure) throw error;
      if (!this.shown.has(failure.name)) {
        await reporter
          .step(failure.name, () => Promise.reject(failure.error))
          .catch(() => undefined);
      }
      throw failure.error;
    }
  }
}
