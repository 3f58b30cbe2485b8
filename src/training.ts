// One fit in progress: the loop that fit runs all at once, fitAsync runs in slices between yields
// to the event loop, and the worker thread runs for fitAsync({ worker: true }).
import type { Packed } from './data.js';
import type { Engine, TrainingState } from './engine.js';
import { DivergenceError } from './errors.js';
import { allocate } from './plan.js';
import type { EpochLogs, ResolvedFitOptions } from './options.js';

export interface FitHistory {
  /** Epochs run (fewer than asked when training stopped early). */
  epochs: number;
  /** Mean per-sample loss of each epoch, accumulated from the forward passes the epoch made. */
  loss: number[];
  /** Mean per-sample loss on the validation rows after each epoch. */
  valLoss?: number[];
  /** Share of training rows classified right during each epoch (softmax or sigmoid outputs). */
  accuracy?: number[];
  valAccuracy?: number[];
  /** Why training ended before `epochs`, if it did. */
  stoppedBy?: 'earlyStopping' | 'tolerance' | 'onEpochEnd';
  /** With earlyStopping: the epoch whose weights were best (and restored, if asked). */
  bestEpoch?: number;
}

/** The most epochs one engine call runs: bounds the work between checks and the history's growth per step. */
const MAX_RUN = 65536;

export class Training {
  private done = 0;
  private stoppedBy?: FitHistory['stoppedBy'];
  /** Per-epoch loss sums and right answers, grown as epochs complete (never sized by `epochs` up front). */
  private sums: Float64Array = new Float64Array(0);
  private correct: Float64Array = new Float64Array(0);
  private readonly valLoss: number[] = [];
  private readonly valAccuracy: number[] = [];
  private readonly batchSize: number;
  private best = { value: Infinity, epoch: 0, params: undefined as Float32Array | undefined, wait: 0 };

  constructor(
    private readonly core: Engine,
    private readonly x: Packed,
    private readonly t: Packed,
    private readonly fit: ResolvedFitOptions,
    private readonly validation?: { x: Packed; t: Packed },
    private readonly classify = false,
  ) {
    this.batchSize = Math.min(fit.batchSize, x.rows);
    core.reserve(this.batchSize, x.rows);
    core.loadData(x.data, t.data, x.rows);
  }

  get finished(): boolean {
    return this.done >= this.fit.epochs || this.stoppedBy !== undefined;
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
   * something must be reported or decided (a log line, onEpochEnd, validation, a stopping rule).
   * Throws DivergenceError if an epoch's loss, parameters or optimiser state stop being finite; see
   * `diverged` for the state it leaves.
   */
  step(maxEpochs = Infinity): number {
    const start = this.done;
    const end = this.runEnd(start, maxEpochs);
    this.run(start, end);
    this.done = end;
    this.decide(end, this.report(end));
    return end - start;
  }

  /** Where a run from `start` ends: after one epoch when every epoch reports, else at the next log line or the last epoch. */
  private runEnd(start: number, maxEpochs: number): number {
    const { fit } = this;
    const everyEpoch = fit.onEpochEnd || this.validation || fit.earlyStopping || fit.tolerance > 0;
    let end = start + 1;
    const most = Math.min(maxEpochs, MAX_RUN);
    if (!everyEpoch) while (end < fit.epochs && end - start < most && !this.logs(end)) end++;
    return end;
  }

  /** Epochs start+1 … end in one engine call, from a saved state that a divergence goes back to. */
  private run(start: number, end: number): void {
    const { core } = this;
    this.makeRoom(end);
    const before = core.saveState();
    const ran = core.trainEpochs(end - start, this.batchSize, this.fit.shuffle, this.sums, this.correct, start);
    if (ran < end - start || !Number.isFinite(this.sums[end - 1]) || !core.stateFinite())
      this.diverged(start, end, before);
  }

  /** What epoch `epoch` reports (loss, accuracy, validation), and its log line when one is due. */
  private report(epoch: number): EpochLogs {
    const { core, fit } = this;
    const logs: EpochLogs = { loss: this.lastLoss };
    if (this.classify) logs.accuracy = this.correct[epoch - 1] / this.x.rows;
    if (this.validation) {
      const { x, t } = this.validation;
      const result = core.evaluate(x.data, t.data, x.rows);
      logs.valLoss = result.loss / x.rows;
      this.valLoss.push(logs.valLoss);
      if (this.classify) this.valAccuracy.push((logs.valAccuracy = result.correct / x.rows));
    }
    if (this.logs(epoch)) {
      // The seed's log line: calculate_loss over the whole training set with the weights after the epoch.
      const loss = core.evaluate(this.x.data, this.t.data, this.x.rows).loss;
      fit.log(
        `[INFO] epoch=${epoch}, loss=${loss.toFixed(7)}${logs.valLoss === undefined ? '' : `, valLoss=${logs.valLoss.toFixed(7)}`}`,
      );
    }
    return logs;
  }

  /**
   * After a run of epochs from `start` went non-finite somewhere: goes back to `before` (the state
   * after epoch `start`) and replays one epoch at a time to the first that breaks, then stops with
   * the state after the last epoch whose loss, parameters and optimiser state were all finite. The
   * replay is bit for bit the first run, so fit, fitAsync and worker mode, which cut runs
   * differently, stop in exactly the same state.
   */
  private diverged(start: number, end: number, before: TrainingState): never {
    const { fit, core } = this;
    core.restoreState(before);
    for (let epoch = start; epoch < end; epoch++) {
      const last = core.saveState();
      const ran = core.trainEpochs(1, this.batchSize, fit.shuffle, this.sums, this.correct, epoch);
      if (ran === 1 && Number.isFinite(this.sums[epoch]) && core.stateFinite()) continue;
      core.restoreState(last);
      this.done = epoch;
      const loss = this.sums[epoch] / this.x.rows;
      throw new DivergenceError(
        epoch + 1,
        `training diverged at epoch ${epoch + 1}: ${Number.isFinite(loss) ? 'the parameters or optimiser state' : `the loss is ${loss}, and the parameters`} ` +
          `stopped being finite. The weights, optimiser state and generator are those after epoch ${epoch} of this fit, the last ` +
          `finite one (net.epoch counts it). Try a smaller learningRate (now ${core.learningRate}), clipNorm, or scaled inputs.`,
      );
    }
    // The engines are deterministic, so the replay must break where the run did; if not, say so rather than go on.
    core.restoreState(before);
    throw new Error(`internal error: replaying epochs ${start + 1}–${end} did not reproduce their divergence`);
  }

  /** Grows the per-epoch records to hold `epochs` epochs. */
  private makeRoom(epochs: number): void {
    if (epochs <= this.sums.length) return;
    const size = Math.min(this.fit.epochs, Math.max(epochs, 2 * this.sums.length, 64));
    const grow = (a: Float64Array): Float64Array => {
      const b = allocate(
        8 * size,
        `the history of ${size} epochs`,
        () => new Float64Array(size),
        'train fewer epochs per fit',
      );
      b.set(a);
      return b;
    };
    this.sums = grow(this.sums);
    this.correct = grow(this.correct);
  }

  /** Applies the stopping rules after epoch `epoch`. */
  private decide(epoch: number, logs: EpochLogs): void {
    const { fit, core } = this;
    if (fit.onEpochEnd?.(epoch, logs.loss, logs) === false) this.stoppedBy = 'onEpochEnd';
    if (fit.tolerance > 0 && epoch >= 2 && this.sums[epoch - 2] / this.x.rows - logs.loss < fit.tolerance)
      this.stoppedBy ??= 'tolerance';
    const rule = fit.earlyStopping;
    if (rule) {
      const value = rule.monitor === 'valLoss' ? logs.valLoss! : logs.loss;
      if (value < this.best.value - rule.minDelta) {
        this.best = { value, epoch, wait: 0, params: rule.restoreBestWeights ? core.getParams() : undefined };
      } else if (++this.best.wait > rule.patience) {
        this.stoppedBy ??= 'earlyStopping';
      }
      if (rule.restoreBestWeights && this.best.params && this.finished) core.setParams(this.best.params);
    }
  }

  /** The history of the epochs run so far. */
  history(): FitHistory {
    const mean = (a: Float64Array): number[] => Array.from(a.subarray(0, this.done), (v) => v / this.x.rows);
    const h: FitHistory = { epochs: this.done, loss: mean(this.sums) };
    if (this.validation) h.valLoss = [...this.valLoss];
    if (this.classify) h.accuracy = mean(this.correct);
    if (this.validation && this.classify) h.valAccuracy = [...this.valAccuracy];
    if (this.stoppedBy) h.stoppedBy = this.stoppedBy;
    if (this.fit.earlyStopping) h.bestEpoch = this.best.epoch;
    return h;
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
 * After each yield `stop` may throw (an aborted signal, a disposed network), keeping the epochs completed.
 */
export async function runSliced(
  run: Training,
  epochs: number,
  stop: () => void,
  onProgress?: (progress: FitProgress) => void,
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
    stop();
  }
}
