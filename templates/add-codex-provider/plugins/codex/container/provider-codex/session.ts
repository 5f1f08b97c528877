/**
 * Conversation memory: a session's turns on disk, replayed with every request
 * because the backend keeps nothing (`store: false`).
 */
import { randomUUID } from 'crypto';
import fs from 'fs';
import path from 'path';

import { restoreTurn, type InputItem } from './items.js';
import { errorMessage, log } from './output.js';

/** Remembered conversation per session (JSON characters); oldest turns go first. */
const SESSION_MAX_CHARS = 200_000;

interface SessionFile {
  version: 2;
  sessionId: string;
  updatedAt: string;
  turns: InputItem[][];
}

/**
 * Codex session ids are `codex:<uuid>`. The prefix keeps the two providers'
 * sessions apart: the agent runner's Claude path drops an id with a provider
 * prefix (Claude cannot resume it), and an id Claude made is not ours to adopt.
 */
const SESSION_PREFIX = 'codex:';
const SESSION_ID_PATTERN = /^codex:[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Drop the oldest turns until the rest fits; the newest turn always stays. */
export function trimTurns<T>(turns: T[][], maxChars: number): T[][] {
  const sizes = turns.map((turn) => JSON.stringify(turn).length);
  let total = sizes.reduce((sum, size) => sum + size, 0);
  let start = 0;
  while (total > maxChars && start < turns.length - 1) {
    total -= sizes[start];
    start++;
  }
  return turns.slice(start);
}

/**
 * What is worth replaying later: no reasoning (its encrypted content only serves
 * the tool rounds of its own turn), and no call whose output never came, which
 * the API would refuse.
 */
export function rememberable(turn: InputItem[]): InputItem[] {
  const answered = new Set(
    turn.flatMap((item) =>
      item.type === 'function_call_output' ? [item.call_id] : [],
    ),
  );
  return turn.filter(
    (item) =>
      item.type !== 'reasoning' &&
      (item.type !== 'function_call' || answered.has(item.call_id)),
  );
}

export class Session {
  readonly id: string;
  history: InputItem[][];
  private readonly dir: string;

  private constructor(dir: string, id: string) {
    this.dir = dir;
    this.id = id;
    this.history = this.load();
  }

  static open(dir: string, requested: string | undefined): Session {
    if (requested && SESSION_ID_PATTERN.test(requested)) {
      return new Session(dir, requested);
    }
    if (requested) log('Session id is not a Codex session; starting a new one');
    return new Session(dir, `${SESSION_PREFIX}${randomUUID()}`);
  }

  /** The id without its prefix: the session_id header and prompt cache key. */
  get key(): string {
    return this.id.slice(SESSION_PREFIX.length);
  }

  private get file(): string {
    return path.join(this.dir, `${this.key}.json`);
  }

  private load(): InputItem[][] {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf-8');
    } catch {
      return [];
    }
    try {
      const parsed = JSON.parse(text) as Partial<SessionFile>;
      const turns = Array.isArray(parsed.turns) ? parsed.turns : [];
      return turns.map(restoreTurn).filter((turn) => turn.length > 0);
    } catch (err) {
      log(
        `Ignoring unreadable session file ${this.file}: ${errorMessage(err)}`,
      );
      return [];
    }
  }

  /** Remember a finished turn and write the session out at once. */
  commit(turn: InputItem[]): void {
    const kept = rememberable(turn);
    if (kept.length) this.history.push(kept);
    this.history = trimTurns(this.history, SESSION_MAX_CHARS);
    this.save();
  }

  /**
   * Forget the oldest turns, at least one, until what is left is at most half
   * of what there was: for a conversation the model's context cannot hold.
   */
  dropOldest(): boolean {
    if (!this.history.length) return false;
    const total = JSON.stringify(this.history).length;
    let start = 1;
    while (
      start < this.history.length &&
      JSON.stringify(this.history.slice(start)).length > total / 2
    ) {
      start++;
    }
    this.history = this.history.slice(start);
    return true;
  }

  private save(): void {
    const content: SessionFile = {
      version: 2,
      sessionId: this.id,
      updatedAt: new Date().toISOString(),
      turns: this.history,
    };
    try {
      fs.mkdirSync(this.dir, { recursive: true });
      const temp = `${this.file}.${process.pid}.tmp`;
      fs.writeFileSync(temp, JSON.stringify(content), { mode: 0o600 });
      fs.renameSync(temp, this.file);
    } catch (err) {
      log(
        `Could not save the conversation to ${this.file}: ${errorMessage(err)}`,
      );
    }
  }
}
