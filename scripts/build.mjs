// Builds what is stale, and only that, using every core: the WebAssembly core's release, scalar and
// debug targets (asconfig.json), build/release-wasm.ts (the release bytes as base64, imported by
// src/wasm/module.ts, so the package needs no .wasm file at run time), dist/ (tsc -b, incremental)
// and the browser bundle dist/browser/; with --bench also the benchmarks' ceiling module. Run by
// `npm install` (prepare), `npm start`, `npm run build` and the tests' globalSetup
// (test/global-setup.ts), so a run whose sources have not changed starts at once.
//
//   node scripts/build.mjs [--bench] [--force]
//
// A wasm target is stale when its output is missing or older than any of its inputs (assembly/,
// asconfig.json, package-lock.json for the compiler's version). tsc -b keeps its own record
// (dist/tsconfig.build.tsbuildinfo), and the bundle is stale when older than anything in dist/src.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const asc = fileURLToPath(new URL('../node_modules/assemblyscript/bin/asc.js', import.meta.url));
const tsc = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url));
const at = (path) => join(root, path);

/** Every file under `dir` (relative to the root), recursively; none when it does not exist. */
function filesUnder(dir) {
  if (!existsSync(at(dir))) return [];
  return readdirSync(at(dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath ?? e.path, e.name))); // parentPath from Node 20.12 on
}

const mtime = (path) => (existsSync(at(path)) ? statSync(at(path)).mtimeMs : -Infinity);
const newest = (paths) => Math.max(-Infinity, ...paths.map(mtime));

/** The core's targets, and the ceiling module, each built by one asc process from its config. */
const CORE_INPUTS = () => [...filesUnder('assembly'), 'asconfig.json', 'package-lock.json'];
const WASM = {
  release: { config: 'asconfig.json', target: 'release', out: 'build/release.wasm', inputs: CORE_INPUTS },
  threads: { config: 'asconfig.json', target: 'threads', out: 'build/threads.wasm', inputs: CORE_INPUTS },
  fma: { config: 'asconfig.json', target: 'fma', out: 'build/fma.wasm', inputs: CORE_INPUTS },
  'threads-fma': { config: 'asconfig.json', target: 'threads-fma', out: 'build/threads-fma.wasm', inputs: CORE_INPUTS },
  debug: { config: 'asconfig.json', target: 'debug', out: 'build/debug.wasm', inputs: CORE_INPUTS },
  scalar: { config: 'asconfig.json', target: 'scalar', out: 'build/scalar.wasm', inputs: CORE_INPUTS },
  // Its own config, so asc does not also compile the core: given no --config, asc reads the root
  // asconfig.json and adds its entries (assembly/index.ts) to any file named on the command line.
  ceiling: {
    config: 'bench/assembly/asconfig.json',
    target: 'release',
    out: 'build/ceiling.wasm',
    inputs: () => [...filesUnder('bench/assembly'), 'package-lock.json'],
  },
};

/** Runs node with `args` in the root; resolves when it exits 0, rejects with its output otherwise. */
function run(label, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve(output);
      else reject(new Error(`build failed: ${label} exited with ${signal ?? code}\n${output}`));
    });
  });
}

/** Runs the jobs whose dependencies are done, at most `limit` at once, in the order given. */
async function schedule(jobs, limit) {
  const done = new Set(),
    started = new Set();
  const failures = [];
  await new Promise((resolve) => {
    let running = 0;
    const next = () => {
      if (failures.length > 0 && running === 0) return resolve();
      if (failures.length === 0) {
        for (const job of jobs) {
          if (running >= limit) break;
          if (started.has(job.name) || !job.after.every((d) => done.has(d))) continue;
          started.add(job.name);
          running++;
          job
            .run()
            .then(
              () => done.add(job.name),
              (e) => failures.push(e),
            )
            .finally(() => {
              running--;
              next();
            });
        }
      }
      if (running === 0) resolve();
    };
    next();
  });
  if (failures.length > 0) throw failures[0];
}

const seconds = (start) => `${((performance.now() - start) / 1000).toFixed(1)} s`;

/**
 * Builds whatever is stale. `bench` adds the ceiling module, `force` rebuilds everything; `log`
 * receives one line per step. Throws, with the tool's output, when any step fails.
 */
export async function build({ bench = false, force = false, log = console.log } = {}) {
  mkdirSync(at('build'), { recursive: true });
  const rebuilt = new Set();
  const wasmJob = (name) => {
    const { config, target, out, inputs } = WASM[name];
    if (!force && mtime(out) >= newest(inputs())) return undefined;
    return {
      name,
      after: [],
      run: async () => {
        const started = performance.now(),
          startedAt = Date.now();
        rmSync(at(out), { force: true }); // a failed build leaves no output to look fresh
        const output = await run(`asc ${config} --target ${target}`, [asc, '--config', config, '--target', target]);
        // asc's one routine remark; anything else it says is shown.
        const said = output.split('\n').filter((l) => l.trim() && l.trim() !== 'Last converge was suboptimal.');
        if (said.length > 0) log(said.join('\n'));
        // A source saved while asc ran may not be in this output: leave it stale for the next build.
        if (newest(inputs()) > startedAt) utimesSync(at(out), 0, 0);
        rebuilt.add(name);
        log(`build: ${out} (${seconds(started)})`);
      },
    };
  };
  const shipped = SHIPPED.map(wasmJob).filter((j) => j !== undefined);
  // tsc -b trusts its record, not the outputs: if some were deleted, rebuild them all.
  const distMissing = [
    'dist/src/index.js',
    'dist/examples/main.js',
    ...SHIPPED.map((t) => `dist/build/${t}-wasm.js`),
  ].some((f) => !existsSync(at(f)));
  const dist = {
    name: 'dist',
    after: shipped.map((j) => j.name),
    run: async () => {
      for (const target of SHIPPED) embed(target);
      const started = performance.now();
      const output = await run('tsc -b tsconfig.build.json', [
        tsc,
        '-b',
        'tsconfig.build.json',
        ...(force || distMissing ? ['--force'] : []),
      ]);
      if (output.trim()) log(output.trim());
      const pruned = pruneDist();
      const bundleInputs = [...filesUnder('dist/src'), 'scripts/bundle-browser.mjs', 'package-lock.json'];
      if (force || distMissing || mtime('dist/browser/backprop-wasm.js') < newest(bundleInputs)) {
        await run('scripts/bundle-browser.mjs', [at('scripts/bundle-browser.mjs')]);
        log(`build: dist/ and dist/browser/ (${seconds(started)})`);
      } else if (pruned > 0) log(`build: removed ${pruned} stale files from dist/`);
    },
  };
  // In this order: what the tests need first; dist takes the first core free once release is done.
  const jobs = [...shipped, wasmJob('debug'), dist, wasmJob('scalar'), bench ? wasmJob('ceiling') : undefined].filter(
    (j) => j !== undefined,
  );
  await schedule(jobs, Math.max(2, availableParallelism()));
  return rebuilt;
}

/** The builds the package ships, each embedded by embed() for src/wasm/module.ts. */
const SHIPPED = ['release', 'threads', 'fma', 'threads-fma'];

/**
 * build/<target>.wasm as base64 in build/<target>-wasm.ts, for src/wasm/module.ts; rewritten only
 * when it changes, so that tsc -b sees no change otherwise.
 */
function embed(target) {
  const text =
    `// Generated by scripts/build.mjs from build/${target}.wasm: do not edit.\n` +
    `export const WASM: string = '${readFileSync(at(`build/${target}.wasm`)).toString('base64')}';\n`;
  const file = at(`build/${target}-wasm.ts`);
  if (!existsSync(file) || readFileSync(file, 'utf8') !== text) writeFileSync(file, text);
}

/** Removes what tsc emitted for sources that no longer exist (tsc -b never deletes); returns how many. */
function pruneDist() {
  let removed = 0;
  for (const file of filesUnder('dist')) {
    const m = /^dist\/(.+?)(\.d\.ts\.map|\.d\.ts|\.js\.map|\.js)$/.exec(file);
    if (!m || m[1].startsWith('browser/')) continue;
    if (!existsSync(at(`${m[1]}.ts`))) {
      rmSync(at(file));
      removed++;
    }
  }
  return removed;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => a !== '--bench' && a !== '--force');
  if (unknown.length > 0) {
    console.error(`usage: node scripts/build.mjs [--bench] [--force]; unknown: ${unknown.join(' ')}`);
    process.exit(2);
  }
  try {
    await build({ bench: args.includes('--bench'), force: args.includes('--force') });
  } catch (e) {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  }
}
