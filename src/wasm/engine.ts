// The WebAssembly engine: an arena in the linear memory of its own instance of the core. The
// memory is created at the planned size and never grown: growing would detach every view of it,
// and in V8 the first detach slows every typed-array loop in the process for good. A plan that
// needs more room gets a new memory and instance, and the arena is copied over.
import { instantiateSync } from '@assemblyscript/loader';
import { ArenaEngine, type ArenaViews } from '../arena-engine.js';
import type { NetworkShape } from '../engine.js';
import type { ArenaPlan } from '../plan.js';
import type { Core } from './module.js';

/** The core's exports the engine calls: numbers and pointers only. */
interface CoreExports {
  useArena(base: number): void;
  initParams(seed: number, init: number): void;
  forward(input: number, rows: number): void;
  batchLoss(targets: number, rows: number): number;
  batchCorrect(targets: number, rows: number): number;
  backward(input: number, targets: number, rows: number): void;
  trainStep(input: number, targets: number, rows: number, learningRate: number): number;
  trainEpochs(epochs: number, rows: number, batchSize: number, shuffle: number, learningRate: number): number;
  resetIndex(rows: number): void;
  stateFinite(): number;
  momentsInUse(): number;
}

/** An arena in a memory of its own, with the instance of the core that computes on it. */
interface WasmArena extends ArenaViews {
  memory: WebAssembly.Memory;
  core: CoreExports;
  /** The arena's f64 epoch losses, then its counts of right answers. */
  losses: Float64Array;
}

const PAGE = 65536;

export class WasmEngine extends ArenaEngine<WasmArena> {
  readonly name = 'wasm' as const;

  constructor(shape: NetworkShape, private readonly compiled: Core) {
    super(shape);
    this.start();
  }

  /** The linear memory of this engine's instance (for tests that check views never detach). */
  get memory(): WebAssembly.Memory {
    return this.views.memory;
  }

  private get core(): CoreExports {
    return this.views.core;
  }

  protected readonly allocationAdvice =
    'each live wasm network reserves about 10 GiB of virtual address space, so dispose() networks you no longer need, ' +
    "or use engine 'js' for many small networks";

  protected open(plan: ArenaPlan): WasmArena {
    const base = this.compiled.arenaBase;
    const pages = Math.ceil((base + plan.bytes) / PAGE);
    // maximum = initial: a grow would fail loudly instead of detaching views.
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
    // The loader decodes abort() messages of the debug build; hot calls use the raw exports.
    const { instance } = instantiateSync(this.compiled.module, { env: { memory } });
    return {
      memory, core: instance.exports as unknown as CoreExports, base,
      f: new Float32Array(memory.buffer), u: new Uint32Array(memory.buffer),
      losses: new Float64Array(memory.buffer, base + plan.losses, 2 * plan.lossSlots),
    };
  }

  protected override prepare(arena: WasmArena): void {
    arena.core.useArena(arena.base);
  }

  protected runInit(seed: number, init: number): void {
    this.core.initParams(seed, init);
  }

  /** Absolute addresses of the batch region's inputs and targets in this instance's memory. */
  private get batch(): { input: number; targets: number } {
    return { input: this.views.base + this.plan.layers[0].input, targets: this.views.base + this.plan.targets };
  }

  protected runForward(rows: number): void {
    this.core.forward(this.batch.input, rows);
  }

  protected runBatchLoss(rows: number): number {
    return this.core.batchLoss(this.batch.targets, rows);
  }

  protected runBatchCorrect(rows: number): number {
    return this.core.batchCorrect(this.batch.targets, rows);
  }

  protected runBackward(rows: number): void {
    this.core.backward(this.batch.input, this.batch.targets, rows);
  }

  protected runStep(rows: number, learningRate: number): number {
    return this.core.trainStep(this.batch.input, this.batch.targets, rows, learningRate);
  }

  protected runEpochs(
    epochs: number, rows: number, batchSize: number, shuffle: boolean, learningRate: number,
    losses: Float64Array, correct: Float64Array, offset: number,
  ): number {
    const slots = this.plan.lossSlots, arenaLosses = this.views.losses;
    for (let done = 0; done < epochs;) {
      const chunk = Math.min(epochs - done, slots);
      const ran = this.core.trainEpochs(chunk, rows, batchSize, shuffle ? 1 : 0, learningRate);
      losses.set(arenaLosses.subarray(0, ran), offset + done);
      correct.set(arenaLosses.subarray(slots, slots + ran), offset + done);
      done += ran;
      if (ran < chunk) return done;
    }
    return epochs;
  }

  protected runResetIndex(rows: number): void {
    this.core.resetIndex(rows);
  }

  protected runStateFinite(): boolean {
    return this.core.stateFinite() !== 0;
  }

  protected runMomentsInUse(): number {
    return this.core.momentsInUse();
  }

  dispose(): void {
    // Dropping the instance and memory lets the garbage collector take them.
    const empty = new ArrayBuffer(0);
    this.views = {
      f: new Float32Array(empty), u: new Uint32Array(empty), base: 0, losses: new Float64Array(empty),
      memory: undefined as unknown as WebAssembly.Memory, core: undefined as unknown as CoreExports,
    };
  }
}
