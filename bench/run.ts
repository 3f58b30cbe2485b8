// `npm run bench` (our engines) and `npm run bench:peers` (and the peer libraries): every workload ×
// contender, each in its own process, one after another, then the kernel benchmark. Prints a table
// per workload with medians, spread, GFLOP/s as a share of the ceiling measured in the same process,
// ratios to the pure-TS engine measured in this run and a check that everyone computed the same
// thing; writes bench/results/latest.json, latest.md and w3.svg, and, for a full run, the table in
// README.md.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { barChart } from './chart.js';
import { readInputs, writeInputs } from './inputs.js';
import type { KernelRow } from './kernels.js';
import type { Measurement } from './measure.js';
import { WORKLOADS, type Workload } from './workloads.js';

const OURS = ['wasm', 'wasm-x2', 'wasm-fma', 'wasm-x2-fma', 'wasm-scalar', 'js'];

/** Node flags a contender's process needs: Node 20 keeps relaxed SIMD (the FMA build) behind one. */
const RELAXED_SIMD = ['--experimental-wasm-relaxed-simd'];
const FLAGS: Record<string, string[]> = { 'wasm-fma': RELAXED_SIMD, 'wasm-x2-fma': RELAXED_SIMD };
const args = process.argv.slice(2);
const withPeers = args.includes('--peers');
const only = args.filter((a) => !a.startsWith('--'));
const full = only.length === 0;
const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

function runWorker(script: string, flags: string[], ...argv: string[]): string {
  // stderr is kept from the terminal (tfjs prints a banner there) but shown if the worker fails.
  return execFileSync(process.execPath, [...flags, script, ...argv], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
    .trim()
    .split('\n')
    .pop()!;
}

interface Row extends Measurement {
  rate: number;
  gflops?: number;
  share?: number;
  vsJs: number;
  /** wasm-x2 and wasm-fma: their speed over the one-thread portable wasm contender's in this run. */
  vsWasm?: number;
  check: number;
  checkKind: 'loss' | 'accuracy';
}

/** The check value from a contender's predictions: mean per-sample loss on the check rows, or test accuracy. */
function checkValue(workload: Workload, predictions: number[]): number {
  const inputs = readInputs(workload.id);
  const OC = workload.layers[workload.layers.length - 1];
  if (workload.check === 'accuracy') {
    const labels = inputs.rows.testLabels!;
    let right = 0;
    labels.forEach((label, r) => {
      const row = predictions.slice(r * OC, (r + 1) * OC);
      if (row.indexOf(Math.max(...row)) === label) right++;
    });
    return right / labels.length;
  }
  let sum = 0;
  for (let i = 0; i < inputs.checkRows * OC; i++) {
    const p = predictions[i],
      t = inputs.rows.y[i];
    sum += workload.loss === 'mse' ? 0.5 * (p - t) ** 2 : t === 0 ? 0 : -t * Math.log(Math.max(p, 1e-30));
  }
  return sum / inputs.checkRows;
}

const rows: Row[] = [];
for (const workload of WORKLOADS.filter((w) => full || only.includes(w.id))) {
  console.log(`\n${workload.title}`);
  await writeInputs(workload);
  const contenders = [...OURS, ...(withPeers ? workload.peers : [])];
  const measured: Measurement[] = [];
  for (const contender of contenders) {
    const script = OURS.includes(contender) ? here('./worker.js') : here('../../bench/peers/worker.mjs');
    measured.push(JSON.parse(runWorker(script, FLAGS[contender] ?? [], workload.id, contender)) as Measurement);
  }
  const js = measured.find((m) => m.contender === 'js')!;
  const wasm = measured.find((m) => m.contender === 'wasm')!;
  for (const m of measured) {
    const gflops = m.flops / (m.median / 1000) / 1e9;
    const row: Row = {
      ...m,
      rate: m.work / (m.median / 1000),
      gflops: workload.unit === 'epochs' ? undefined : gflops,
      share: workload.unit === 'epochs' ? undefined : m.actualFlops / (m.median / 1000) / 1e9 / m.ceiling,
      vsJs: js.median / js.work / (m.median / m.work),
      vsWasm:
        m.contender.startsWith('wasm-') && m.contender !== 'wasm-scalar'
          ? wasm.median / wasm.work / (m.median / m.work)
          : undefined,
      check: checkValue(workload, m.predictions),
      checkKind: workload.check,
    };
    rows.push(row);
    console.log(`  ${m.contender.padEnd(11)} ${describe(row)}`);
  }
}

function describe(r: Row): string {
  const gflops =
    r.gflops === undefined
      ? ''
      : `  ${r.gflops.toFixed(2)} GFLOP/s (${(r.share! * 100).toFixed(0)}% of ${r.ceiling.toFixed(1)})`;
  return (
    `${r.rate.toExponential(3)} ${r.unit}/s${gflops}  ×${r.vsJs.toFixed(1)} js  ` +
    (r.vsWasm === undefined ? '' : `×${r.vsWasm.toFixed(2)} wasm  `) +
    `cpu ${r.cores.toFixed(2)} cores, others ${r.others.toFixed(2)}  ` +
    `(median ${r.median.toFixed(2)} ms ±${((r.mad / r.median) * 100).toFixed(1)}%, n=${r.samples}; ${r.checkKind} ${r.check.toPrecision(5)})` +
    (r.notes ? `  [${r.notes}]` : '')
  );
}

let kernels: { ceiling: number; rows: KernelRow[] } | undefined;
if (full || only.includes('kernels')) {
  console.log('\nkernels: the three products of backprop and sigmoid; GFLOP/s (sigmoid: elements/s)');
  kernels = JSON.parse(runWorker(here('./kernels.js'), RELAXED_SIMD)) as { ceiling: number; rows: KernelRow[] };
  for (const k of kernels.rows) {
    const rate =
      k.kernel === 'sigmoid'
        ? `${k.rate.toExponential(3)} elements/s`
        : `${k.rate.toFixed(2)} GFLOP/s (${((k.rate / kernels.ceiling) * 100).toFixed(0)}% of ceiling)`;
    console.log(`  ${k.kernel.padEnd(24)} ${k.shape.padEnd(16)} ${k.impl.padEnd(10)} ${rate}`);
  }
}

// ---- results files ----
const machine = {
  date: new Date().toISOString(),
  node: process.version,
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  wasmBuild: 'release (SIMD, -O3)',
};
const results = here('../../bench/results/');
mkdirSync(results, { recursive: true });
// A partial run (named workloads) writes partial.*, leaving the last full run's latest.* alone.
const name = full ? 'latest' : 'partial';
writeFileSync(
  `${results}${name}.json`,
  JSON.stringify({ machine, results: rows.map(({ predictions, ...r }) => r), kernels }, null, 2) + '\n',
);

const ceilings = rows.map((r) => r.ceiling);
const md = [
  `Measured ${machine.date.slice(0, 10)} on ${machine.cpu} (${machine.cores} cores), Node ${machine.node}, wasm build ${machine.wasmBuild}; ` +
    `one process per contender, one thread each (wasm-x2: a team of two; wasm-fma: the FMA build, Node run with --experimental-wasm-relaxed-simd; wasm-x2-fma: both); medians. Measured WebAssembly SIMD ceiling: ${Math.min(...ceilings).toFixed(1)}–${Math.max(...ceilings).toFixed(1)} GFLOP/s.`,
  '',
  "CPU is the contender's CPU time over wall-clock time (cores it kept busy); others is the cores other processes kept busy meanwhile (/proc/stat): a thread figure taken while others > 0 understates the team.",
  '',
  'GFLOP/s follow the 6 × parameters convention; the share of the ceiling counts the arithmetic actually done (bench/README.md).',
  '',
  '| workload | contender | throughput | GFLOP/s (share of ceiling) | median per call (MAD) | × pure TS | × wasm | CPU | others | check |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ...rows.map(
    (r) =>
      `| ${r.workload} | ${r.contender} | ${r.rate.toExponential(3)} ${r.unit}/s | ` +
      `${r.gflops === undefined ? '—' : `${r.gflops.toFixed(2)} (${(r.share! * 100).toFixed(0)}%)`} | ${r.median.toFixed(2)} ms (±${((r.mad / r.median) * 100).toFixed(1)}%) | ` +
      `${r.vsJs.toFixed(1)}× | ${r.vsWasm === undefined ? '' : `${r.vsWasm.toFixed(2)}×`} | ${r.cores.toFixed(2)} | ${r.others.toFixed(2)} | ${r.checkKind} ${r.check.toPrecision(5)} |`,
  ),
  '',
  ...(kernels
    ? [
        `Kernels (ceiling ${kernels.ceiling.toFixed(1)} GFLOP/s in that process):`,
        '',
        '| kernel | shape (B×C×OC) | wasm | wasm fma | wasm naive | pure TS |',
        '| --- | --- | --- | --- | --- | --- |',
        ...[...new Set(kernels.rows.map((k) => `${k.kernel}|${k.shape}`))].map((key) => {
          const [kernel, shape] = key.split('|');
          const cell = (impl: string): string => {
            const k = kernels!.rows.find((r) => r.kernel === kernel && r.shape === shape && r.impl === impl);
            if (!k) return '—';
            return kernel === 'sigmoid'
              ? `${k.rate.toExponential(2)}/s`
              : `${k.rate.toFixed(1)} GFLOP/s (${((k.rate / kernels!.ceiling) * 100).toFixed(0)}%)`;
          };
          return `| ${kernel} | ${shape} | ${cell('wasm')} | ${cell('wasm-fma')} | ${cell('wasm-naive')} | ${cell('js')} |`;
        }),
        '',
      ]
    : []),
].join('\n');
writeFileSync(`${results}${name}.md`, md);

const w3 = rows.filter((r) => r.workload === 'mnist-like');
if (full && w3.length > 0) {
  writeFileSync(
    `${results}w3.svg`,
    barChart(
      `W3 784-128-64-10, batch 64: training samples/s (${machine.date.slice(0, 10)}, ${machine.cpu}, one thread)`,
      'samples/s',
      [...w3]
        .sort((a, b) => b.rate - a.rate)
        .map((r) => ({
          label: r.contender,
          value: r.rate,
          text: `${r.rate.toExponential(2)}  (${r.vsJs.toFixed(1)}× js)`,
        })),
    ),
  );
}
if (full) {
  const readme = here('../../README.md');
  writeFileSync(
    readme,
    readFileSync(readme, 'utf8').replace(/(<!-- bench:start -->\n)[\s\S]*?(<!-- bench:end -->)/, `$1${md}$2`),
  );
}
console.log(
  full
    ? '\nwrote bench/results/latest.json, latest.md, w3.svg and the table in README.md'
    : '\nwrote bench/results/partial.json and partial.md',
);
