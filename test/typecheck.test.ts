// The whole project type-checks (tsc -b tsconfig.json: src, test, bench and examples). A test, not a
// step before vitest, so that tsc runs on one core while test files run on the other; tsc -b is
// incremental (build/typecheck.tsbuildinfo), so it only re-checks what changed since its last run.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsc = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url));

it('tsc -b tsconfig.json reports no type errors', async () => {
  const { code, output } = await new Promise<{ code: number; output: string }>((resolve) => {
    execFile(process.execPath, [tsc, '-b', 'tsconfig.json', '--pretty', 'false'], { cwd: root, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, output: `${stdout}${stderr}`.trim() });
    });
  });
  expect(output, 'what tsc reported').toBe('');
  expect(code, 'tsc exit code').toBe(0);
}, 180_000);
