import { loadState } from './state.js';

async function main(): Promise<void> {
  loadState();
  process.stdin.resume();
}
