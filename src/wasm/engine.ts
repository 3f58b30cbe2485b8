// The WebAssembly engine: an arena in the linear memory of its own instance of the core. The
// memory is created at the planned size and never grown: growing would detach every view of it,
// and in V8 the first detach slows every typed-array loop in the process for good. A plan that
// needs more room gets a new memory and instance, and the arena is copied over.
// With a team (the threads build), the memory is shared and borrowed workers are members 1 … of the
// team over it; before each call the engine says how many members run it (H_TEAM), which changes
// the speed and never the bits.
import { instantiateSync } from '@assemblyscript/loader';
import { H_MEMBERS, H_READY, H_SPIN, H_TEAM } from '../abi.js';
import { TEAM_ENDED } from '../js/team.js';
import { ArenaEngine, type Arena, type Core } from '../arena-engine.js';
import type { NetworkShape } from '../engine.js';
import type { ArenaPlan } from '../plan.js';
import type { CoreModule } from './module.js';
import { FreeCores, membersFor, TeamThreads } from './team-host.js';

/** An arena in a memory of its own, with the instance of the core that computes on it. */
interface WasmArena extends Arena {
  memory: WebAssembly.Memory;
  /** Points the instance at the arena once its header is written. */
  useArena(base: number): void;
  /** Ends the arena's team: its workers leave (the threads build; a no-op in the portable one). */
  endTeam(): void;
}

/** How long a run of epochs on a team lasts at most, so that a busy machine is noticed within it. */
const RUN_MS = 250;

/** Loads a waiting member spins before it sleeps: about 0.1 ms where each member has a core, a few microseconds where they share. */
const SPIN_FREE = 300_000;
const SPIN_SHARED = 2_000;

/** How long a call waits for its team's workers to join the arena before it runs without them. */
const JOIN_WAIT_MS = 2000;

/** A team's workers and how to end the team of the arena in use: what a network forgotten undisposed gives back. */
interface TeamHold {
  team: TeamThreads;
  endTeam(): void;
}

/** Ends the team of a network the garbage collector took without dispose(), so that its workers go back to the pool. */
const forgotten = new FinalizationRegistry<TeamHold>((hold) => {
  hold.endTeam();
  hold.team.release();
});

const PAGE = 65536;

export class WasmEngine extends ArenaEngine<WasmArena> {
  readonly name = 'wasm' as const;

  private readonly team: TeamThreads | undefined;
  private readonly freeCores = new FreeCores();
  private msPerEpoch = 0;
  private runStarted = 0;

  /** An engine over `module`; `threads` > 1 (with the threads build) makes it a team of that many. */
  constructor(
    shape: NetworkShape,
    private readonly module: CoreModule,
    threads = 1,
  ) {
    super(shape);
    if (threads > 1 && !module.shared) throw new Error('internal error: a team needs a threads build');
    this.team = threads > 1 ? new TeamThreads(threads) : undefined;
    if (this.team) forgotten.register(this, this.hold, this);
    this.start();
  }

  /** What the finalizer needs, and nothing that holds this engine alive. */
  private readonly hold: TeamHold = { team: undefined as unknown as TeamThreads, endTeam: () => {} };

  private limit = Infinity;

  override get arithmetic(): 'portable' | 'fma' {
    return this.module.fma ? 'fma' : 'portable';
  }

  /** Resolves once the team's workers run (see TeamThreads.started). */
  async started(): Promise<void> {
    await this.team?.started();
  }

  /** The team's size: the threads a call may run on (1: no team). */
  override get threads(): number {
    return this.team?.size ?? 1;
  }

  override limitThreads(threads: number | undefined): void {
    this.limit = threads ?? Infinity;
  }

  /** How many members ran the last call (fewer than `threads` while workers start, for small passes or on a busy machine). */
  get lastMembers(): number {
    return this.team ? Math.max(1, this.arena.u[this.headerWord(H_MEMBERS)]) : 1;
  }

  /** How many workers wait in the arena's team now, ready for a job. */
  get readyWorkers(): number {
    if (!this.team) return 0;
    let ready = this.arena.u[this.headerWord(H_READY)];
    if (ready & TEAM_ENDED) return 0;
    let count = 0;
    for (; ready !== 0; ready &= ready - 1) count++;
    return count;
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
    // maximum = initial: a grow would fail loudly instead of detaching views (a shared memory never detaches).
    const memory = new WebAssembly.Memory({
      initial: pages,
      maximum: pages,
      shared: this.module.shared,
    });
    // The loader decodes abort() messages of the debug build; hot calls use the raw exports.
    const { instance } = instantiateSync(this.module.module, { env: { memory } });
    const exports = instance.exports as unknown as Core & { useArena(base: number): void; endTeam(): void };
    return {
      memory,
      core: exports,
      useArena: exports.useArena,
      endTeam: exports.endTeam,
      base,
      f: new Float32Array(memory.buffer),
      u: new Uint32Array(memory.buffer),
      losses: new Float64Array(memory.buffer, base + plan.losses, 2 * plan.lossSlots),
    };
  }

  protected override prepare(arena: WasmArena): void {
    arena.useArena(arena.base);
    if (!this.team) return;
    // The workers leave the arena in use (if any) before they take the new one's join message.
    (this.arena as WasmArena | undefined)?.endTeam();
    this.team.join(this.module.module, arena.memory, arena.base);
    this.hold.team = this.team;
    this.hold.endTeam = arena.endTeam;
  }

  protected override beforePass(rows: number): void {
    if (this.team) this.setMembers(membersFor(this.team.size, rows, this.plan.paramCount, this.freeCores.cores));
  }

  protected override beforeEpochs(batchSize: number): number {
    if (!this.team) return Infinity;
    const members = membersFor(this.team.size, batchSize, this.plan.paramCount, this.freeCores.cores);
    this.setMembers(members);
    if (membersFor(this.team.size, batchSize, this.plan.paramCount) === 1) return Infinity; // nothing to measure
    this.freeCores.start();
    this.runStarted = performance.now();
    return this.msPerEpoch > 0 ? Math.max(1, Math.floor(RUN_MS / this.msPerEpoch)) : 1;
  }

  protected override afterEpochs(epochs: number): void {
    if (!this.team || this.runStarted === 0) return;
    this.freeCores.stop();
    if (epochs > 0) this.msPerEpoch = (performance.now() - this.runStarted) / epochs;
    this.runStarted = 0;
  }

  /**
   * How many members run the next call: the host's instance and members − 1 workers (at most the
   * limit). Workers join a new arena as they take its message (a worker's first start takes tens of
   * milliseconds); the call waits for them, up to JOIN_WAIT_MS, rather than run without them.
   */
  private setMembers(members: number): void {
    const n = Math.min(members, this.limit);
    const words = this.arena.u;
    words[this.headerWord(H_TEAM)] = n;
    if (n <= 1) return;
    // Spin long where every member has a core of its own: a waiter that sleeps wakes tens of
    // microseconds late, makes the next barrier's waiter sleep in turn, and so on (a convoy). Spin
    // briefly where cores are shared: there a spinning waiter takes the core its partner needs.
    words[this.headerWord(H_SPIN)] = this.freeCores.cores >= n ? SPIN_FREE : SPIN_SHARED;
    const ready = new Int32Array(words.buffer, this.arena.base + 4 * H_READY, 1);
    const until = performance.now() + JOIN_WAIT_MS;
    for (;;) {
      const bits = Atomics.load(ready, 0);
      const left = until - performance.now();
      if (bits & TEAM_ENDED || (~bits & ((1 << (n - 1)) - 1)) === 0 || left <= 0) return;
      Atomics.wait(ready, 0, bits, left);
    }
  }

  dispose(): void {
    if (this.team) {
      forgotten.unregister(this);
      this.arena.endTeam();
      this.team.release();
    }
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
      endTeam: () => {},
    };
  }
}
