// Test runner configuration: a build step first (test/global-setup.ts builds whatever is stale), then
// every test file, with the wasm engine on the debug build of the core (assertions on).
import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/setup.ts'],
    testTimeout: 60_000,
    // Vitest's default keeps a core for its own process (cores − 1), which on a 2-core machine runs one
    // test file at a time; that process mostly waits, so use every core.
    maxWorkers: availableParallelism(),
  },
});
