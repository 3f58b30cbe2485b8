// What both engines share: planning the arena, re-planning it as a transaction, and moving rows,
// parameters, generator and optimiser state and the update rule in and out of it. Subclasses
// supply the memory and the arithmetic.
import {
  H_BETA1, H_BETA1_POWER, H_BETA2, H_BETA2_POWER, H_CLASSIFY, H_CLIP, H_EPSILON, H_L2, H_MOMENTUM, H_OPTIMIZER, H_RNG, H_STEP,
} from './abi.js';
import type { Engine, EngineName, NetworkShape, OptimizerState, TrainingState, UpdateRule } from './engine.js';
import { MemoryError } from './errors.js';
import { allocate, checkedPlan, writeHeader, type ArenaPlan } from './plan.js';

/** Rows a prediction or evaluation pass takes at a time, when the batch size is smaller. */
export const PASS_ROWS = 256;

/** A training-set region below this many bytes is kept after a fit rather than released. */
export const KEEP_DATA_BYTES = 2 ** 20;

/** Typed views of the memory holding an arena, and the arena's byte offset within it. */
export interface ArenaViews {
  f: Float32Array;
  u: Uint32Array;
  base: number;
}

/** Header words that outlive a plan: the generator, the update rule and the optimiser's counters. */
const PERSISTENT_WORDS: readonly [first: number, count: number][] = [[H_RNG, 4], [H_OPTIMIZER, H_BETA2_POWER + 2 - H_OPTIMIZER]];

export abstract class ArenaEngine<A extends ArenaViews = ArenaViews> implements Engine {
  abstract readonly name: EngineName;
  plan!: ArenaPlan;
  protected views!: A;
  private loadedRows = 0;
  /** What trainBatchOrUndo saves before its step, kept between calls so that a step allocates nothing. */
  private undo = new Float32Array(0);

  protected constructor(readonly shape: NetworkShape) {}

  /** Plans and allocates the first arena; subclasses call it once their own fields are set. */
  protected start(): void {
    const plan = checkedPlan({ ...this.shape, passRows: PASS_ROWS, dataRows: 0 });
    const arena = this.allocate(plan);
    writeHeader(arena.u, plan, arena.base);
    this.prepare(arena);
    this.views = arena;
    this.plan = plan;
  }

  /**
   * New memory for an arena of `plan.bytes`, zeroed, without touching the arena in use: if this
   * throws, the engine is exactly as it was.
   */
  protected abstract open(plan: ArenaPlan): A;
  /** What to tell a caller whose allocation the host refused. */
  protected abstract readonly allocationAdvice: string;
  /** Called once the new arena's header is written, before it is switched to. */
  protected prepare(_arena: A): void {}
  protected abstract runInit(seed: number, init: number): void;
  protected abstract runForward(rows: number): void;
  protected abstract runBatchLoss(rows: number): number;
  protected abstract runBatchCorrect(rows: number): number;
  protected abstract runBackward(rows: number): void;
  protected abstract runStep(rows: number, learningRate: number): number;
  protected abstract runEpochs(
    epochs: number, rows: number, batchSize: number, shuffle: boolean, learningRate: number,
    losses: Float64Array, correct: Float64Array, offset: number,
  ): number;
  protected abstract runResetIndex(rows: number): void;
  protected abstract runStateFinite(): boolean;
  protected abstract runMomentsInUse(): number;
  abstract dispose(): void;

  private allocate(plan: ArenaPlan): A {
    return allocate(plan.bytes, "this network's arena", () => this.open(plan), this.allocationAdvice);
  }

  /** Word index of a region's byte offset. */
  protected word(offset: number): number {
    return (this.views.base + offset) >>> 2;
  }

  checkRoom(passRows: number, dataRows: number): void {
    if (passRows <= this.plan.passRows && dataRows <= this.plan.dataRows) return; // the arena in use holds them
    checkedPlan({ ...this.shape, passRows: Math.max(passRows, this.plan.passRows), dataRows: Math.max(dataRows, this.plan.dataRows) });
  }

  reserve(passRows: number, dataRows: number): void {
    if (passRows <= this.plan.passRows && dataRows <= this.plan.dataRows) return;
    this.replan(Math.max(passRows, this.plan.passRows), Math.max(dataRows, this.plan.dataRows), this.loadedRows);
  }

  releaseData(): void {
    // A small training set stays: giving it back would cost two new memories per fit for little.
    if (this.plan.dataRows * 4 * (this.inputs + this.outputs + 1) < KEEP_DATA_BYTES) return;
    try {
      this.replan(this.plan.passRows, 0, 0);
    } catch (error) {
      if (!(error instanceof MemoryError)) throw error; // a smaller arena was refused: keeping the larger one is harmless
    }
  }

  /**
   * Moves to a new arena as a transaction: plan and check the size, allocate, write the header and
   * copy over what outlives a plan (parameters, optimiser state, the persistent header words and the
   * first `keepRows` training rows); only then switch. A failure anywhere leaves the old arena in use.
   */
  private replan(passRows: number, dataRows: number, keepRows: number): void {
    const plan = checkedPlan({ ...this.shape, passRows, dataRows });
    const arena = this.allocate(plan);
    writeHeader(arena.u, plan, arena.base);
    const old = this.views, oldPlan = this.plan;
    /** Copies `words` words from byte offset `from` of the old arena to byte offset `to` of the new one. */
    const move = (from: number, to: number, words: number, typed: 'f' | 'u'): void => {
      const start = (old.base + from) >>> 2;
      arena[typed].set(old[typed].subarray(start, start + words), (arena.base + to) >>> 2);
    };
    move(oldPlan.params, plan.params, plan.paramCount, 'f');
    move(oldPlan.optState, plan.optState, 2 * plan.paramCount, 'f');
    for (const [first, count] of PERSISTENT_WORDS) move(4 * first, 4 * first, count, 'u');
    move(oldPlan.dataX, plan.dataX, keepRows * this.inputs, 'f');
    move(oldPlan.dataY, plan.dataY, keepRows * this.outputs, 'f');
    move(oldPlan.index, plan.index, keepRows, 'u');
    this.prepare(arena);
    this.views = arena;
    this.plan = plan;
    this.loadedRows = keepRows;
  }

  initParams(seed: number, init: number): void {
    this.runInit(seed >>> 0, init);
  }

  setUpdateRule(rule: UpdateRule): void {
    const { f, u } = this.views, h = this.views.base >>> 2;
    u[h + H_OPTIMIZER] = rule.optimizer;
    u[h + H_CLASSIFY] = rule.classify ? 1 : 0;
    f[h + H_MOMENTUM] = rule.momentum;
    f[h + H_BETA1] = rule.beta1;
    f[h + H_BETA2] = rule.beta2;
    f[h + H_EPSILON] = rule.epsilon;
    f[h + H_L2] = rule.l2;
    f[h + H_CLIP] = rule.clipNorm;
  }

  getOptimizerState(): OptimizerState {
    const at = this.word(this.plan.optState);
    const powers = this.headerF64();
    return {
      moments: this.views.f.slice(at, at + 2 * this.plan.paramCount),
      step: this.views.u[(this.views.base >>> 2) + H_STEP],
      beta1Power: powers[H_BETA1_POWER >> 1], beta2Power: powers[H_BETA2_POWER >> 1],
    };
  }

  setOptimizerState(state: OptimizerState): void {
    this.views.f.set(state.moments, this.word(this.plan.optState));
    this.views.u[(this.views.base >>> 2) + H_STEP] = state.step;
    const powers = this.headerF64();
    powers[H_BETA1_POWER >> 1] = state.beta1Power;
    powers[H_BETA2_POWER >> 1] = state.beta2Power;
  }

  /** The header's words as f64 (Adam's βᵗ products live there). */
  private headerF64(): Float64Array {
    return new Float64Array(this.views.f.buffer, this.views.base, H_BETA2_POWER + 2 >> 1);
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

  saveState(): TrainingState {
    return { params: this.getParams(), rng: this.getRngState(), optimizer: this.getOptimizerState() };
  }

  restoreState(state: TrainingState): void {
    this.setParams(state.params);
    this.setRngState(state.rng);
    this.setOptimizerState(state.optimizer);
  }

  stateFinite(): boolean {
    return this.runStateFinite();
  }

  loadData(x: Float32Array, y: Float32Array, rows: number): void {
    this.reserve(this.plan.passRows, rows);
    this.views.f.set(x.subarray(0, rows * this.inputs), this.word(this.plan.dataX));
    this.views.f.set(y.subarray(0, rows * this.outputs), this.word(this.plan.dataY));
    this.runResetIndex(rows);
    this.loadedRows = rows;
  }

  trainEpochs(
    epochs: number, batchSize: number, shuffle: boolean, learningRate: number, losses: Float64Array, correct: Float64Array, offset: number,
  ): number {
    this.reserve(batchSize, this.loadedRows);
    return this.runEpochs(epochs, this.loadedRows, batchSize, shuffle, learningRate, losses, correct, offset);
  }

  trainBatch(x: Float32Array, y: Float32Array, rows: number, learningRate: number): number {
    this.putBatch(x, y, 0, rows);
    return this.runStep(rows, learningRate);
  }

  trainBatchOrUndo(x: Float32Array, y: Float32Array, rows: number, learningRate: number): number {
    this.putBatch(x, y, 0, rows); // first: it may re-plan the arena
    const { f, u } = this.views, h = this.views.base >>> 2;
    const N = this.plan.paramCount, moments = this.runMomentsInUse();
    const params = this.word(this.plan.params), state = this.word(this.plan.optState);
    if (this.undo.length < N + moments) this.undo = new Float32Array(N + moments);
    const undo = this.undo, powers = this.headerF64();
    undo.set(f.subarray(params, params + N));
    undo.set(f.subarray(state, state + moments), N);
    const step = u[h + H_STEP], beta1Power = powers[H_BETA1_POWER >> 1], beta2Power = powers[H_BETA2_POWER >> 1];
    const loss = this.runStep(rows, learningRate);
    if (Number.isFinite(loss) && this.runStateFinite()) return loss;
    f.set(undo.subarray(0, N), params);
    f.set(undo.subarray(N, N + moments), state);
    u[h + H_STEP] = step;
    powers[H_BETA1_POWER >> 1] = beta1Power;
    powers[H_BETA2_POWER >> 1] = beta2Power;
    return NaN;
  }

  computeGradients(x: Float32Array, y: Float32Array, rows: number): number {
    this.putBatch(x, y, 0, rows);
    this.runForward(rows);
    const loss = this.runBatchLoss(rows);
    this.runBackward(rows);
    return loss;
  }

  evaluate(x: Float32Array, y: Float32Array, rows: number): { loss: number; correct: number } {
    let loss = 0, correct = 0;
    for (let start = 0; start < rows; start += this.plan.passRows) {
      const n = Math.min(this.plan.passRows, rows - start);
      this.putBatch(x, y, start, n);
      this.runForward(n);
      loss += this.runBatchLoss(n);
      correct += this.runBatchCorrect(n);
    }
    return { loss, correct };
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
