/**
 * Follow-up messages. While a container runs, the host writes each new chat
 * message for the group as ipc/input/<ms>-<rand>.json (`.tmp`, then renamed)
 * and an empty `_close` to end the session. A file is deleted only once read,
 * so a message this container never took is there for the next one.
 */
import fs from 'fs';
import path from 'path';

import { errorMessage, log } from './output.js';

export interface InboxMessage {
  /** The file it came in, kept so a message handed back keeps its place. */
  name: string;
  text: string;
}

export interface Inbox {
  dir: string;
  /** No folder: a host without follow-ups, so each run answers once. */
  enabled: boolean;
  /** Files already reported as unreadable, so the log says it once. */
  reported: Set<string>;
}

const CLOSE = '_close';

function isFolder(dir: string): boolean {
  try {
    return fs.statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

/** A `_close` left by an earlier container would end this one at once. */
export function openInbox(dir: string): Inbox {
  const inbox = { dir, enabled: isFolder(dir), reported: new Set<string>() };
  if (inbox.enabled && takeClose(inbox)) {
    log('Removed a stale _close left by an earlier container');
  }
  return inbox;
}

/** True (and the request consumed) when the host asked the session to end. */
function takeClose(inbox: Inbox): boolean {
  const file = path.join(inbox.dir, CLOSE);
  if (!fs.existsSync(file)) return false;
  fs.rmSync(file, { force: true });
  return true;
}

function readMessage(inbox: Inbox, name: string): string | undefined {
  const file = path.join(inbox.dir, name);
  try {
    const data = JSON.parse(fs.readFileSync(file, 'utf-8'));
    if (data?.type === 'message' && typeof data.text === 'string') {
      return data.text;
    }
    throw new Error('not a {"type":"message","text":...} object');
  } catch (err) {
    // Left in place: unreadable now may be readable later, and it is not ours to lose.
    if (!inbox.reported.has(name)) {
      inbox.reported.add(name);
      log(`Skipping input file ${name}: ${errorMessage(err)}`);
    }
    return undefined;
  }
}

/** Every complete message waiting, oldest first (names start with the time). */
export function drainInbox(inbox: Inbox): InboxMessage[] {
  if (!inbox.enabled) return [];
  let names: string[];
  try {
    names = fs.readdirSync(inbox.dir);
  } catch (err) {
    log(`Cannot read ${inbox.dir}: ${errorMessage(err)}`);
    return [];
  }
  const messages: InboxMessage[] = [];
  // `.tmp` files are still being written; only renamed `.json` files are complete.
  for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
    const text = readMessage(inbox, name);
    if (text === undefined) continue;
    fs.rmSync(path.join(inbox.dir, name), { force: true });
    messages.push({ name, text });
  }
  return messages;
}

/**
 * Put messages back that a failed turn took but never answered, under their
 * own names, so the next container reads them in their original order.
 */
export function restoreMessages(inbox: Inbox, messages: InboxMessage[]): void {
  for (const message of messages) {
    const file = path.join(inbox.dir, message.name);
    try {
      const temp = `${file}.tmp`;
      fs.writeFileSync(
        temp,
        JSON.stringify({ type: 'message', text: message.text }),
      );
      fs.renameSync(temp, file);
    } catch (err) {
      log(`Could not hand back ${message.name}: ${errorMessage(err)}`);
    }
  }
  if (messages.length) {
    log(
      `Handed back ${messages.length} unanswered message(s) for the next run`,
    );
  }
}

export type Wake = { messages: InboxMessage[]; close: boolean } | 'idle';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Wait for the next messages or `_close`. `_close` is looked for before the
 * messages: the host writes it last, so every message sent before it is seen.
 */
export async function waitForMessages(
  inbox: Inbox,
  pollMs: number,
  idleMs: number,
): Promise<Wake> {
  const deadline = Date.now() + idleMs;
  for (;;) {
    const close = takeClose(inbox);
    const messages = drainInbox(inbox);
    if (close || messages.length) return { messages, close };
    const left = deadline - Date.now();
    if (left <= 0) return 'idle';
    await sleep(Math.min(pollMs, left));
  }
}
