// One fit in progress: the loop that fit runs all at once, fitAsync runs in slices between yields
// to the event loop, and the worker thread runs for fitAsync({ worker: true }).
import type { Packed } from './data.js';
import type { Engine } from './engine.js';
import { DivergenceError } from './errors.js';
import type { ResolvedFitOptions } from './options.js';

export interface FitHistory {
  epochs: number;
  /** Mean per-sample loss of each epoch, accumulated from the forward passes the epoch made. */
  loss: number[];
}

export class Training {
  private done = 0;
  private readonly sums: Float64Array;
  private readonly batchSize: number;

  constructor(
    private readonly core: Engine, private readonly x: Packed, private readonly t: Packed,
    private readonly fit: ResolvedFitOptions, private readonly learningRate: number,
  ) {
    this.batchSize = Math.min(fit.batchSize, x.rows);
    this.sums = new Float64Array(fit.epochs);
    core.reserve(this.batchSize, x.rows);
    core.loadData(x.data, t.data, x.rows);
  }

  get finished(): boolean {
    return this.done >= this.fit.epochs;
  }

  get epochsDone(): number {
    return this.done;
  }

  /** Mean per-sample loss of the last epoch run. */
  get lastLoss(): number {
    return this.sums[this.done - 1] / this.x.rows;
  }

  /**
   * Runs up to `maxEpochs` more epochs in one engine call, stopping early at the next epoch where
   * something must be reported (a log line, onEpochEnd). Throws DivergenceError, with weights and
   * generator restored to where this call began, if the loss stops being finite.
   */
  step(maxEpochs = Infinity): number {
    const { fit, core } = this;
    const start = this.done;
    let end = start + 1;
    if (!fit.onEpochEnd) while (end < fit.epochs && end - start < maxEpochs && !this.logs(end)) end++;
    const before = { params: core.getParams(), rng: core.getRngState() };
    const ran = core.trainEpochs(end - start, this.batchSize, fit.shuffle, this.learningRate, this.sums, start);
    if (ran < end - start || !Number.isFinite(this.sums[start + ran - 1])) {
      core.setParams(before.params);
      core.setRngState(before.rng);
      throw new DivergenceError(start + ran,
        `training diverged at epoch ${start + ran}: the loss is ${this.sums[start + ran - 1]}; the weights are restored to ` +
        `their values before epoch ${start + 1}. Try a smaller learningRate (now ${this.learningRate}).`);
    }
    this.done = end;
    if (this.logs(end)) fit.log(`[INFO] epoch=${end}, loss=${core.evaluateLoss(this.x.data, this.t.data, this.x.rows).toFixed(7)}`);
    fit.onEpochEnd?.(end, this.lastLoss);
    return end - start;
  }

  /** The history of the epochs run so far. */
  history(): FitHistory {
    const loss = new Array<number>(this.done);
    for (let e = 0; e < this.done; e++) loss[e] = this.sums[e] / this.x.rows;
    return { epochs: this.done, loss };
  }

  private logs(epoch: number): boolean {
    return this.fit.displayUpdate > 0 && (epoch === 1 || epoch % this.fit.displayUpdate === 0);
  }
}

/** Progress reported by fitAsync between slices. */
export interface FitProgress {
  epoch: number;
  epochs: number;
  /** Mean per-sample loss of the last epoch run. */
  loss: number;
}

/** How long one slice of training may hold the thread before yielding, in milliseconds. */
const SLICE_MS = 12;

/** Resolves on the next macrotask: lets the page paint and handle input. MessageChannel is not clamped like nested timers. */
export function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

/**
 * Runs `run` to the end in slices of about SLICE_MS, yielding to the event loop between them.
 * The slice size adapts to the measured speed; the arithmetic is exactly fit's, so the result is too.
 * Rejects with the signal's reason once it is aborted, keeping the epochs already completed.
 */
export async function runSliced(
  run: Training, epochs: number, signal?: AbortSignal, onProgress?: (progress: FitProgress) => void,
): Promise<void> {
  let slice = 1;
  while (!run.finished) {
    const started = performance.now();
    run.step(slice);
    const elapsed = performance.now() - started;
    if (elapsed < SLICE_MS / 2) slice *= 2;
    else if (elapsed > SLICE_MS * 2 && slice > 1) slice = Math.max(1, Math.floor(slice / 2));
    onProgress?.({ epoch: run.epochsDone, epochs, loss: run.lastLoss });
    await nextTask();
    signal?.throwIfAborted();
  }
}
