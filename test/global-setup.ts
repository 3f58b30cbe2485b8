// The tests' build step (vitest globalSetup, vitest.config.ts): builds whatever is stale before any
// test file runs — the core's wasm targets that tests load from build/, and dist/ with its browser
// bundle, which tests import — exactly once per run, and again before each watch-mode rerun. A
// failed build throws with the compiler's output, so the run fails before any test starts.
import type { TestProject } from 'vitest/node';
import { build } from '../scripts/build.mjs';

export default async function setup(project: TestProject): Promise<void> {
  await build();
  project.onTestsRerun(async () => {
    await build();
  });
}
