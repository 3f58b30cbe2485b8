// The pure-TypeScript engine: an ArrayBuffer arena driven by the model functions of ./train.ts.
// The fallback where WebAssembly is unavailable, and the yardstick every benchmark compares with.
import { ArenaEngine, type Arena } from '../arena-engine.js';
import type { NetworkShape } from '../engine.js';
import type { ArenaPlan } from '../plan.js';
import { jsCore } from './train.js';

export class JsEngine extends ArenaEngine {
  readonly name = 'js' as const;

  constructor(shape: NetworkShape) {
    super(shape);
    this.start();
  }

  protected readonly allocationAdvice =
    'free memory (dispose networks, drop large arrays) or use fewer rows per pass or training rows';

  protected open(plan: ArenaPlan): Arena {
    const buffer = new ArrayBuffer(plan.bytes);
    const losses = new Float64Array(buffer, plan.losses, 2 * plan.lossSlots);
    return { f: new Float32Array(buffer), u: new Uint32Array(buffer), base: 0, losses, core: jsCore(buffer, losses) };
  }

  dispose(): void {
    // Nothing to release: the ArrayBuffer goes with the last reference to this engine.
  }
}
