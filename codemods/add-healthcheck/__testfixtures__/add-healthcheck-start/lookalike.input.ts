import { loadState } from './state.js';

function restoreState(): void {
  loadState();
}

async function main(): Promise<void> {
  restoreState();
}
