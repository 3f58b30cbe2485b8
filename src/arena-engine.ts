// What both engines share: planning the arena, and moving rows, parameters and generator state
// in and out of it. Subclasses supply the memory and the arithmetic (the model functions).
import { H_RNG } from './abi.js';
import type { Engine, EngineName, NetworkShape } from './engine.js';
import { planArena, writeHeader, type ArenaPlan } from './plan.js';

/** Rows a prediction or evaluation pass takes at a time, when the batch size is smaller. */
export const PASS_ROWS = 256;

/** Typed views of the memory holding an arena, and the arena's byte offset within it. */
export interface ArenaViews {
  f: Float32Array;
  u: Uint32Array;
  base: number;
}

export abstract class ArenaEngine implements Engine {
  abstract readonly name: EngineName;
  plan!: ArenaPlan;
  protected views!: ArenaViews;
  private loadedRows = 0;

  protected constructor(readonly shape: NetworkShape) {}

  /** Plans and allocates the first arena; subclasses call it once their own fields are set. */
  protected start(): void {
    this.plan = planArena({ ...this.shape, passRows: PASS_ROWS, dataRows: 0 });
    this.views = this.allocate(this.plan);
    writeHeader(this.views.u, this.plan, this.views.base);
    this.attach();
  }

  /** Memory for a new arena of `plan.bytes`, zeroed. The previous arena stays readable until this returns. */
  protected abstract allocate(plan: ArenaPlan): ArenaViews;
  /** Called once the new arena's header is written. */
  protected attach(): void {}
  protected abstract runInit(seed: number): void;
  protected abstract runForward(rows: number): void;
  protected abstract runBatchLoss(rows: number): number;
  protected abstract runBackward(rows: number): void;
  protected abstract runStep(rows: number, learningRate: number): number;
  protected abstract runEpochs(
    epochs: number, rows: number, batchSize: number, shuffle: boolean, learningRate: number, losses: Float64Array, lossOffset: number,
  ): number;
  protected abstract runResetIndex(rows: number): void;
  abstract dispose(): void;

  /** Word index of a region's byte offset. */
  protected word(offset: number): number {
    return (this.views.base + offset) >>> 2;
  }

  reserve(passRows: number, dataRows: number): void {
    if (passRows <= this.plan.passRows && dataRows <= this.plan.dataRows) return;
    const old = { plan: this.plan, views: this.views };
    this.plan = planArena({
      ...this.shape, passRows: Math.max(passRows, this.plan.passRows), dataRows: Math.max(dataRows, this.plan.dataRows),
    });
    this.views = this.allocate(this.plan);
    writeHeader(this.views.u, this.plan, this.views.base);
    this.attach();
    // Everything that outlives a pass moves over: parameters, generator, and the loaded training set.
    const move = (from: number, to: number, words: number, typed: 'f' | 'u'): void => {
      const source = old.views[typed], start = (old.views.base + from) >>> 2;
      this.views[typed].set(source.subarray(start, start + words), this.word(to));
    };
    const rows = this.loadedRows;
    move(old.plan.params, this.plan.params, this.plan.paramCount, 'f');
    move(old.plan.dataX, this.plan.dataX, rows * this.inputs, 'f');
    move(old.plan.dataY, this.plan.dataY, rows * this.outputs, 'f');
    move(old.plan.index, this.plan.index, rows, 'u');
    this.setRngState(old.views.u.slice((old.views.base >>> 2) + H_RNG, (old.views.base >>> 2) + H_RNG + 4));
  }

  initParams(seed: number): void {
    this.runInit(seed >>> 0);
  }

  getParams(): Float32Array {
    const at = this.word(this.plan.params);
    return this.views.f.slice(at, at + this.plan.paramCount);
  }

  setParams(values: Float32Array): void {
    this.views.f.set(values, this.word(this.plan.params));
  }

  getGrads(): Float32Array {
    const at = this.word(this.plan.grads);
    return this.views.f.slice(at, at + this.plan.paramCount);
  }

  getRngState(): Uint32Array {
    const at = (this.views.base >>> 2) + H_RNG;
    return this.views.u.slice(at, at + 4);
  }

  setRngState(state: Uint32Array): void {
    this.views.u.set(state, (this.views.base >>> 2) + H_RNG);
  }

  loadData(x: Float32Array, y: Float32Array, rows: number): void {
    this.reserve(this.plan.passRows, rows);
    this.views.f.set(x.subarray(0, rows * this.inputs), this.word(this.plan.dataX));
    this.views.f.set(y.subarray(0, rows * this.outputs), this.word(this.plan.dataY));
    this.runResetIndex(rows);
    this.loadedRows = rows;
  }

  trainEpochs(
    epochs: number, batchSize: number, shuffle: boolean, learningRate: number, losses: Float64Array, lossOffset: number,
  ): number {
    this.reserve(batchSize, this.loadedRows);
    return this.runEpochs(epochs, this.loadedRows, batchSize, shuffle, learningRate, losses, lossOffset);
  }

  trainBatch(x: Float32Array, y: Float32Array, rows: number, learningRate: number): number {
    this.putBatch(x, y, 0, rows);
    return this.runStep(rows, learningRate);
  }

  computeGradients(x: Float32Array, y: Float32Array, rows: number): number {
    this.putBatch(x, y, 0, rows);
    this.runForward(rows);
    const loss = this.runBatchLoss(rows);
    this.runBackward(rows);
    return loss;
  }

  evaluateLoss(x: Float32Array, y: Float32Array, rows: number): number {
    let loss = 0;
    for (let start = 0; start < rows; start += this.plan.passRows) {
      const n = Math.min(this.plan.passRows, rows - start);
      this.putBatch(x, y, start, n);
      this.runForward(n);
      loss += this.runBatchLoss(n);
    }
    return loss;
  }

  predict(x: Float32Array, rows: number, out: Float32Array): void {
    const C = this.inputs, OC = this.outputs;
    const input = this.word(this.plan.layers[0].input);
    const output = this.word(this.plan.layers[this.plan.layers.length - 1].output);
    for (let start = 0; start < rows; start += this.plan.passRows) {
      const n = Math.min(this.plan.passRows, rows - start);
      this.views.f.set(x.subarray(start * C, (start + n) * C), input);
      this.runForward(n);
      out.set(this.views.f.subarray(output, output + n * OC), start * OC);
    }
  }

  private get inputs(): number {
    return this.shape.widths[0];
  }

  private get outputs(): number {
    return this.shape.widths[this.shape.widths.length - 1];
  }

  /** Copies rows [start, start + n) of x and y into the batch input and targets, growing the pass if needed. */
  private putBatch(x: Float32Array, y: Float32Array, start: number, n: number): void {
    this.reserve(n, this.plan.dataRows);
    const C = this.inputs, OC = this.outputs;
    this.views.f.set(x.subarray(start * C, (start + n) * C), this.word(this.plan.layers[0].input));
    this.views.f.set(y.subarray(start * OC, (start + n) * OC), this.word(this.plan.targets));
  }
}
