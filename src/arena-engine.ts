// What both engines share: planning the arena, re-planning it as a transaction, and moving rows,
// parameters, generator and optimiser state and the update rule in and out of it. Subclasses
// supply the memory and the arithmetic.
import {
  H_BETA1_POWER,
  H_BETA2_POWER,
  H_CLASSIFY,
  H_CLIP,
  H_L2,
  H_LEARNING_RATE,
  H_OPTIMIZER,
  H_PERSISTENT,
  H_PERSISTENT_END,
  H_RNG,
  H_SETTINGS,
  H_STEP,
  SETTING_SLOTS,
} from './abi.js';
import type { Engine, EngineName, NetworkShape, OptimizerState, TrainingState, UpdateRule } from './engine.js';
import { MemoryError } from './errors.js';
import { allocate, checkedPlan, writeHeader, type ArenaPlan } from './plan.js';

/** Rows a prediction or evaluation pass takes at a time, when the batch size is smaller. */
export const PASS_ROWS = 256;

/** A training-set region below this many bytes is kept after a fit rather than released. */
export const KEEP_DATA_BYTES = 2 ** 20;

/**
 * The model functions over one arena, with the names, arguments and results of the WebAssembly
 * core's exports (assembly/train.ts); src/js/train.ts binds its twins to the same names. They work on
 * the arena's batch region; booleans cross as 1 or 0.
 */
export interface Core {
  initParams(seed: number, init: number): void;
  forward(rows: number, training: number): void;
  batchLoss(rows: number): number;
  batchCorrect(rows: number): number;
  backward(rows: number): void;
  trainBatch(rows: number): number;
  trainEpochs(epochs: number, rows: number, batchSize: number, shuffle: number): number;
  resetIndex(rows: number): void;
  stateFinite(): number;
}

/** One arena: views of the memory holding it, its byte offset there, its loss slots, and the core computing on it. */
export interface Arena {
  f: Float32Array;
  u: Uint32Array;
  base: number;
  /** The f64 epoch losses, then as many right-answer counts. */
  losses: Float64Array;
  core: Core;
}

export abstract class ArenaEngine<A extends Arena = Arena> implements Engine {
  abstract readonly name: EngineName;
  plan!: ArenaPlan;
  protected arena!: A;
  private loadedRows = 0;
  /** What trainBatchOrUndo saves before its step, kept between calls so that a step allocates nothing. */
  private undo = new Float32Array(0);
  private undoRng = new Uint32Array(4);

  protected constructor(readonly shape: NetworkShape) {}

  /** Plans and allocates the first arena; subclasses call it once their own fields are set. */
  protected start(): void {
    const plan = checkedPlan({ ...this.shape, passRows: PASS_ROWS, dataRows: 0 });
    const arena = this.allocate(plan);
    writeHeader(arena.u, plan, arena.base);
    this.prepare(arena);
    this.arena = arena;
    this.plan = plan;
  }

  /**
   * New memory for an arena of `plan.bytes`, zeroed, with the core that computes on it, without
   * touching the arena in use: if this throws, the engine is exactly as it was.
   */
  protected abstract open(plan: ArenaPlan): A;
  /** What to tell a caller whose allocation the host refused. */
  protected abstract readonly allocationAdvice: string;
  /** Called once the new arena's header is written, before it is switched to. */
  protected prepare(_arena: A): void {}
  /** Before a pass of `rows` rows: how many members of a team run it (the wasm engine's teams; one by default). */
  protected beforePass(_rows: number): void {}
  /** Before a run of epochs in batches of `batchSize`: at most how many epochs the run should take (a team measures each run). */
  protected beforeEpochs(_batchSize: number): number {
    return Infinity;
  }
  /** After that run, which ran `epochs` epochs. */
  protected afterEpochs(_epochs: number): void {}
  /** The arithmetic of the matrix products: portable, unless a subclass runs the FMA build. */
  get arithmetic(): 'portable' | 'fma' {
    return 'portable';
  }
  /** The threads a call may run on: one, unless a subclass has a team. */
  get threads(): number {
    return 1;
  }
  limitThreads(_threads: number | undefined): void {}
  abstract dispose(): void;

  private get core(): Core {
    return this.arena.core;
  }

  private allocate(plan: ArenaPlan): A {
    return allocate(plan.bytes, "this network's arena", () => this.open(plan), this.allocationAdvice);
  }

  /** Word index of a region's byte offset. */
  private word(offset: number): number {
    return (this.arena.base + offset) >>> 2;
  }

  /** Word index of a header word. */
  protected headerWord(word: number): number {
    return (this.arena.base >>> 2) + word;
  }

  checkRoom(passRows: number, dataRows: number): void {
    if (passRows <= this.plan.passRows && dataRows <= this.plan.dataRows) return; // the arena in use holds them
    checkedPlan({
      ...this.shape,
      passRows: Math.max(passRows, this.plan.passRows),
      dataRows: Math.max(dataRows, this.plan.dataRows),
    });
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
   * copy over what outlives a plan (parameters, optimiser state, the header's persistent block and
   * the first `keepRows` training rows); only then switch. A failure anywhere leaves the old arena in use.
   */
  private replan(passRows: number, dataRows: number, keepRows: number): void {
    const plan = checkedPlan({ ...this.shape, passRows, dataRows });
    const arena = this.allocate(plan);
    writeHeader(arena.u, plan, arena.base);
    const old = this.arena,
      oldPlan = this.plan;
    /** Copies `words` words from byte offset `from` of the old arena to byte offset `to` of the new one. */
    const move = (from: number, to: number, words: number, typed: 'f' | 'u'): void => {
      const start = (old.base + from) >>> 2;
      arena[typed].set(old[typed].subarray(start, start + words), (arena.base + to) >>> 2);
    };
    move(oldPlan.params, plan.params, plan.paramCount, 'f');
    move(oldPlan.optState, plan.optState, plan.optStateCount, 'f');
    move(4 * H_PERSISTENT, 4 * H_PERSISTENT, H_PERSISTENT_END - H_PERSISTENT, 'u');
    move(oldPlan.dataX, plan.dataX, keepRows * this.inputs, 'f');
    move(oldPlan.dataY, plan.dataY, keepRows * this.outputs, 'f');
    move(oldPlan.index, plan.index, keepRows, 'u');
    this.prepare(arena);
    this.arena = arena;
    this.plan = plan;
    this.loadedRows = keepRows;
  }

  initParams(seed: number, init: number): void {
    this.core.initParams(seed >>> 0, init);
  }

  setUpdateRule(rule: UpdateRule): void {
    const { f, u } = this.arena;
    if (rule.settings.length > SETTING_SLOTS)
      throw new Error(`internal error: an optimiser with more than ${SETTING_SLOTS} settings`);
    u[this.headerWord(H_OPTIMIZER)] = rule.optimizer;
    u[this.headerWord(H_CLASSIFY)] = rule.classify ? 1 : 0;
    f.fill(0, this.headerWord(H_SETTINGS), this.headerWord(H_SETTINGS + SETTING_SLOTS));
    f.set(rule.settings, this.headerWord(H_SETTINGS));
    f[this.headerWord(H_L2)] = rule.l2;
    f[this.headerWord(H_CLIP)] = rule.clipNorm;
    this.headerF64()[H_LEARNING_RATE >> 1] = rule.learningRate;
  }

  get learningRate(): number {
    return this.headerF64()[H_LEARNING_RATE >> 1];
  }

  getOptimizerState(): OptimizerState {
    const at = this.word(this.plan.optState);
    const powers = this.headerF64();
    return {
      moments: this.arena.f.slice(at, at + this.plan.optStateCount),
      step: this.arena.u[this.headerWord(H_STEP)],
      beta1Power: powers[H_BETA1_POWER >> 1],
      beta2Power: powers[H_BETA2_POWER >> 1],
    };
  }

  setOptimizerState(state: OptimizerState): void {
    this.arena.f.set(state.moments, this.word(this.plan.optState));
    this.arena.u[this.headerWord(H_STEP)] = state.step;
    const powers = this.headerF64();
    powers[H_BETA1_POWER >> 1] = state.beta1Power;
    powers[H_BETA2_POWER >> 1] = state.beta2Power;
  }

  /** The header's words as f64 (the learning rate and Adam's βᵗ products live there). */
  private headerF64(): Float64Array {
    return new Float64Array(this.arena.f.buffer, this.arena.base, H_PERSISTENT_END >> 1);
  }

  getParams(): Float32Array {
    const at = this.word(this.plan.params);
    return this.arena.f.slice(at, at + this.plan.paramCount);
  }

  setParams(values: Float32Array): void {
    this.arena.f.set(values, this.word(this.plan.params));
  }

  getGrads(): Float32Array {
    const at = this.word(this.plan.grads);
    return this.arena.f.slice(at, at + this.plan.paramCount);
  }

  getRngState(): Uint32Array {
    const at = this.headerWord(H_RNG);
    return this.arena.u.slice(at, at + 4);
  }

  setRngState(state: Uint32Array): void {
    this.arena.u.set(state, this.headerWord(H_RNG));
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
    return this.core.stateFinite() !== 0;
  }

  loadData(x: Float32Array, y: Float32Array, rows: number): void {
    this.reserve(this.plan.passRows, rows);
    this.arena.f.set(x.subarray(0, rows * this.inputs), this.word(this.plan.dataX));
    this.arena.f.set(y.subarray(0, rows * this.outputs), this.word(this.plan.dataY));
    this.core.resetIndex(rows);
    this.loadedRows = rows;
  }

  trainEpochs(
    epochs: number,
    batchSize: number,
    shuffle: boolean,
    losses: Float64Array,
    correct: Float64Array,
    offset: number,
  ): number {
    this.reserve(batchSize, this.loadedRows);
    const slots = this.plan.lossSlots;
    for (let done = 0; done < epochs;) {
      const chunk = Math.min(epochs - done, slots, this.beforeEpochs(batchSize));
      const ran = this.core.trainEpochs(chunk, this.loadedRows, batchSize, shuffle ? 1 : 0);
      this.afterEpochs(ran);
      const arenaLosses = this.arena.losses;
      losses.set(arenaLosses.subarray(0, ran), offset + done);
      correct.set(arenaLosses.subarray(slots, slots + ran), offset + done);
      done += ran;
      if (ran < chunk) return done;
    }
    return epochs;
  }

  trainBatch(x: Float32Array, y: Float32Array, rows: number): number {
    this.putBatch(x, y, 0, rows);
    this.beforePass(rows);
    return this.core.trainBatch(rows);
  }

  trainBatchOrUndo(x: Float32Array, y: Float32Array, rows: number): number {
    this.putBatch(x, y, 0, rows); // first: it may re-plan the arena
    const { f, u } = this.arena;
    const N = this.plan.paramCount,
      moments = this.plan.optStateCount;
    const params = this.word(this.plan.params),
      state = this.word(this.plan.optState);
    if (this.undo.length < N + moments) this.undo = new Float32Array(N + moments);
    const undo = this.undo,
      powers = this.headerF64();
    undo.set(f.subarray(params, params + N));
    undo.set(f.subarray(state, state + moments), N);
    const step = u[this.headerWord(H_STEP)],
      beta1Power = powers[H_BETA1_POWER >> 1],
      beta2Power = powers[H_BETA2_POWER >> 1];
    const rng = this.headerWord(H_RNG);
    this.undoRng.set(u.subarray(rng, rng + 4));
    this.beforePass(rows);
    const loss = this.core.trainBatch(rows);
    if (Number.isFinite(loss) && this.stateFinite()) return loss;
    f.set(undo.subarray(0, N), params);
    f.set(undo.subarray(N, N + moments), state);
    u[this.headerWord(H_STEP)] = step;
    powers[H_BETA1_POWER >> 1] = beta1Power;
    powers[H_BETA2_POWER >> 1] = beta2Power;
    u.set(this.undoRng, rng); // dropout's masks drew from the generator
    return NaN;
  }

  computeGradients(x: Float32Array, y: Float32Array, rows: number): number {
    this.putBatch(x, y, 0, rows);
    this.beforePass(rows);
    this.core.forward(rows, 1);
    const loss = this.core.batchLoss(rows);
    this.core.backward(rows);
    return loss;
  }

  evaluate(x: Float32Array, y: Float32Array, rows: number): { loss: number; correct: number } {
    let loss = 0,
      correct = 0;
    for (let start = 0; start < rows; start += this.plan.passRows) {
      const n = Math.min(this.plan.passRows, rows - start);
      this.putBatch(x, y, start, n);
      this.beforePass(n);
      this.core.forward(n, 0);
      loss += this.core.batchLoss(n);
      correct += this.core.batchCorrect(n);
    }
    return { loss, correct };
  }

  predict(x: Float32Array, rows: number, out: Float32Array): void {
    const C = this.inputs,
      OC = this.outputs;
    const input = this.word(this.plan.input);
    const output = this.word(this.plan.layers[this.plan.layers.length - 1].output);
    for (let start = 0; start < rows; start += this.plan.passRows) {
      const n = Math.min(this.plan.passRows, rows - start);
      this.arena.f.set(x.subarray(start * C, (start + n) * C), input);
      this.beforePass(n);
      this.core.forward(n, 0);
      out.set(this.arena.f.subarray(output, output + n * OC), start * OC);
    }
  }

  private get inputs(): number {
    return this.plan.widths[0];
  }

  private get outputs(): number {
    return this.plan.widths[this.plan.widths.length - 1];
  }

  /** Copies rows [start, start + n) of x and y into the batch input and targets, growing the pass if needed. */
  private putBatch(x: Float32Array, y: Float32Array, start: number, n: number): void {
    this.reserve(n, this.plan.dataRows);
    const C = this.inputs,
      OC = this.outputs;
    this.arena.f.set(x.subarray(start * C, (start + n) * C), this.word(this.plan.input));
    this.arena.f.set(y.subarray(start * OC, (start + n) * OC), this.word(this.plan.targets));
  }
}
