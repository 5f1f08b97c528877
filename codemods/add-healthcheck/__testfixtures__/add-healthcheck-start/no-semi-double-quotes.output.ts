import { loadState } from "./state.js"
import { startHealthcheck } from "./healthcheck.js"

async function main(): Promise<void> {
	loadState()
	startHealthcheck()
	if (process.argv.includes("--chat")) return
}
