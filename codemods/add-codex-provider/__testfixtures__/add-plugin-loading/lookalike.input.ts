import { ASSISTANT_NAME, MAIN_GROUP_FOLDER, POLL_INTERVAL } from './config.js';
import { ContainerOutput, runContainerAgent } from './container-runner.js';
import { logger } from './logger.js';
import { ensureDirectories, loadState, saveState, sessions } from './state.js';

/** Send one prompt to a group's agent and remember its session. */
export async function processMessage(
  groupFolder: string,
  prompt: string,
): Promise<ContainerOutput> {
  const output = await runContainerAgent(
    { name: groupFolder, folder: groupFolder },
    {
      prompt,
      sessionId: sessions[groupFolder],
      groupFolder,
      chatJid: `${groupFolder}@local`,
      isMain: groupFolder === MAIN_GROUP_FOLDER,
      assistantName: ASSISTANT_NAME,
    },
    (proc, containerName) =>
      logger.debug({ pid: proc.pid, containerName }, 'Container started'),
    async (partial) => {
      if (partial.result) console.log(`${ASSISTANT_NAME}: ${partial.result}`);
    },
  );
  if (output.newSessionId) {
    sessions[groupFolder] = output.newSessionId;
    saveState();
  }
  return output;
}

function restoreState(): void {
  loadState();
}

async function main(): Promise<void> {
  ensureDirectories();
  logger.info('Directories ready');
  restoreState();

  // `--prompt "text"` answers one message in the main group and exits.
  const promptFlag = process.argv.indexOf('--prompt');
  if (promptFlag !== -1) {
    const output = await processMessage(
      MAIN_GROUP_FOLDER,
      process.argv[promptFlag + 1] ?? '',
    );
    if (output.status === 'error') {
      logger.error({ error: output.error }, 'Agent failed');
      process.exitCode = 1;
    }
    return;
  }

  logger.info({ assistant: ASSISTANT_NAME }, 'NanoClaw running');
  setInterval(() => logger.debug('Polling for messages'), POLL_INTERVAL);
}

main().catch((err) => {
  logger.error({ err }, 'Failed to start NanoClaw');
  process.exit(1);
});
