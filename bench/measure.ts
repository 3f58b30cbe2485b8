// What every worker (ours and the peers') does the same way: time calls with tinybench, measure
// the ceiling, and print one JSON line for the orchestrator.
import { cpus } from 'node:os';
import { Bench } from 'tinybench';
import { measureCeiling } from './ceiling.js';
import { actualFlopsPerCall, epochsPerCall, flopsPerCall } from './workloads.js';
import type { Inputs } from './inputs.js';

export interface Measurement {
  workload: string;
  contender: string;
  /** Milliseconds per call: median, median absolute deviation, fastest, slowest, number of calls timed. */
  median: number;
  mad: number;
  min: number;
  max: number;
  samples: number;
  /** Units of throughput one call does (epochs, samples or rows). */
  work: number;
  unit: string;
  /** FLOPs per call under the stated convention, and the arithmetic actually done. */
  flops: number;
  actualFlops: number;
  /** This process's measured WebAssembly SIMD ceiling, GFLOP/s, taken just before timing. */
  ceiling: number;
  /** Predictions on the check rows after `checkEpochs` epochs from the shared weights, row-major. */
  predictions: number[];
  /** What the contender had to be told to compute the same thing. */
  notes?: string;
  /** Cores this process kept busy while timed (its CPU time over wall-clock time), and cores other processes kept busy meanwhile. */
  cores: number;
  others: number;
}

/**
 * Times `call` (at least 5 calls and 3 s, after 3 warm-up calls so V8 has optimised the code)
 * and prints the measurement as the last line of output.
 */
export async function timeAndReport(
  inputs: Inputs,
  contender: string,
  call: () => unknown,
  predictions: ArrayLike<number>,
  notes?: string,
): Promise<void> {
  const { workload } = inputs;
  const epochs = epochsPerCall(workload as never, contender);
  const ceiling = measureCeiling();
  const bench = new Bench({ time: 3000, iterations: 5, warmupTime: 0, warmupIterations: 3 });
  bench.add(`${workload.id}/${contender}`, call);
  const load = loadMeter();
  await bench.run();
  const { cores, others } = load();
  const result = bench.tasks[0].result;
  if (!('latency' in result))
    throw new Error(`benchmark failed: ${String((result as { error?: unknown }).error)}`, {
      cause: (result as { error?: unknown }).error,
    });
  const rows = inputs.rows.rows;
  const measurement: Measurement = {
    workload: workload.id,
    contender,
    median: result.latency.p50,
    mad: result.latency.mad,
    min: result.latency.min,
    max: result.latency.max,
    samples: result.latency.samplesCount,
    work: workload.unit === 'epochs' ? epochs : rows * epochs,
    unit: workload.unit,
    flops: flopsPerCall(workload as never, rows, epochs),
    actualFlops: actualFlopsPerCall(workload as never, rows, epochs),
    ceiling,
    predictions: Array.from(predictions),
    notes,
    cores,
    others,
  };
  console.log(JSON.stringify(measurement));
}

/** The machine's busy time of all cores in ms (Linux: /proc/stat through os.cpus). */
const machineBusy = (): number => cpus().reduce((sum, { times: t }) => sum + t.user + t.nice + t.sys + t.irq, 0);

/**
 * Starts measuring; the function returned says how many cores this process kept busy (its CPU time
 * over the wall-clock time) and how many other processes did meanwhile (the machine's busy time
 * less this process's), so that a busy machine shows in the results instead of hiding in them.
 */
function loadMeter(): () => { cores: number; others: number } {
  const wall = performance.now(),
    own = process.cpuUsage(),
    machine = machineBusy();
  return () => {
    const elapsed = performance.now() - wall;
    const { user, system } = process.cpuUsage(own);
    const mine = (user + system) / 1000;
    return { cores: mine / elapsed, others: Math.max(0, machineBusy() - machine - mine) / elapsed };
  };
}
