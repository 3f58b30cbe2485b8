// The host's side of the core's teams (assembly/team.ts): where threads can run, the pool of
// worker threads every network's team borrows from, and the choice of how many members run a call.
// A worker is a few lines of plain JavaScript (WORKER_SOURCE) that instantiates the threads build over
// the arena's shared memory and waits inside workerLoop; it needs no file of its own, so bundlers
// and the tests (which run the sources) need nothing special. Starting one costs tens of
// milliseconds, so workers outlive the networks that borrow them: a network takes its workers when
// it is created and gives them back when it is disposed, and the pool ends what it cannot keep.

/**
 * What a worker runs: say it has started; join a team when asked and wait in workerLoop, following
 * the team to each arena it moves to, until it ends for good; then report and wait for the next.
 */
const WORKER_SOURCE = `
// A Node worker evaluates this as CommonJS or as a module (as its parent was started), so its port
// comes from import(), which both have; a Web Worker has none, and uses its global scope.
const node = typeof process === 'object' && typeof process.versions === 'object' && !!process.versions.node;
(node ? import('node:worker_threads').then((m) => m.parentPort) : Promise.resolve(undefined)).then((port) => {
  const on = port ? (h) => port.on('message', h) : (h) => self.addEventListener('message', (e) => h(e.data));
  const post = port ? (m) => port.postMessage(m) : (m) => self.postMessage(m);
  post({ type: 'started' });
  on((m) => {
    const abort = () => { throw new Error('the core aborted in a worker'); };
    let instance = new WebAssembly.Instance(m.module, { env: { memory: m.memory, abort } });
    instance.exports.workerLoop(m.base, m.id);
    instance = undefined; // the memory goes with the last reference to it
    post({ type: 'left', id: m.id });
  });
});
`;

/** A message that makes a worker member `id` of the team over `memory`'s arena at `base`. */
interface JoinMessage {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  base: number;
  id: number;
}

interface Thread {
  post(message: JoinMessage): void;
  terminate(): void;
  /** Set once the thread has died (an error, or terminated). */
  dead: boolean;
  /** Resolves when the thread runs (or has died): a browser starts a worker only while its creator's thread is free. */
  started: Promise<void>;
}

type ThreadFactory = () => Thread;

/** The most members a team has (assembly/team.ts MAX_MEMBERS: the host's instance and 31 workers). */
export const MAX_THREADS = 32;

/** What 'auto' asks for at most: beyond this, the per-step barriers and memory bandwidth eat the gain. */
export const AUTO_THREAD_CAP = 8;

let factory: ThreadFactory | undefined;

/**
 * Makes threads available in this realm if they can run here, once: shared memory must exist and
 * be allowed (a page needs cross-origin isolation), this thread must be allowed to wait (a page's
 * main thread is not), and workers must start (Node's worker_threads, or Web Workers from a Blob).
 * Returns why not, or undefined when they can.
 */
export async function setUpThreads(): Promise<string | undefined> {
  if (factory) return undefined;
  const scope = globalThis as unknown as {
    crossOriginIsolated?: boolean;
    WorkerGlobalScope?: unknown;
  };
  if (typeof SharedArrayBuffer !== 'function' || scope.crossOriginIsolated === false) {
    return 'shared memory is unavailable: a page must be cross-origin isolated (COOP same-origin and COEP require-corp or credentialless)';
  }
  const isNode = typeof process === 'object' && typeof process.versions?.node === 'string';
  if (!isNode && scope.WorkerGlobalScope === undefined) {
    return "a page's main thread may not wait (Atomics.wait): train from a worker, e.g. fitAsync({ worker: true })";
  }
  if (!isNode && typeof Worker !== 'function') {
    return 'this worker cannot start workers of its own (no Worker here, as in a shared worker)';
  }
  try {
    factory = isNode ? await nodeThreads() : webThreads();
    if (isNode) clock = await nodeClock();
    return undefined;
  } catch (error) {
    return `workers cannot start here (${(error as Error).message})`;
  }
}

/** What threads: 'auto' means: the cores this host reports (Node: os.availableParallelism), at most AUTO_THREAD_CAP. */
export async function autoThreads(): Promise<number> {
  const scope = globalThis as unknown as { navigator?: { hardwareConcurrency?: number } };
  let cores = scope.navigator?.hardwareConcurrency;
  if (cores === undefined && typeof process === 'object' && typeof process.versions?.node === 'string') {
    const specifier = 'node:os';
    cores = ((await import(/* @vite-ignore */ specifier)) as typeof import('node:os')).availableParallelism();
  }
  return Math.max(1, Math.min(AUTO_THREAD_CAP, cores ?? 1));
}

async function nodeThreads(): Promise<ThreadFactory> {
  const specifier = 'node:worker_threads'; // a variable, so that bundlers for the browser leave it alone
  const { Worker } = (await import(/* @vite-ignore */ specifier)) as typeof import('node:worker_threads');
  return () => {
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    let started = (): void => {};
    const thread: Thread = {
      post: (m) => worker.postMessage(m),
      terminate: () => void worker.terminate(),
      dead: false,
      started: new Promise((resolve) => (started = resolve)),
    };
    const died = (): void => {
      thread.dead = true;
      started();
    };
    worker.on('error', died);
    worker.on('exit', died);
    worker.on('message', (message: { type: string }) => {
      if (message.type !== 'started') return onLeft(message);
      // Referenced until it runs (NeuralNetwork.create waits for that), then never again: an idle or
      // waiting worker never keeps the process alive. After the listeners, which reference it anew.
      worker.unref();
      started();
    });
    return thread;
  };
}

function webThreads(): ThreadFactory {
  const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
  return () => {
    const worker = new Worker(url);
    let started = (): void => {};
    const thread: Thread = {
      post: (m) => worker.postMessage(m),
      terminate: () => worker.terminate(),
      dead: false,
      started: new Promise((resolve) => (started = resolve)),
    };
    worker.onerror = () => {
      thread.dead = true;
      started();
    };
    worker.onmessage = (e: MessageEvent) => (e.data?.type === 'started' ? started() : onLeft(e.data));
    return thread;
  };
}

/** Workers tell the pool when they have left a team (the tests count them). */
function onLeft(message: { type: string }): void {
  if (message.type === 'left') counts.left++;
}

const idle: Thread[] = [];
const counts = { started: 0, ended: 0, leased: 0, left: 0 };

/** How many workers this realm has started and ended, lent out and kept idle: for the tests' leak checks. */
export function threadCounts(): {
  started: number;
  ended: number;
  live: number;
  leased: number;
  idle: number;
  left: number;
} {
  return { ...counts, live: counts.started - counts.ended, idle: idle.length };
}

/** How many idle workers the pool keeps for the next network. */
function idleCap(): number {
  const scope = globalThis as unknown as { navigator?: { hardwareConcurrency?: number } };
  return Math.min(MAX_THREADS, scope.navigator?.hardwareConcurrency ?? 4);
}

/** The workers of one network's team: borrowed from the pool, made members 1 … of each arena it uses. */
export class TeamThreads {
  private threads: Thread[] = [];

  /** A team of `size` members: the host's instance and size − 1 workers, borrowed on first use. */
  constructor(private members: number) {}

  /** The team's size: the host's instance and its workers (fewer than asked when some could not start). */
  get size(): number {
    return this.members;
  }

  /**
   * Makes the workers members of the team over its first arena, at `base` of `memory` (each joins
   * as soon as it runs; a pooled worker once it has left its last team). They reach the team's later
   * arenas by following it there (endTeam's `next`).
   */
  join(module: WebAssembly.Module, memory: WebAssembly.Memory, base: number): void {
    if (!factory) throw new Error('internal error: threads are not set up');
    this.threads = this.threads.filter((t) => !t.dead);
    while (this.threads.length < this.size - 1) {
      const thread = idle.pop() ?? (counts.started++, factory());
      counts.leased++;
      this.threads.push(thread);
    }
    this.threads.forEach((thread, i) => thread.post({ module, memory, base, id: i + 1 }));
  }

  /**
   * Resolves once every worker runs. A browser starts a worker only while the thread that made it
   * is free, and a team's calls block that thread while they wait for their workers: so a network is
   * handed over (NeuralNetwork.create is async) only once its workers have started.
   */
  async started(): Promise<void> {
    await Promise.all(this.threads.map((thread) => thread.started));
    // A worker that died starting (a Content-Security-Policy refusing blob: workers, say) leaves the
    // team smaller, not waiting for it: the bits do not depend on the size.
    const dead = this.threads.filter((t) => t.dead);
    if (dead.length === 0) return;
    this.threads = this.threads.filter((t) => !t.dead);
    counts.leased -= dead.length;
    counts.ended += dead.length;
    this.members = 1 + this.threads.length;
  }

  /** Gives the workers back to the pool (the core's endTeam has told them to leave); ends those it cannot keep. */
  release(): void {
    for (const thread of this.threads) {
      counts.leased--;
      if (!thread.dead && idle.length < idleCap()) idle.push(thread);
      else {
        thread.terminate();
        counts.ended++;
      }
    }
    this.threads = [];
  }
}

/**
 * Multiply-adds per member below which a pass runs on one thread: a member's share must dwarf the
 * two barriers a step costs (a few microseconds when the others spin, tens when they sleep).
 */
export const MIN_WORK_PER_MEMBER = 2 ** 18;

let wholeTeam = false;

/**
 * For the tests and benchmarks: every pass on the whole team, however small the pass and however
 * busy the machine (the bit-identity tests need teams on small networks while other tests run).
 */
export function useWholeTeam(on: boolean): void {
  wholeTeam = on;
}

/**
 * How many members a pass of `rows` rows through `params` parameters runs on, in a team of `size`,
 * when `freeCores` cores are free.
 */
export function membersFor(size: number, rows: number, params: number, freeCores = Infinity): number {
  if (wholeTeam) return size;
  return Math.max(1, Math.min(size, Math.floor((rows * params) / MIN_WORK_PER_MEMBER), freeCores));
}

/** CPU time in ms: this process's, and all cores' busy time (Node only: os.cpus reads /proc/stat). */
interface CpuClock {
  own(): number;
  machine(): number;
  cores: number;
}

let clock: CpuClock | undefined;

async function nodeClock(): Promise<CpuClock> {
  const specifier = 'node:os';
  const os = (await import(/* @vite-ignore */ specifier)) as typeof import('node:os');
  return {
    own: () => {
      const { user, system } = process.cpuUsage();
      return (user + system) / 1000;
    },
    machine: () => os.cpus().reduce((sum, { times: t }) => sum + t.user + t.nice + t.sys + t.irq, 0),
    cores: os.availableParallelism(),
  };
}

/**
 * The cores other processes left this one over a run of work, where the host says (Node): the
 * machine's busy time less this process's, over the wall-clock time. A fit asks before each chunk of
 * epochs, so a team shrinks (to one thread: the same bits) while the machine is busy, and grows back.
 */
export class FreeCores {
  private wall = 0;
  private own = 0;
  private machine = 0;
  private free = Infinity;

  start(): void {
    if (!clock) return;
    this.wall = performance.now();
    this.own = clock.own();
    this.machine = clock.machine();
  }

  /** Ends the run started by start(); runs shorter than 50 ms say too little and are ignored. */
  stop(): void {
    if (!clock) return;
    const wall = performance.now() - this.wall;
    if (wall < 50) return;
    const others = Math.max(0, clock.machine() - this.machine - (clock.own() - this.own)) / wall;
    this.free = clock.cores - others;
  }

  /** Whether this host tells the machine's load (Node); a browser does not. */
  get measures(): boolean {
    return clock !== undefined;
  }

  /**
   * Cores free in the last run, rounded (Infinity before any, or where the host cannot say): a member
   * goes when other processes took half a core or more, since a team member that shares its core
   * makes every barrier wait for it.
   */
  get cores(): number {
    return Math.round(this.free);
  }
}

/**
 * Where the host cannot tell the machine's load (a browser), whether the team wins is measured: a
 * run of epochs on the team, then one on a single thread, then the faster, with the other measured
 * again every PROBE_EVERY runs (a page's other work comes and goes). The weights never depend on it.
 */
export class TeamProbe {
  /** Milliseconds per epoch, last measured, on the team and on one thread. */
  private teamMs = 0;
  private oneMs = 0;
  private runs = 0;

  /** Members for the next run, `wanted` being what the work would keep busy. */
  next(wanted: number): number {
    if (wholeTeam || this.teamMs === 0) return wanted;
    if (this.oneMs === 0) return 1;
    const best = this.teamMs <= this.oneMs ? wanted : 1;
    if (++this.runs % PROBE_EVERY !== 0) return best;
    return best === 1 ? wanted : 1; // measure the loser again
  }

  ran(members: number, msPerEpoch: number): void {
    if (members > 1) this.teamMs = msPerEpoch;
    else this.oneMs = msPerEpoch;
  }
}

/** Runs between two measurements of the setting not in use. */
const PROBE_EVERY = 8;
