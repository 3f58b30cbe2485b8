// What every worker (ours and the peers') does the same way: time calls with tinybench, measure
// the ceiling, and print one JSON line for the orchestrator.
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
  await bench.run();
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
  };
  console.log(JSON.stringify(measurement));
}
