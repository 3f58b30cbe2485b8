// The static checks, as tests: the whole project type-checks (tsc -b tsconfig.json: src, test, bench
// and examples) and is formatted as Prettier formats it (.prettierrc.json; .prettierignore says why
// assembly/ is not). Tests, not steps before vitest, so that these run on one core while test files
// run on the other; both keep a record (build/typecheck.tsbuildinfo, node_modules/.cache/prettier),
// so a second run re-checks only what changed.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const tool = (path: string): string => fileURLToPath(new URL(`../node_modules/${path}`, import.meta.url));

/** Runs a Node tool of the project in its root; its exit code and everything it printed. */
function run(script: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [script, ...args],
      { cwd: root, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code ?? 1) : 0, output: `${stdout}${stderr}`.trim() });
      },
    );
  });
}

it.concurrent(
  'tsc -b tsconfig.json reports no type errors',
  async () => {
    const { code, output } = await run(tool('typescript/bin/tsc'), ['-b', 'tsconfig.json', '--pretty', 'false']);
    expect(output, 'what tsc reported').toBe('');
    expect(code, 'tsc exit code').toBe(0);
  },
  180_000,
);

it.concurrent(
  'every file is formatted as Prettier formats it (npx prettier --write . fixes one that is not)',
  async () => {
    const { code, output } = await run(tool('prettier/bin/prettier.cjs'), [
      '--check',
      '--cache',
      '--log-level',
      'warn',
      '.',
    ]);
    expect(output, 'the files Prettier would change').toBe('');
    expect(code, 'prettier exit code').toBe(0);
  },
  180_000,
);
