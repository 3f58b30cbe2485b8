// The WebAssembly engine: an arena in the linear memory of its own instance of the core. The
// memory is created at the planned size and never grown: growing would detach every view of it,
// and in V8 the first detach slows every typed-array loop in the process for good. A plan that
// needs more room gets a new memory and instance, and the arena is copied over.
import { instantiateSync } from '@assemblyscript/loader';
import { ArenaEngine, type Arena, type Core } from '../arena-engine.js';
import type { NetworkShape } from '../engine.js';
import type { ArenaPlan } from '../plan.js';
import type { CoreModule } from './module.js';

/** An arena in a memory of its own, with the instance of the core that computes on it. */
interface WasmArena extends Arena {
  memory: WebAssembly.Memory;
  /** Points the instance at the arena once its header is written. */
  useArena(base: number): void;
}

const PAGE = 65536;

export class WasmEngine extends ArenaEngine<WasmArena> {
  readonly name = 'wasm' as const;

  constructor(
    shape: NetworkShape,
    private readonly module: CoreModule,
  ) {
    super(shape);
    this.start();
  }

  /** The linear memory of this engine's instance (for tests that check views never detach). */
  get memory(): WebAssembly.Memory {
    return this.arena.memory;
  }

  protected readonly allocationAdvice =
    'each live wasm network reserves about 10 GiB of virtual address space, so dispose() networks you no longer need, ' +
    "or use engine 'js' for many small networks";

  protected open(plan: ArenaPlan): WasmArena {
    const base = this.module.arenaBase;
    const pages = Math.ceil((base + plan.bytes) / PAGE);
    // maximum = initial: a grow would fail loudly instead of detaching views.
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
    // The loader decodes abort() messages of the debug build; hot calls use the raw exports.
    const { instance } = instantiateSync(this.module.module, { env: { memory } });
    const exports = instance.exports as unknown as Core & { useArena(base: number): void };
    return {
      memory,
      core: exports,
      useArena: exports.useArena,
      base,
      f: new Float32Array(memory.buffer),
      u: new Uint32Array(memory.buffer),
      losses: new Float64Array(memory.buffer, base + plan.losses, 2 * plan.lossSlots),
    };
  }

  protected override prepare(arena: WasmArena): void {
    arena.useArena(arena.base);
  }

  dispose(): void {
    // Dropping the instance and memory lets the garbage collector take them.
    const empty = new ArrayBuffer(0);
    this.arena = {
      f: new Float32Array(empty),
      u: new Uint32Array(empty),
      base: 0,
      losses: new Float64Array(empty),
      memory: undefined as unknown as WebAssembly.Memory,
      core: undefined as unknown as Core,
      useArena: () => {},
    };
  }
}
