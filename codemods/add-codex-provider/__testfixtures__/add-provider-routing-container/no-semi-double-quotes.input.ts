/**
 * NanoClaw agent runner: runs inside the container.
 * Input: one JSON ContainerInput on stdin, then follow-up messages as files in
 * /workspace/ipc/input/ until a _close file appears there.
 * Output: each answer between markers on stdout.
 */
import fs from "fs"
import path from "path"

interface ContainerInput {
  prompt: string
  sessionId?: string
  groupFolder: string
  chatJid: string
  isMain: boolean
  isScheduledTask?: boolean
  assistantName?: string
}

interface ContainerOutput {
  status: "success" | "error"
  result: string | null
  newSessionId?: string
  error?: string
}

const OUTPUT_START_MARKER = "---NANOCLAW_OUTPUT_START---"
const OUTPUT_END_MARKER = "---NANOCLAW_OUTPUT_END---"

// /workspace in the container; a test runtime may put it elsewhere.
const WORKSPACE = process.env.NANOCLAW_WORKSPACE || "/workspace"
const IPC_INPUT_DIR = path.join(WORKSPACE, "ipc", "input")
const IPC_CLOSE_SENTINEL = path.join(IPC_INPUT_DIR, "_close")
const IPC_POLL_MS = 500

function writeOutput(output: ContainerOutput): void {
  console.log(OUTPUT_START_MARKER)
  console.log(JSON.stringify(output))
  console.log(OUTPUT_END_MARKER)
}

function log(message: string): void {
  console.error(`[agent-runner] ${message}`)
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString("utf-8")
}

/**
 * Stand-in for the Claude Agent SDK query loop used by the real runner. The
 * SDK reaches the API through the OneCLI gateway (HTTPS_PROXY), which adds
 * the credentials.
 */
async function runClaudeQuery(input: ContainerInput): Promise<ContainerOutput> {
  if (!process.env.HTTPS_PROXY) {
    return { status: "error", result: null, error: "No OneCLI gateway" }
  }
  const memoryFile = path.join(WORKSPACE, "group", "CLAUDE.md")
  const memory = fs.existsSync(memoryFile) ? "with memory" : "without memory"
  return {
    status: "success",
    result: `Claude received: ${input.prompt} (${memory})`,
    newSessionId: input.sessionId ?? `claude-${Date.now()}`,
  }
}

async function main(): Promise<void> {
  let containerInput: ContainerInput

  try {
    const stdinData = await readStdin()
    containerInput = JSON.parse(stdinData)
    log(`Received input for group: ${containerInput.groupFolder}`)
  } catch (err) {
    writeOutput({
      status: "error",
      result: null,
      error: `Failed to parse input: ${err instanceof Error ? err.message : String(err)}`,
    })
    process.exit(1)
  }

  log("Using claude provider")
  fs.mkdirSync(IPC_INPUT_DIR, { recursive: true })
  // A _close left by an earlier container would end this one at once.
  fs.rmSync(IPC_CLOSE_SENTINEL, { force: true })

  // Messages that arrived before the container was up belong to this prompt.
  let prompt = [containerInput.prompt, ...drainIpcInput()].join("\n")
  let sessionId = containerInput.sessionId
  for (;;) {
    const output = await runClaudeQuery({
      ...containerInput,
      prompt,
      sessionId,
    })
    writeOutput(output)
    if (output.status === "error") process.exit(1)
    sessionId = output.newSessionId ?? sessionId

    log("Answer sent, waiting for the next message")
    const next = await waitForIpcMessage()
    if (next === null) break
    prompt = next
  }
  log("Close requested, exiting")
}

main().catch((err) => {
  log(`Agent error: ${err instanceof Error ? err.message : String(err)}`)
  writeOutput({ status: "error", result: null, error: String(err) })
  process.exit(1)
})
