// Test runner configuration: the wasm engine runs the debug build of the core (assertions on).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    setupFiles: ['test/setup.ts'],
    testTimeout: 60_000,
  },
});
