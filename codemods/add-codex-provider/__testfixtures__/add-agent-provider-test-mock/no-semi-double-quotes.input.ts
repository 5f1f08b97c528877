import { spawn } from "child_process"
import { EventEmitter } from "events"
import { PassThrough } from "stream"
import { beforeEach, describe, expect, it, vi } from "vitest"

// Mock config with every export the runner (and what it imports) may read.
vi.mock("./config.js", () => ({
  ASSISTANT_NAME: "Andy",
  ASSISTANT_HAS_OWN_NUMBER: false,
  POLL_INTERVAL: 2000,
  STORE_DIR: "/tmp/nanoclaw-test/store",
  GROUPS_DIR: "/tmp/nanoclaw-test/groups",
  DATA_DIR: "/tmp/nanoclaw-test/data",
  MAIN_GROUP_FOLDER: "main",
  CONTAINER_IMAGE: "nanoclaw-agent:test",
  CONTAINER_TIMEOUT: 1800000,
  IDLE_TIMEOUT: 1800000,
  CREDENTIAL_PROXY_PORT: 3001,
  TIMEZONE: "UTC"
}))

vi.mock("./env.js", () => ({
  readEnvFile: vi.fn(() => ({ ANTHROPIC_API_KEY: "sk-test" }))
}))

const stdinChunks: string[] = []
let fakeProcess: EventEmitter & {
  stdin: PassThrough
  stdout: PassThrough
  stderr: PassThrough
  kill: () => void
}

vi.mock("child_process", () => ({
  spawn: vi.fn(() => fakeProcess)
}))

import { readEnvFile } from "./env.js"
import { runContainerAgent } from "./container-runner.js"

async function runOnce() {
  const input = {
    prompt: "hello",
    groupFolder: "main",
    chatJid: "main@local",
    isMain: true
  }
  const run = runContainerAgent(
    { name: "main", folder: "main" },
    input,
    () => {}
  )
  await new Promise((resolve) => setImmediate(resolve))
  fakeProcess.stdout.write(
    '---NANOCLAW_OUTPUT_START---{"status":"success","result":"hi"}---NANOCLAW_OUTPUT_END---'
  )
  await new Promise((resolve) => setImmediate(resolve))
  fakeProcess.emit("close", 0)
  return { input, output: await run }
}

function spawnArgs(): string[] {
  return vi.mocked(spawn).mock.calls.at(-1)![1] as string[]
}

describe("runContainerAgent", () => {
  beforeEach(() => {
    stdinChunks.length = 0
    fakeProcess = Object.assign(new EventEmitter(), {
      stdin: new PassThrough(),
      stdout: new PassThrough(),
      stderr: new PassThrough(),
      kill: () => {}
    })
    fakeProcess.stdin.on("data", (chunk) => stdinChunks.push(String(chunk)))
  })

  it("sends the input on stdin without secrets and returns the marked output", async () => {
    const { input, output } = await runOnce()
    expect(output).toEqual({ status: "success", result: "hi" })
    const sent = JSON.parse(stdinChunks.join(""))
    expect(sent).toEqual(input)
    expect(sent).not.toHaveProperty("secrets")
    expect(stdinChunks.join("")).not.toContain("sk-test")
  })

  it("points the container at the credential proxy with a placeholder key", async () => {
    await runOnce()
    const args = spawnArgs()
    expect(args).toContain(
      "ANTHROPIC_BASE_URL=http://host.docker.internal:3001"
    )
    expect(args).toContain("ANTHROPIC_API_KEY=placeholder")
    expect(args.join(" ")).not.toContain("sk-test")
  })

  it("gives an OAuth placeholder when .env has no API key", async () => {
    vi.mocked(readEnvFile).mockReturnValueOnce({
      CLAUDE_CODE_OAUTH_TOKEN: "oauth-test"
    })
    await runOnce()
    const args = spawnArgs()
    expect(args).toContain("CLAUDE_CODE_OAUTH_TOKEN=placeholder")
    expect(args).not.toContain("ANTHROPIC_API_KEY=placeholder")
  })
})
