// The training thread of fitAsync({ worker: true }): a module Web Worker in browsers, a
// worker_threads Worker in Node. For each fit it receives the network's state and the data once,
// trains with the same engine and generator state as the caller's network, and posts back only log
// lines, progress (at most every PROGRESS_MS) and the final state. It serves every worker fit of its
// network, keeping its engine (and a team's workers) from one to the next while the network's shape
// and settings stay the same.
import { createEngine } from './create-engine.js';
import type { TypedMatrix } from './data.js';
import type { Engine } from './engine.js';
import { runSliced, Training } from './training.js';
import type { FinalState, FitRequest, HostMessage, WorkerMessage } from './worker-protocol.js';

const PROGRESS_MS = 100;

interface Port {
  post(message: WorkerMessage, transfer?: Transferable[]): void;
  listen(handler: (message: HostMessage) => void): void;
}

async function connect(): Promise<Port> {
  const scope = globalThis as unknown as {
    WorkerGlobalScope?: unknown;
    postMessage(m: unknown, t?: Transferable[]): void;
    addEventListener(k: string, h: (e: MessageEvent) => void): void;
  };
  if (scope.WorkerGlobalScope !== undefined) {
    return {
      post: (m, t) => scope.postMessage(m, t),
      listen: (h) => scope.addEventListener('message', (e) => h(e.data as HostMessage)),
    };
  }
  const specifier = 'node:worker_threads'; // a variable, so that bundlers for the browser leave it alone
  const { parentPort } = (await import(/* @vite-ignore */ specifier)) as typeof import('node:worker_threads');
  if (!parentPort) throw new Error('src/worker.js must run as a worker');
  return {
    post: (m, t) => parentPort.postMessage(m, t as never),
    listen: (h) => parentPort.on('message', h),
  };
}

/** The fit in progress's abort. */
let controller = new AbortController();

/** The engine of the last fit, and what it was made for: the next fit reuses it when that is the same. */
let kept: { engine: Engine; made: string } | undefined;

/** The engine for this fit: the last one when it was made for the same network and settings, else a new one. */
async function engineFor(message: FitRequest): Promise<Engine> {
  const made = JSON.stringify([message.engine, message.shape, message.threads, message.arithmetic]);
  if (kept?.made === made) return kept.engine;
  kept?.engine.dispose();
  kept = undefined;
  const engine = await createEngine(message.engine, message.shape, message.threads, message.arithmetic);
  kept = { engine, made };
  return engine;
}

// No top-level await: bundlers build workers as classic scripts by default (Vite: iife).
void connect().then((port) =>
  port.listen(async (message) => {
    if (message.type === 'abort') {
      controller.abort();
      return;
    }
    controller = new AbortController();
    let run: Training | undefined;
    let engine: Engine | undefined;
    // Before a run exists (the engine could not be made, the data not loaded) the state is the one received.
    const state = (): FinalState =>
      engine && run
        ? {
            params: engine.getParams(),
            rng: engine.getRngState(),
            optimizer: engine.getOptimizerState(),
            history: run.history(),
          }
        : { params: message.params, rng: message.rng, optimizer: message.optimizer, history: { epochs: 0, loss: [] } };
    let lastProgress = 0;
    try {
      engine = await engineFor(message);
      engine.limitThreads(message.fit.threads);
      engine.setUpdateRule(message.rule);
      engine.setParams(message.params);
      engine.setRngState(message.rng);
      engine.setOptimizerState(message.optimizer);
      const packed = (r: TypedMatrix) => ({ ...r, form: 'typed' as const });
      const validation = message.validation && { x: packed(message.validation.x), t: packed(message.validation.t) };
      run = new Training(
        engine,
        packed(message.x),
        packed(message.t),
        { ...message.fit, log: (line) => port.post({ type: 'log', line }) },
        validation,
        message.rule.classify,
      );
      await runSliced(
        run,
        message.fit.epochs,
        () => controller.signal.throwIfAborted(),
        (progress) => {
          const now = performance.now();
          if (now - lastProgress < PROGRESS_MS && progress.epoch < progress.epochs) return;
          lastProgress = now;
          port.post({ type: 'progress', ...progress });
        },
      );
      const final = state();
      const members = (engine as { mostMembers?: number }).mostMembers ?? 1;
      port.post({ type: 'done', members, ...final }, [final.params.buffer, final.rng.buffer]);
    } catch (error) {
      // Everything a typed error carries crosses, so that the caller can throw the same error.
      const final = state();
      const { name, message: text, epoch, option, resource, bytes, limit } = error as Record<string, never>;
      port.post(
        {
          type: 'failed',
          name: controller.signal.aborted ? 'AbortError' : String(name),
          message: String(text),
          details: { epoch, option, resource, bytes, limit },
          ...final,
        },
        [final.params.buffer, final.rng.buffer],
      );
    } finally {
      // As a fit on the caller's side ends: the training set's copy goes unless kept, and the thread limit with the fit.
      engine?.limitThreads(undefined);
      if (!message.fit.keepData) engine?.releaseData();
    }
  }),
);
