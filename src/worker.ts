// The training thread of fitAsync({ worker: true }): a module Web Worker in browsers, a
// worker_threads Worker in Node. It receives the network's state and the data once, trains with
// the same engine and generator state as the caller's network, and posts back only log lines,
// progress (at most every PROGRESS_MS) and the final state.
import { createEngine } from './engines.js';
import { DivergenceError } from './errors.js';
import { runSliced, Training } from './training.js';
import type { FinalState, HostMessage, WorkerMessage } from './worker-protocol.js';

const PROGRESS_MS = 100;

interface Port {
  post(message: WorkerMessage, transfer?: Transferable[]): void;
  listen(handler: (message: HostMessage) => void): void;
}

async function connect(): Promise<Port> {
  const scope = globalThis as unknown as {
    WorkerGlobalScope?: unknown; postMessage(m: unknown, t?: Transferable[]): void; addEventListener(k: string, h: (e: MessageEvent) => void): void;
  };
  if (scope.WorkerGlobalScope !== undefined) {
    return { post: (m, t) => scope.postMessage(m, t), listen: (h) => scope.addEventListener('message', (e) => h(e.data as HostMessage)) };
  }
  const specifier = 'node:worker_threads'; // a variable, so that bundlers for the browser leave it alone
  const { parentPort } = (await import(/* @vite-ignore */ specifier)) as typeof import('node:worker_threads');
  if (!parentPort) throw new Error('src/worker.js must run as a worker');
  return {
    post: (m, t) => parentPort.postMessage(m, t as never),
    listen: (h) => parentPort.on('message', h),
  };
}

const controller = new AbortController();

// No top-level await: bundlers build workers as classic scripts by default (Vite: iife).
void connect().then((port) => port.listen(async (message) => {
  if (message.type === 'abort') {
    controller.abort();
    return;
  }
  const core = await createEngine(message.engine, message.shape);
  core.setUpdateRule(message.rule);
  core.setParams(message.params);
  core.setRngState(message.rng);
  core.setOptimizerState(message.optimizer);
  const packed = (r: { data: Float32Array; rows: number; cols: number }) => ({ ...r, form: 'typed' as const });
  const validation = message.validation && { x: packed(message.validation.x), t: packed(message.validation.t) };
  const run = new Training(core, packed(message.x), packed(message.t), { ...message.fit, log: (line) => port.post({ type: 'log', line }) },
    message.learningRate, validation, message.classify);
  const state = (): FinalState => ({ params: core.getParams(), rng: core.getRngState(), optimizer: core.getOptimizerState(), history: run.history() });
  let lastProgress = 0;
  try {
    await runSliced(run, message.fit.epochs, () => controller.signal.throwIfAborted(), (progress) => {
      const now = performance.now();
      if (now - lastProgress < PROGRESS_MS && progress.epoch < progress.epochs) return;
      lastProgress = now;
      port.post({ type: 'progress', ...progress });
    });
    const final = state();
    port.post({ type: 'done', ...final }, [final.params.buffer, final.rng.buffer]);
  } catch (error) {
    const final = state();
    const e = error as Error;
    port.post({
      type: 'failed', name: controller.signal.aborted ? 'AbortError' : e.name, message: e.message,
      epoch: error instanceof DivergenceError ? error.epoch : undefined, ...final,
    }, [final.params.buffer, final.rng.buffer]);
  }
}));
