import { loadState } from "./state.js"

async function main(): Promise<void> {
	loadState()
	if (process.argv.includes("--chat")) return
}
