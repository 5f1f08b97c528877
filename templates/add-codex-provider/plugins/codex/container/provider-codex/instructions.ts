/**
 * What Codex is told. The instructions depend only on the group's memory, so
 * they are byte-identical from run to run and the backend's prompt cache
 * holds; what changes (the time, a scheduled task) opens each turn instead.
 */
import fs from 'fs';
import path from 'path';

import { userMessage, type MessageItem } from './items.js';
import type { ContainerInputLike } from './settings.js';

function readIfPresent(file: string): string {
  try {
    return fs.readFileSync(file, 'utf-8').trim();
  } catch {
    return '';
  }
}

export function buildInstructions(
  input: ContainerInputLike,
  workspace: string,
): string {
  const groupDir = path.join(workspace, 'group');
  const parts = [readIfPresent(path.join(groupDir, 'CLAUDE.md'))];
  // Main's own CLAUDE.md is the global memory; other groups get it mounted read-only.
  if (!input.isMain) {
    parts.push(readIfPresent(path.join(workspace, 'global', 'CLAUDE.md')));
  }
  const name = input.assistantName || 'Andy';
  parts.push(
    [
      '## Where you are',
      `You are ${name}, a personal assistant running in NanoClaw. Your messages go to a chat (${input.groupFolder}); your final answer is what the chat sees.`,
      'Each turn opens with a context note giving the current time; trust it over anything older in the conversation.',
      `Your working folder is ${groupDir}; files there persist between conversations, and CLAUDE.md there is your long-term memory.`,
      'Tools: bash (runs in the working folder), read_file, write_file, list_files. Use them when they help; keep chat answers short.',
    ].join('\n'),
  );
  return parts.filter(Boolean).join('\n\n');
}

function localTime(now: Date): string {
  const timeZone = process.env.TZ || 'UTC';
  try {
    return now.toLocaleString('en-GB', {
      timeZone,
      dateStyle: 'full',
      timeStyle: 'long',
    });
  } catch {
    // An unknown TZ name: the ISO time is still right.
    return now.toISOString();
  }
}

/** The first item of every turn: when it is, and whether a person is asking. */
export function turnContext(
  scheduled: boolean,
  now: Date = new Date(),
): MessageItem {
  const lines = [
    '<context>',
    `Current time: ${localTime(now)} (${now.toISOString()}).`,
  ];
  if (scheduled) {
    lines.push(
      'Scheduled task: the message below was sent automatically, not by someone in the chat just now.',
    );
  }
  lines.push('</context>');
  return userMessage(lines.join('\n'));
}
