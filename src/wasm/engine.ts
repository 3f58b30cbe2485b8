// The WebAssembly engine: an arena in the linear memory of its own instance of the core. The
// memory is created at the planned size and never grown: growing would detach every view of it,
// and in V8 the first detach slows every typed-array loop in the process for good. A plan that
// needs more room gets a new memory and instance, and the arena is copied over.
// With a team (the threads build), one shared memory and one instance serve every arena: a shared
// memory grows without detaching, so a re-plan lays the new arena beside the old one in it, and the
// team's workers (borrowed, members 1 …) follow the team there inside WebAssembly, with no message
// (a browser delivers none while the host's thread waits). Before each call the engine says how
// many members run it (H_TEAM), which changes the speed and never the bits.
import { instantiateSync } from '@assemblyscript/loader';
import { H_MEMBERS, H_READY, H_SPIN, H_TEAM } from '../abi.js';
import { TEAM_ENDED } from '../js/team.js';
import { ArenaEngine, type Arena, type Core } from '../arena-engine.js';
import type { NetworkShape } from '../engine.js';
import type { ArenaPlan } from '../plan.js';
import type { CoreModule } from './module.js';
import { FreeCores, membersFor, TeamProbe, TeamThreads } from './team-host.js';

/** An arena in a memory of its own, with the instance of the core that computes on it. */
interface WasmArena extends Arena {
  memory: WebAssembly.Memory;
  /** Points the instance at the arena once its header is written. */
  useArena(base: number): void;
  /** Ends the arena's team, which moves to the arena at byte `next` (0: its workers leave; a no-op in the portable build). */
  endTeam(next: number): void;
  /** Bytes the arena takes from `base` on. */
  bytes: number;
}

/** A team's one memory and the instance of the threads build over it. */
interface SharedCore {
  memory: WebAssembly.Memory;
  exports: Core & { useArena(base: number): void; endTeam(next: number): void };
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
  endTeam(next: number): void;
}

/** Ends the team of a network the garbage collector took without dispose(), so that its workers go back to the pool. */
const forgotten = new FinalizationRegistry<TeamHold>((hold) => {
  hold.endTeam(0);
  hold.team.release();
});

const PAGE = 65536;

/** A shared memory's largest size: WebAssembly's 4 GiB (a shared memory must declare one, and never moves). */
const SHARED_MAX_PAGES = 65536;

const align64 = (bytes: number): number => Math.ceil(bytes / 64) * 64;

/**
 * A shared memory of `pages`, whose maximum (fixed for good) is WebAssembly's 4 GiB, or less where
 * the host refuses to reserve that much (iOS Safari is reported to): 1 GiB, then twice what the
 * arena needs. A later arena beyond the maximum is a MemoryError, as any refused memory is.
 */
function sharedMemory(pages: number): WebAssembly.Memory {
  const maxima = [SHARED_MAX_PAGES, 16384, Math.max(pages, Math.min(SHARED_MAX_PAGES, 2 * pages))];
  for (let i = 0; ; i++) {
    try {
      return new WebAssembly.Memory({ initial: pages, maximum: Math.max(pages, maxima[i]), shared: true });
    } catch (error) {
      if (!(error instanceof RangeError) || i === maxima.length - 1) throw error;
    }
  }
}

/** The workers waiting in an arena's team: its H_READY bits, without the ended bit. */
function workersIn(arena: WasmArena): number {
  return Atomics.load(new Int32Array(arena.u.buffer, arena.base + 4 * H_READY, 1), 0) & ~TEAM_ENDED;
}

/**
 * Waits, up to JOIN_WAIT_MS, until the workers `bits` have joined arena `to` (joinTeam wakes whoever
 * waits on H_READY); whether they all have. An ended team is never joined: no wait.
 */
function joined(to: WasmArena, bits: number): boolean {
  const ready = new Int32Array(to.u.buffer, to.base + 4 * H_READY, 1);
  const until = performance.now() + JOIN_WAIT_MS;
  for (;;) {
    const now = Atomics.load(ready, 0);
    const left = until - performance.now();
    if ((now & bits) === bits) return true;
    if (now & TEAM_ENDED || left <= 0) return false;
    Atomics.wait(ready, 0, now, left);
  }
}

export class WasmEngine extends ArenaEngine<WasmArena> {
  readonly name = 'wasm' as const;

  private readonly team: TeamThreads | undefined;
  private readonly freeCores = new FreeCores();
  private msPerEpoch = 0;
  private runStarted = 0;
  private readonly probe = new TeamProbe();

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

  /** A team's memory and instance, made with its first arena. */
  private shared?: SharedCore;
  /**
   * Regions of a team's memory a worker may still be in, or may yet join by message: never laid over.
   * (A region is added only when its workers were slow to leave it, or to join the first arena.)
   */
  private unsafe: { base: number; bytes: number }[] = [];

  private limit = Infinity;

  override get arithmetic(): 'portable' | 'fma' {
    return this.module.fma ? 'fma' : 'portable';
  }

  /**
   * Resolves once the team's workers run (see TeamThreads.started) and have joined the team, or
   * JOIN_WAIT_MS has passed: waiting here, off the thread's event loop, lets a browser deliver their
   * messages, which it does not while a call blocks the thread.
   */
  async started(): Promise<void> {
    if (!this.team) return;
    await this.team.started();
    const until = performance.now() + JOIN_WAIT_MS;
    while (this.readyWorkers < this.team.size - 1 && performance.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    // A worker that has not joined yet will, by its message, at this arena's address: keep it unlaid-over.
    if (this.readyWorkers < this.team.size - 1) this.unsafe.push({ base: this.arena.base, bytes: this.arena.bytes });
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

  /** The most members a run of epochs got (the browser tests read it). */
  mostMembers = 1;

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
    if (this.module.shared) return this.openShared(plan);
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
    return this.arenaIn({ memory, exports }, base, plan);
  }

  /** The views of an arena at `base` of `core`'s memory, as it is now. */
  private arenaIn(core: SharedCore, base: number, plan: ArenaPlan): WasmArena {
    const { memory, exports } = core;
    return {
      memory,
      core: exports,
      useArena: exports.useArena,
      endTeam: exports.endTeam,
      base,
      bytes: plan.bytes,
      f: new Float32Array(memory.buffer),
      u: new Uint32Array(memory.buffer),
      losses: new Float64Array(memory.buffer, base + plan.losses, 2 * plan.lossSlots),
    };
  }

  /**
   * A team's arena: in its one shared memory, at the bottom when it fits below the arena in use, or
   * else just above it (and above any region a worker may still be in); the memory grows as needed
   * (a shared memory never detaches a view) and never shrinks, and the region is zeroed.
   */
  private openShared(plan: ArenaPlan): WasmArena {
    const bottom = this.module.arenaBase;
    const current = this.shared ? this.arena : undefined;
    const overlaps = (base: number, r: { base: number; bytes: number }): boolean =>
      base < r.base + r.bytes && base + plan.bytes > r.base;
    let base = bottom;
    if (current && (bottom + plan.bytes > current.base || this.unsafe.some((r) => overlaps(bottom, r)))) {
      base = align64(Math.max(current.base + current.bytes, ...this.unsafe.map((r) => r.base + r.bytes)));
    }
    const pages = Math.ceil((base + plan.bytes) / PAGE);
    if (!this.shared) {
      const memory = sharedMemory(pages);
      const { instance } = instantiateSync(this.module.module, { env: { memory } });
      this.shared = { memory, exports: instance.exports as unknown as SharedCore['exports'] };
    } else {
      const have = this.shared.memory.buffer.byteLength / PAGE;
      if (pages > have) this.shared.memory.grow(pages - have);
      new Uint8Array(this.shared.memory.buffer, base, plan.bytes).fill(0);
    }
    return this.arenaIn(this.shared, base, plan);
  }

  protected override prepare(arena: WasmArena): void {
    const current = this.arena as WasmArena | undefined;
    if (this.team && current) {
      // The team moves, while the instance still points at its arena: its workers follow inside
      // WebAssembly. Once each is in the new arena the old one may be laid over; a worker slow to
      // follow may still read the old one's words, so then it never is.
      const workers = workersIn(current);
      arena.u[(arena.base >>> 2) + H_MEMBERS] = current.u[this.headerWord(H_MEMBERS)]; // what the last call ran on
      current.endTeam(arena.base);
      if (!joined(arena, workers)) this.unsafe.push({ base: current.base, bytes: current.bytes });
    }
    arena.useArena(arena.base);
    if (!this.team) return;
    if (!current) this.team.join(this.module.module, arena.memory, arena.base);
    this.hold.team = this.team;
    this.hold.endTeam = arena.endTeam;
  }

  protected override beforePass(rows: number): void {
    if (this.team) this.setMembers(membersFor(this.team.size, rows, this.plan.paramCount, this.freeCores.cores));
  }

  protected override beforeEpochs(batchSize: number): number {
    if (!this.team) return Infinity;
    const wanted = membersFor(this.team.size, batchSize, this.plan.paramCount);
    if (wanted === 1) {
      this.setMembers(1);
      return Infinity; // nothing to measure
    }
    const members = this.freeCores.measures
      ? membersFor(this.team.size, batchSize, this.plan.paramCount, this.freeCores.cores)
      : this.probe.next(wanted);
    this.setMembers(members);
    this.freeCores.start();
    this.runStarted = performance.now();
    return this.msPerEpoch > 0 ? Math.max(1, Math.floor(RUN_MS / this.msPerEpoch)) : 1;
  }

  protected override afterEpochs(epochs: number): void {
    if (!this.team || this.runStarted === 0) return;
    this.freeCores.stop();
    if (epochs > 0) {
      this.msPerEpoch = (performance.now() - this.runStarted) / epochs;
      const members = this.lastMembers;
      this.mostMembers = Math.max(this.mostMembers, members);
      this.probe.ran(members, this.msPerEpoch);
    }
    this.runStarted = 0;
  }

  /**
   * How many members run the next call: the host's instance and members − 1 workers (at most the
   * limit). Workers reach a new arena by following the team there, or (the first) by message; the
   * call waits for them, up to JOIN_WAIT_MS, rather than run without them.
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
    joined(this.arena, (1 << (n - 1)) - 1); // workers 1 … n − 1
  }

  dispose(): void {
    if (this.team) {
      forgotten.unregister(this);
      this.arena.endTeam(0);
      this.team.release();
      this.shared = undefined;
      this.unsafe = [];
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
      bytes: 0,
    };
  }
}
