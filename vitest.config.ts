// Test runner configuration: a build step first (test/global-setup.ts builds whatever is stale), then
// every test file, with the wasm engine on the debug build of the core (assertions on).
import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Vitest's order (the slowest files of the last run first; with no record, as in a fresh clone, the
 * largest files first), except that the static checks start first: from cold, tsc takes as long as
 * the slowest test file, and as a small file it would start last and leave the other cores idle.
 */
class StaticChecksFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const first = (f: TestSpecification): boolean => f.moduleId.endsWith('/test/static-checks.test.ts');
    return [...sorted.filter(first), ...sorted.filter((f) => !first(f))];
  }
}

export default defineConfig({
  test: {
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/setup.ts'],
    testTimeout: 60_000,
    // Vitest's default keeps a core for its own process (cores − 1), which on a 2-core machine runs one
    // test file at a time; that process mostly waits, so use every core.
    maxWorkers: availableParallelism(),
    sequence: { sequencer: StaticChecksFirst },
  },
});
