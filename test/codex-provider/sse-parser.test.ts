/**
 * The pure pieces of the container provider, imported directly: the SSE parser
 * fed every possible chunking, the session trimming, the workspace fence, and
 * how phases are given to assistant messages that came without one.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { describe, expect, it } from 'vitest';

import { resolveInside } from '../../templates/add-codex-provider/plugins/codex/container/provider-codex/files.ts';
import {
  restoreTurn,
  settlePhases,
  assistantMessage,
  type InputItem,
} from '../../templates/add-codex-provider/plugins/codex/container/provider-codex/items.ts';
import { trimTurns } from '../../templates/add-codex-provider/plugins/codex/container/provider-codex/session.ts';
import {
  createSseParser,
  type SseMessage,
} from '../../templates/add-codex-provider/plugins/codex/container/provider-codex/sse.ts';
import {
  awkwardCuts,
  encodeEvent,
  messageEvents,
  responseEvents,
} from '../helpers/fake-responses-server.js';

function parse(chunks: Uint8Array[]): SseMessage[] {
  const messages: SseMessage[] = [];
  const parser = createSseParser((m) => messages.push(m));
  for (const chunk of chunks) parser.push(chunk);
  parser.end();
  return messages;
}

function cutAt(bytes: Buffer, cuts: number[]): Buffer[] {
  const pieces: Buffer[] = [];
  let start = 0;
  for (const cut of cuts) {
    pieces.push(bytes.subarray(start, cut));
    start = cut;
  }
  pieces.push(bytes.subarray(start));
  return pieces;
}

const events = responseEvents(messageEvents(['Grüße ', '👋🏽', ' 日本']));

describe('createSseParser', () => {
  for (const eol of ['\n', '\r\n', '\r']) {
    for (const multiline of [false, true]) {
      it(`gives the same events for any two-piece cut (${JSON.stringify(eol)}, ${multiline ? 'multi-line' : 'one-line'} data)`, () => {
        const bytes = Buffer.from(
          events.map((e) => encodeEvent(e, eol, multiline)).join(''),
        );
        const whole = parse([bytes]);
        expect(whole.map((m) => m.event)).toEqual(events.map((e) => e.type));
        expect(whole.map((m) => JSON.parse(m.data))).toEqual(
          events.map((e) => ({ type: e.type, ...e.data })),
        );
        for (let cut = 1; cut < bytes.length; cut++) {
          expect(parse(cutAt(bytes, [cut]))).toEqual(whole);
        }
        expect(parse(cutAt(bytes, awkwardCuts(bytes)))).toEqual(whole);
        expect(parse([...bytes].map((b) => Uint8Array.of(b)))).toEqual(whole);
      });
    }
  }

  it('skips comments and unknown fields, and keeps data without a space', () => {
    const text =
      ': ping\n\nid: 7\nretry: 100\nevent: x\ndata:{"a":1}\nfoo: bar\n\n' +
      'event: only-a-name\n\ndata: second\n\n';
    expect(parse([Buffer.from(text)])).toEqual([
      { event: 'x', data: '{"a":1}' },
      { event: 'message', data: 'second' },
    ]);
  });

  it('drops an event whose closing blank line never came', () => {
    expect(parse([Buffer.from('data: complete\n\ndata: {"half":')])).toEqual([
      { event: 'message', data: 'complete' },
    ]);
  });
});

describe('trimTurns', () => {
  const turn = (text: string) => [{ text }];

  it('drops the oldest turns first', () => {
    const turns = [turn('a'.repeat(100)), turn('b'.repeat(100)), turn('c')];
    expect(trimTurns(turns, 150)).toEqual([turn('b'.repeat(100)), turn('c')]);
    expect(trimTurns(turns, 10_000)).toEqual(turns);
  });

  it('keeps the newest turn even when it alone is too big', () => {
    const turns = [turn('a'), turn('b'.repeat(500))];
    expect(trimTurns(turns, 100)).toEqual([turn('b'.repeat(500))]);
  });
});

describe('resolveInside', () => {
  it('resolves relative paths from the base and refuses escapes, symlinks too', () => {
    const root = fs.realpathSync(
      fs.mkdtempSync(path.join(os.tmpdir(), 'codex-fence-')),
    );
    const group = path.join(root, 'group');
    fs.mkdirSync(group);
    fs.symlinkSync('/etc', path.join(group, 'etc-link'));
    try {
      expect(resolveInside(root, group, 'notes/new.md')).toBe(
        path.join(group, 'notes/new.md'),
      );
      expect(resolveInside(root, group, '../global/CLAUDE.md')).toBe(
        path.join(root, 'global/CLAUDE.md'),
      );
      expect(() => resolveInside(group, group, '../x')).toThrow('is outside');
      expect(() => resolveInside(root, group, 'etc-link/passwd')).toThrow(
        'etc-link/passwd is outside',
      );
      expect(() => resolveInside(root, group, '/etc/passwd')).toThrow(
        'is outside',
      );
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('phases', () => {
  const call: InputItem = {
    type: 'function_call',
    call_id: 'c1',
    name: 'bash',
    arguments: '{}',
  };

  it('makes a phase-less message commentary beside a tool call, else the answer', () => {
    const withCall = [assistantMessage('Looking.'), call];
    settlePhases(withCall);
    expect(withCall[0]).toMatchObject({ phase: 'commentary' });

    const alone = [
      assistantMessage('Done.'),
      assistantMessage('Sure.', 'commentary'),
    ];
    settlePhases(alone);
    expect(alone.map((item: any) => item.phase)).toEqual([
      'final_answer',
      'commentary',
    ]);
  });

  it('rebuilds saved turns without ids, giving old messages a phase', () => {
    const restored = restoreTurn([
      {
        type: 'message',
        role: 'user',
        id: 'u1',
        content: [{ type: 'input_text', text: 'Hi' }],
      },
      {
        type: 'message',
        role: 'assistant',
        id: 'm1',
        content: [{ type: 'output_text', text: 'On it.' }],
      },
      { ...call, id: 'fc1' },
      { type: 'function_call_output', call_id: 'c1', output: 'ok' },
      {
        type: 'message',
        role: 'assistant',
        content: [{ type: 'output_text', text: 'Done.' }],
      },
      { type: 'reasoning', summary: [], encrypted_content: 'x' },
    ]);
    expect(JSON.stringify(restored)).not.toContain('"id"');
    expect(restored.map((item: any) => item.phase ?? item.type)).toEqual([
      'message',
      'commentary',
      'function_call',
      'function_call_output',
      'final_answer',
    ]);
  });
});
