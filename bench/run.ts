// `npm run bench`: every workload × contender, each in its own process, one after another; prints
// a table of medians with ratios to the pure-TS engine measured in the same run, and writes
// bench/results/latest.json and latest.md.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Measurement } from './worker.js';
import { WORKLOADS } from './workloads.js';

const CONTENDERS = ['wasm', 'wasm-scalar', 'js'];
const worker = fileURLToPath(new URL('./worker.js', import.meta.url));
const only = process.argv.slice(2);

const measurements: Measurement[] = [];
for (const workload of WORKLOADS.filter((w) => only.length === 0 || only.includes(w.id))) {
  console.log(`\n${workload.title}`);
  for (const contender of CONTENDERS) {
    const line = execFileSync(process.execPath, [worker, workload.id, contender], { encoding: 'utf8' }).trim().split('\n').pop()!;
    const m = JSON.parse(line) as Measurement;
    measurements.push(m);
    console.log(`  ${contender.padEnd(12)} ${format(m)}`);
  }
  const js = measurements.find((m) => m.workload === workload.id && m.contender === 'js')!;
  for (const m of measurements.filter((x) => x.workload === workload.id && x.contender !== 'js')) {
    console.log(`  ${m.contender} / js = ${(js.median / m.median).toFixed(1)}×`);
  }
}

function rate(m: Measurement): number {
  return m.work / (m.median / 1000);
}

function format(m: Measurement): string {
  const gflops = m.flops ? `  ${(m.flops / (m.median / 1000) / 1e9).toFixed(2)} GFLOP/s` : '';
  const spread = `±${((m.mad / m.median) * 100).toFixed(1)}%`;
  return `${rate(m).toExponential(3)} ${m.unit}/s${gflops}  (median ${m.median.toFixed(2)} ms ${spread}, n=${m.samples}, check ${m.check.toPrecision(6)})`;
}

const machine = { date: new Date().toISOString(), node: process.version, cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length };
const rows = measurements.map((m) => {
  const js = measurements.find((x) => x.workload === m.workload && x.contender === 'js')!;
  return { ...m, rate: rate(m), gflops: m.flops ? m.flops / (m.median / 1000) / 1e9 : undefined, vsJs: js.median / m.median };
});
const results = new URL('./results/', new URL('../../bench/', import.meta.url));
mkdirSync(results, { recursive: true });
writeFileSync(new URL('latest.json', results), JSON.stringify({ machine, contenders: CONTENDERS, results: rows }, null, 2) + '\n');
const md = [
  `Measured ${machine.date.slice(0, 10)} on ${machine.cpu} (${machine.cores} cores), Node ${machine.node}; one process per contender, medians.`,
  '',
  '| workload | contender | throughput | GFLOP/s | median per call | spread (MAD) | × pure TS |',
  '| --- | --- | --- | --- | --- | --- | --- |',
  ...rows.map((r) => `| ${r.workload} | ${r.contender} | ${r.rate.toExponential(3)} ${r.unit}/s | ${r.gflops?.toFixed(2) ?? '—'} | ${r.median.toFixed(2)} ms | ±${((r.mad / r.median) * 100).toFixed(1)}% | ${r.vsJs.toFixed(1)}× |`),
  '',
].join('\n');
writeFileSync(new URL('latest.md', results), md);

// The README shows the latest full run between its bench markers.
if (only.length === 0) {
  const readme = new URL('../../README.md', import.meta.url);
  const text = readFileSync(readme, 'utf8');
  const updated = text.replace(/(<!-- bench:start -->\n)[\s\S]*?(<!-- bench:end -->)/, `$1${md}$2`);
  writeFileSync(readme, updated);
}
console.log(`\nwrote bench/results/latest.json and latest.md${only.length === 0 ? ', and the table in README.md' : ''}`);
