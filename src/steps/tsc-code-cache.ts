/**
 * Preloaded (NODE_OPTIONS --import) into the builds that apply and remove run
 * in the target (./build-env.ts): the tsc they start compiles the
 * TypeScript compiler's own 6 MB of JavaScript before it compiles anything of
 * the target's, about a fifth of a small build's CPU. With this, it loads the
 * V8 code cache the tool keeps for that compiler (../engine/compile-cache.ts)
 * and saves one at exit when there was none. The cache is named by the
 * compiler's content, so every checkout with the same TypeScript shares one.
 * The other programs of a build load nothing it caches: it does nothing there.
 */
import {
  enableCompileCache,
  saveCompileCache,
} from '../engine/compile-cache.js';

// A build must never fail for its cache: without one it only runs slower.
try {
  enableCompileCache('content');
  process.on('exit', () => {
    try {
      saveCompileCache();
    } catch {
      // Not saved: the next build compiles the compiler again.
    }
  });
} catch {
  // Not enabled: this build compiles the compiler as usual.
}
