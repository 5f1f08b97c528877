/**
 * Just enough of the Responses event stream for the live check: the first
 * sign of an answer, or the reason there is none. The container side has the
 * full parser; this one never needs more than the first few events.
 */

// Named members keep the union on one line: prettier 3.8 and 3.10 would lay out
// a long one differently, and NanoClaw's checkouts pin either.
type Text = { text: true };
type Completed = { completed: true };
type Failed = { failed: string };
type Ended = { ended: true };
export type FirstToken = Text | Completed | Failed | Ended;

function asRecord(value: unknown): Record<string, any> {
  return value && typeof value === 'object'
    ? (value as Record<string, any>)
    : {};
}

/** The JSON payload of one SSE event (its `data:` lines), if it has one. */
function parseEvent(block: string): Record<string, any> | undefined {
  const data = block
    .split(/\r?\n/)
    .filter((line) => line.startsWith('data:'))
    .map((line) => line.slice(5).replace(/^ /, ''))
    .join('\n');
  if (!data || data === '[DONE]') return undefined;
  try {
    return asRecord(JSON.parse(data));
  } catch {
    return undefined;
  }
}

function failureOf(event: Record<string, any>): string {
  const response = asRecord(event.response);
  const error = asRecord(response.error ?? event.error);
  const reason =
    error.message ??
    event.message ??
    asRecord(response.incomplete_details).reason ??
    event.type;
  return String(reason);
}

function judge(event: Record<string, any>): FirstToken | undefined {
  switch (event.type) {
    case 'response.output_text.delta':
      return { text: true };
    case 'response.completed':
      return { completed: true };
    case 'response.failed':
    case 'response.incomplete':
    case 'error':
      return { failed: failureOf(event) };
    default:
      return undefined;
  }
}

export async function readFirstToken(response: Response): Promise<FirstToken> {
  const reader = response.body?.getReader();
  if (!reader) return { ended: true };
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { ended: true };
    buffer += decoder.decode(value, { stream: true });
    const blocks = buffer.split(/\r?\n\r?\n/);
    buffer = blocks.pop() ?? '';
    for (const block of blocks) {
      const event = parseEvent(block);
      const outcome = event && judge(event);
      if (outcome) return outcome;
    }
  }
}
