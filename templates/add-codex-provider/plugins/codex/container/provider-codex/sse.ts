/**
 * Server-sent events: the Responses endpoint streams each answer as SSE.
 */

export interface SseMessage {
  event: string;
  data: string;
}

/**
 * An incremental SSE parser: bytes in (split anywhere, even inside a UTF-8
 * character or between \r and \n), whole events out.
 */
export function createSseParser(onMessage: (message: SseMessage) => void): {
  push(chunk: Uint8Array): void;
  end(): void;
} {
  const decoder = new TextDecoder('utf-8');
  let buffer = '';
  let event = '';
  let data: string[] = [];

  const dispatch = () => {
    if (data.length)
      onMessage({ event: event || 'message', data: data.join('\n') });
    event = '';
    data = [];
  };
  const processLine = (line: string) => {
    if (line === '') return dispatch();
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  };
  const drain = (final: boolean) => {
    const lineEnd = /[\r\n]/g;
    let start = 0;
    for (;;) {
      lineEnd.lastIndex = start;
      const match = lineEnd.exec(buffer);
      if (!match) break;
      const at = match.index;
      if (buffer[at] === '\r') {
        // A \r at the very end may be the first half of \r\n.
        if (at + 1 === buffer.length && !final) break;
        processLine(buffer.slice(start, at));
        start = buffer[at + 1] === '\n' ? at + 2 : at + 1;
      } else {
        processLine(buffer.slice(start, at));
        start = at + 1;
      }
    }
    buffer = buffer.slice(start);
  };

  return {
    push(chunk) {
      buffer += decoder.decode(chunk, { stream: true });
      drain(false);
    },
    end() {
      buffer += decoder.decode();
      drain(true);
      // An event without its closing blank line is incomplete: dropped, as the spec says.
      buffer = '';
    },
  };
}
