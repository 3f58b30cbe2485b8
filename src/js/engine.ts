// The pure-TypeScript engine: an ArrayBuffer arena driven by the model functions in ./train.ts.
// The fallback where WebAssembly is unavailable, and the yardstick every benchmark compares with.
import { ArenaEngine, type ArenaViews } from '../arena-engine.js';
import type { NetworkShape } from '../engine.js';
import type { ArenaPlan } from '../plan.js';
import {
  backward, batchCorrect, batchInput, batchLoss, batchTargets, forward, initParams, momentsInUse, resetIndex, stateFinite, trainEpochs,
  trainStep,
} from './train.js';

export class JsEngine extends ArenaEngine {
  readonly name = 'js' as const;

  constructor(shape: NetworkShape) {
    super(shape);
    this.start();
  }

  protected readonly allocationAdvice = 'free memory (dispose networks, drop large arrays) or use fewer rows per pass or training rows';

  protected open(plan: ArenaPlan): ArenaViews {
    const buffer = new ArrayBuffer(plan.bytes);
    return { f: new Float32Array(buffer), u: new Uint32Array(buffer), base: 0 };
  }

  protected runInit(seed: number, init: number): void {
    initParams(this.views.f, this.views.u, seed, init);
  }

  protected runForward(rows: number): void {
    forward(this.views.f, this.views.u, batchInput(this.views.u), rows);
  }

  protected runBatchLoss(rows: number): number {
    return batchLoss(this.views.f, this.views.u, batchTargets(this.views.u), rows);
  }

  protected runBatchCorrect(rows: number): number {
    return batchCorrect(this.views.f, this.views.u, batchTargets(this.views.u), rows);
  }

  protected runBackward(rows: number): void {
    backward(this.views.f, this.views.u, batchInput(this.views.u), batchTargets(this.views.u), rows);
  }

  protected runStep(rows: number, learningRate: number): number {
    const { f, u } = this.views;
    return trainStep(f, u, batchInput(u), batchTargets(u), rows, learningRate);
  }

  protected runEpochs(
    epochs: number, rows: number, batchSize: number, shuffle: boolean, learningRate: number,
    losses: Float64Array, correct: Float64Array, offset: number,
  ): number {
    return trainEpochs(this.views.f, this.views.u, epochs, rows, batchSize, shuffle, learningRate, losses, correct, offset);
  }

  protected runResetIndex(rows: number): void {
    resetIndex(this.views.u, rows);
  }

  protected runStateFinite(): boolean {
    return stateFinite(this.views.f, this.views.u);
  }

  protected runMomentsInUse(): number {
    return momentsInUse(this.views.u);
  }

  dispose(): void {
    // Nothing to release: the ArrayBuffer goes with the last reference to this engine.
  }
}
