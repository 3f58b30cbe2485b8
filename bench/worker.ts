// Times one workload for one contender, in a process of its own (so no other contender's
// allocations or detached buffers can slow this one), and prints the result as one JSON line.
import { readFileSync } from 'node:fs';
import { Bench } from 'tinybench';
import { useCoreBytes } from '../src/wasm/module.js';
import { WORKLOADS } from './workloads.js';

export interface Measurement {
  workload: string;
  contender: string;
  engine: string;
  /** Milliseconds per call: median, median absolute deviation, fastest, slowest. */
  median: number;
  mad: number;
  min: number;
  max: number;
  samples: number;
  work: number;
  unit: string;
  flops?: number;
  check: number;
}

const [workloadId, contender] = process.argv.slice(2);
const workload = WORKLOADS.find((w) => w.id === workloadId);
if (!workload || !['wasm', 'wasm-scalar', 'js'].includes(contender)) {
  throw new Error(`usage: worker.js <${WORKLOADS.map((w) => w.id).join('|')}> <wasm|wasm-scalar|js>`);
}
if (contender === 'wasm-scalar') {
  useCoreBytes(new Uint8Array(readFileSync(new URL('../../build/scalar.wasm', import.meta.url))));
}
const prepared = await workload.prepare(contender === 'js' ? 'js' : 'wasm');
prepared.run(); // the first call, from the seed, also gives the check value every contender should agree on
const check = prepared.check();

// At least 5 timed calls and 3 seconds; 3 warm-up calls so V8 has optimised the code being timed.
const bench = new Bench({ time: 3000, iterations: 5, warmupTime: 0, warmupIterations: 3 });
bench.add(`${workloadId}/${contender}`, prepared.run);
await bench.run();
const result = bench.tasks[0].result;
if (!('latency' in result)) throw new Error(`benchmark failed: ${JSON.stringify(result)}`);
const measurement: Measurement = {
  workload: workloadId, contender, engine: contender === 'js' ? 'js' : 'wasm',
  median: result.latency.p50, mad: result.latency.mad, min: result.latency.min, max: result.latency.max,
  samples: result.latency.samplesCount, work: prepared.work, unit: prepared.unit, flops: prepared.flops, check,
};
console.log(JSON.stringify(measurement));
