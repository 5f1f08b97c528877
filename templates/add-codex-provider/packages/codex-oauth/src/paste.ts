/**
 * Headless sign-in: the browser runs on another machine, its redirect to
 * localhost fails there, and the user pastes the address it ended up on.
 */
import readline from 'node:readline';

export interface PastedAnswer {
  code?: string;
  state?: string;
  error?: string;
}

/**
 * Accepts the whole redirect URL, its query ("code=...&state=..."), "CODE STATE",
 * or the bare code. Returns undefined for a line that holds none of these.
 */
export function parsePastedAnswer(line: string): PastedAnswer | undefined {
  const text = line.trim();
  if (!text) return undefined;
  let query: URLSearchParams | undefined;
  if (/^https?:\/\//i.test(text)) {
    try {
      query = new URL(text).searchParams;
    } catch {
      return undefined;
    }
  } else if (/(^|[?&#])(code|error)=/.test(text)) {
    query = new URLSearchParams(text.replace(/^[?#]/, ''));
  }
  if (query) {
    const answer: PastedAnswer = {};
    for (const key of ['code', 'state', 'error'] as const) {
      const value = query.get(key);
      if (value) answer[key] = value;
    }
    return answer.code || answer.error ? answer : undefined;
  }
  const words = text.split(/\s+/);
  if (words.length === 1) return { code: words[0] };
  if (words.length === 2) return { code: words[0], state: words[1] };
  return undefined;
}

export interface PasteListener {
  answer: Promise<PastedAnswer>;
  stop(): void;
}

/** Resolves with the first line that parses; other lines get a hint. End of input just stops listening. */
export function listenForPaste(
  input: NodeJS.ReadableStream,
  hint: (line: string) => void,
): PasteListener {
  const rl = readline.createInterface({ input, terminal: false });
  const answer = new Promise<PastedAnswer>((resolve) => {
    rl.on('line', (line) => {
      const parsed = parsePastedAnswer(line);
      if (parsed) {
        rl.close();
        resolve(parsed);
      } else if (line.trim()) {
        hint(line);
      }
    });
  });
  return {
    answer,
    stop() {
      rl.close();
      // A paused pipe goes on reading and holds the process open (a TTY does not).
      if (!(input as { isTTY?: boolean }).isTTY)
        (input as { unref?: () => void }).unref?.();
    },
  };
}
