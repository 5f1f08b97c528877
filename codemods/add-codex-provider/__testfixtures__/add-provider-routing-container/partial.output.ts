/**
 * NanoClaw agent runner: runs inside the container.
 * Input: one JSON ContainerInput on stdin. Output: results between markers on stdout.
 */
import fs from 'fs';

interface ContainerInput {
  prompt: string;
  sessionId?: string;
  groupFolder: string;
  chatJid: string;
  isMain: boolean;
  isScheduledTask?: boolean;
  assistantName?: string;
  secrets?: Record<string, string>;
  provider?: string;
}

interface ContainerOutput {
  status: 'success' | 'error';
  result: string | null;
  newSessionId?: string;
  error?: string;
}

const OUTPUT_START_MARKER = '---NANOCLAW_OUTPUT_START---';
const OUTPUT_END_MARKER = '---NANOCLAW_OUTPUT_END---';

function writeOutput(output: ContainerOutput): void {
  console.log(OUTPUT_START_MARKER);
  console.log(JSON.stringify(output));
  console.log(OUTPUT_END_MARKER);
}

function log(message: string): void {
  console.error(`[agent-runner] ${message}`);
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf-8');
}

/** Stand-in for the Claude Agent SDK query loop used by the real runner. */
async function runClaudeQuery(input: ContainerInput): Promise<ContainerOutput> {
  const hasCredentials = Boolean(
    input.secrets?.CLAUDE_CODE_OAUTH_TOKEN || input.secrets?.ANTHROPIC_API_KEY,
  );
  if (!hasCredentials) {
    return { status: 'error', result: null, error: 'No Claude credentials' };
  }
  const memoryFile = '/workspace/group/CLAUDE.md';
  const memory = fs.existsSync(memoryFile) ? 'with memory' : 'without memory';
  return {
    status: 'success',
    result: `Claude received: ${input.prompt} (${memory})`,
    newSessionId: input.sessionId ?? `claude-${Date.now()}`,
  };
}

async function main(): Promise<void> {
  let containerInput: ContainerInput;

  try {
    const stdinData = await readStdin();
    containerInput = JSON.parse(stdinData);
    log(`Received input for group: ${containerInput.groupFolder}`);
  } catch (err) {
    writeOutput({
      status: 'error',
      result: null,
      error: `Failed to parse input: ${err instanceof Error ? err.message : String(err)}`,
    });
    process.exit(1);
  }

  if (containerInput.provider && containerInput.provider !== 'claude') {
    log(`Using ${containerInput.provider} provider`);
    const { runProvider } = await import(
      `./provider-${containerInput.provider}.js`
    );
    await runProvider(containerInput);
    return;
  } else if (containerInput.sessionId?.includes(':')) {
    // Another provider's session (e.g. codex:<id>): Claude cannot resume it.
    delete containerInput.sessionId;
  }

  log('Using claude provider');
  const output = await runClaudeQuery(containerInput);
  writeOutput(output);
}

main().catch((err) => {
  log(`Agent error: ${err instanceof Error ? err.message : String(err)}`);
  writeOutput({ status: 'error', result: null, error: String(err) });
  process.exit(1);
});
