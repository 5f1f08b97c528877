/**
 * The container's session: answer the prompt from stdin (with any messages
 * already waiting), then every follow-up the host sends, in one conversation,
 * until the host writes `_close` or no message came for CODEX_IDLE_TIMEOUT_MS.
 */
import path from 'path';

import {
  drainInbox,
  openInbox,
  restoreMessages,
  waitForMessages,
} from './ipc.js';
import { ensureModel } from './models.js';
import { ProviderError, errorMessage, log, writeOutput } from './output.js';
import { Session } from './session.js';
import {
  describeEffort,
  readSettings,
  type ContainerInputLike,
} from './settings.js';
import { runTurn, type SessionContext } from './turn.js';

function reportStartFailure(message: string): void {
  log(`Codex provider cannot start: ${message}`);
  writeOutput({ status: 'error', result: null, error: message });
}

/** Follow-ups until `_close` or the idle timeout; false when a turn failed. */
async function serveFollowUps(ctx: SessionContext): Promise<boolean> {
  const { inbox, settings } = ctx;
  if (!inbox.enabled) return true;
  for (;;) {
    const wake = await waitForMessages(
      inbox,
      settings.ipcPollMs,
      settings.idleTimeoutMs,
    );
    if (wake === 'idle') {
      log('No message came within CODEX_IDLE_TIMEOUT_MS; ending the session');
      return true;
    }
    if (wake.messages.length) {
      const texts = wake.messages.map((message) => message.text);
      const start = { texts, messages: wake.messages, scheduled: false };
      if (!(await runTurn(ctx, start))) return false;
    }
    if (wake.close) {
      log('The host closed the session');
      return true;
    }
  }
}

export async function runProvider(input: ContainerInputLike): Promise<void> {
  const configured = readSettings(input);
  if ('error' in configured) return reportStartFailure(configured.error);
  const settings = configured.settings;
  const inbox = openInbox(settings.ipcInputDir);
  // Messages that came before the container was up belong to the first prompt.
  const waiting = drainInbox(inbox);
  try {
    await ensureModel(settings);
  } catch (err) {
    restoreMessages(inbox, waiting);
    const message =
      err instanceof ProviderError ? err.message : errorMessage(err);
    return reportStartFailure(message);
  }
  const session = Session.open(settings.sessionsDir, input.sessionId);
  log(
    `Using codex provider: model ${settings.model}, reasoning ${describeEffort(settings)}, ` +
      `session ${session.id} (${session.history.length} earlier turns)`,
  );
  const ctx: SessionContext = {
    input,
    settings,
    session,
    inbox,
    place: {
      workspace: settings.workspace,
      groupDir: path.join(settings.workspace, 'group'),
    },
    modelReplaced: false,
  };
  const first = {
    texts: [[input.prompt, ...waiting.map((m) => m.text)].join('\n')],
    messages: waiting,
    scheduled: Boolean(input.isScheduledTask),
  };
  if (!(await runTurn(ctx, first))) return;
  if (await serveFollowUps(ctx)) log('Codex run finished');
}
