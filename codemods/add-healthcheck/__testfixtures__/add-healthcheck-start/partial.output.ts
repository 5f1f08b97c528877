import { loadState } from './state.js';
import { startHealthcheck } from './healthcheck.js';

async function main(): Promise<void> {
  loadState();
  startHealthcheck();
  process.stdin.resume();
}
