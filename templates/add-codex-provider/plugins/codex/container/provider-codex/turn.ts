/**
 * One turn: from a user's message(s) to Codex's answer, through as many tool
 * rounds as it needs. Follow-ups that arrive meanwhile join the turn before
 * the next request; answers go to the chat as each response completes.
 */
import type { RoundResult } from './events.js';
import {
  ContextTooLongError,
  EffortRejectedError,
  ModelRejectedError,
} from './failures.js';
import { buildInstructions, turnContext } from './instructions.js';
import {
  drainInbox,
  restoreMessages,
  type Inbox,
  type InboxMessage,
} from './ipc.js';
import {
  finalAnswers,
  isAssistantMessage,
  messageText,
  settlePhases,
  userMessage,
  type FunctionCallItem,
  type InputItem,
} from './items.js';
import { explainRejectedEffort, replaceRejectedModel } from './models.js';
import { ProviderError, errorMessage, log, writeOutput } from './output.js';
import { requestBody, streamRound } from './request.js';
import type { Session } from './session.js';
import type { ContainerInputLike, Settings } from './settings.js';
import { runTool, type ToolPlace } from './tools.js';

/** Rounds of tool calls in one turn before giving up on a final answer. */
const MAX_TOOL_ROUNDS = 20;

export interface SessionContext {
  input: ContainerInputLike;
  settings: Settings;
  session: Session;
  inbox: Inbox;
  place: ToolPlace;
  /** The model was already swapped once this session: never twice. */
  modelReplaced: boolean;
}

export interface TurnStart {
  texts: string[];
  /** The inbox files those texts came from, handed back if the turn fails. */
  messages: InboxMessage[];
  scheduled: boolean;
}

interface TurnState {
  items: InputItem[];
  instructions: string;
  /** Items up to here were seen by the model (and their tools run). */
  answered: number;
  /** Messages the model has not seen yet. */
  unseen: InboxMessage[];
  /** Final answers sent to the chat so far. */
  answers: number;
  /** The older conversation was already cut once for this turn. */
  trimmed: boolean;
}

async function requestRound(
  ctx: SessionContext,
  state: TurnState,
): Promise<RoundResult> {
  for (;;) {
    const input = [...ctx.session.history.flat(), ...state.items];
    const body = requestBody(
      ctx.settings,
      state.instructions,
      input,
      ctx.session.key,
    );
    try {
      return await streamRound(ctx.settings, ctx.session.key, body);
    } catch (err) {
      await recover(ctx, state, err);
    }
  }
}

/** Returns when trying again may work; else throws what the chat should see. */
async function recover(
  ctx: SessionContext,
  state: TurnState,
  err: unknown,
): Promise<void> {
  if (err instanceof ContextTooLongError) {
    if (state.trimmed || !ctx.session.dropOldest()) {
      const why = state.trimmed
        ? 'even without the older conversation, which NanoClaw left out'
        : 'and there is no older conversation to leave out';
      throw new ProviderError(
        `${err.message} It does not fit ${why}: ask again with a shorter message.`,
      );
    }
    state.trimmed = true;
    log(
      'The conversation is too long for the model; dropped the oldest turns, trying again',
    );
    return;
  }
  if (err instanceof ModelRejectedError && !ctx.modelReplaced) {
    await replaceRejectedModel(ctx.settings, err);
    ctx.modelReplaced = true;
    return;
  }
  if (err instanceof EffortRejectedError) {
    throw await explainRejectedEffort(ctx.settings, err);
  }
  throw err;
}

/** Take in one response: answers to the chat, commentary to the log. */
function acceptRound(
  ctx: SessionContext,
  state: TurnState,
  result: RoundResult,
): FunctionCallItem[] {
  settlePhases(result.items);
  state.items.push(...result.items);
  state.answered = state.items.length;
  state.unseen = [];
  for (const item of result.items) {
    if (isAssistantMessage(item) && item.phase === 'commentary') {
      log(`Codex (commentary): ${messageText(item)}`);
    }
  }
  for (const text of finalAnswers(result.items)) {
    state.answers++;
    writeOutput({
      status: 'success',
      result: text,
      newSessionId: ctx.session.id,
    });
  }
  if (result.usage) {
    log(
      `Codex response: ${result.usage.input_tokens ?? '?'} tokens in, ${result.usage.output_tokens ?? '?'} out`,
    );
  }
  return result.items.filter(
    (item): item is FunctionCallItem => item.type === 'function_call',
  );
}

async function runCalls(
  ctx: SessionContext,
  state: TurnState,
  calls: FunctionCallItem[],
): Promise<void> {
  for (const call of calls) {
    log(`Tool call: ${call.name}`);
    const output = await runTool(call, ctx.place);
    state.items.push({
      type: 'function_call_output',
      call_id: call.call_id,
      output,
    });
  }
  state.answered = state.items.length;
}

/** Messages that came during the tool round join the turn as user messages. */
function takeFollowUps(ctx: SessionContext, state: TurnState): void {
  const messages = drainInbox(ctx.inbox);
  if (!messages.length) return;
  log(`${messages.length} follow-up message(s) joined the turn`);
  state.items.push(...messages.map((message) => userMessage(message.text)));
  state.unseen.push(...messages);
}

/**
 * A turn that failed: remember what the model did answer, hand back the
 * messages it never saw, and tell the chat why.
 */
function failTurn(ctx: SessionContext, state: TurnState, err: unknown): void {
  const message =
    err instanceof ProviderError
      ? err.message
      : `Codex provider failed: ${errorMessage(err)}`;
  log(message);
  const answered = state.items.slice(0, state.answered);
  if (
    answered.some(
      (item) => item.type !== 'message' || item.role === 'assistant',
    )
  ) {
    ctx.session.commit(answered);
  }
  restoreMessages(ctx.inbox, state.unseen);
  writeOutput({
    status: 'error',
    result: null,
    error: message,
    newSessionId: ctx.session.id,
  });
}

/** Runs one turn to its end; false when it failed (the session must stop). */
export async function runTurn(
  ctx: SessionContext,
  start: TurnStart,
): Promise<boolean> {
  const state: TurnState = {
    items: [turnContext(start.scheduled), ...start.texts.map(userMessage)],
    instructions: buildInstructions(ctx.input, ctx.settings.workspace),
    answered: 0,
    unseen: [...start.messages],
    answers: 0,
    trimmed: false,
  };
  try {
    for (let round = 1; ; round++) {
      const calls = acceptRound(ctx, state, await requestRound(ctx, state));
      if (!calls.length) break;
      if (round > MAX_TOOL_ROUNDS) {
        throw new ProviderError(
          `Codex was still calling tools after ${MAX_TOOL_ROUNDS} rounds, so NanoClaw stopped it. Ask again with a smaller step.`,
        );
      }
      await runCalls(ctx, state, calls);
      takeFollowUps(ctx, state);
    }
  } catch (err) {
    failTurn(ctx, state, err);
    return false;
  }
  ctx.session.commit(state.items);
  // Answers went out as they came; the host still needs the session id.
  if (!state.answers) {
    writeOutput({
      status: 'success',
      result: null,
      newSessionId: ctx.session.id,
    });
  }
  return true;
}
