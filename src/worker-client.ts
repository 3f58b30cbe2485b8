// The caller's side of fitAsync({ worker: true }): starts the training thread, sends the request,
// relays log lines and progress, forwards an abort, and returns the thread's final state.
import type { FitProgress } from './training.js';
import type { ErrorDetails, FinalState, FitRequest, HostMessage, WorkerMessage } from './worker-protocol.js';

interface Thread {
  post(message: HostMessage, transfer?: Transferable[]): void;
  listen(onMessage: (message: WorkerMessage) => void, onError: (error: Error) => void): void;
  terminate(): void;
}

/** A module Web Worker where the host has one (browsers, workers), else a worker_threads Worker (Node). */
async function startThread(): Promise<Thread> {
  if (typeof globalThis.Worker === 'function') {
    // Written out in full so that bundlers (Vite, webpack) see and bundle the worker.
    const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    return {
      post: (m, t) => worker.postMessage(m, t ?? []),
      listen: (onMessage, onError) => {
        worker.onmessage = (e: MessageEvent) => onMessage(e.data as WorkerMessage);
        worker.onerror = (e: ErrorEvent) => onError(new Error(`the training worker failed: ${e.message}`));
        worker.onmessageerror = () => onError(new Error('the training worker sent a message that could not be read'));
      },
      terminate: () => worker.terminate(),
    };
  }
  const specifier = 'node:worker_threads';
  const { Worker: NodeWorker } = (await import(/* @vite-ignore */ specifier)) as typeof import('node:worker_threads');
  const worker = new NodeWorker(new URL('./worker.js', import.meta.url));
  worker.unref();
  return {
    post: (m, t) => worker.postMessage(m, t as never),
    listen: (onMessage, onError) => {
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('messageerror', () => onError(new Error('the training worker sent a message that could not be read')));
      worker.on('exit', (code) => onError(new Error(`the training worker exited (code ${code}) before it reported`)));
    },
    terminate: () => {
      void worker.terminate();
    },
  };
}

export interface ThreadHooks {
  /** Asks the thread to stop after its current slice; it still reports its state. */
  signal?: AbortSignal;
  /** Stops at once: terminates the thread and rejects with the abort's reason. */
  cancel?: AbortSignal;
  log: (line: string) => void;
  onProgress?: (progress: FitProgress) => void;
}

export interface ThreadOutcome {
  ok: boolean;
  state: FinalState;
  /** How training ended when not ok: the error's name, message and typed fields. */
  name?: string;
  message?: string;
  details?: ErrorDetails;
  /** What the caller's log or onProgress threw: the thread was asked to stop when it did. */
  callbackError?: unknown;
}

/**
 * Trains in a thread of its own; resolves with the final state, whether it finished, diverged, was
 * aborted or stopped because a callback threw. Rejects only when cancelled or when the thread fails.
 */
export async function trainInThread(request: FitRequest, hooks: ThreadHooks): Promise<ThreadOutcome> {
  hooks.cancel?.throwIfAborted();
  const thread = await startThread();
  return new Promise<ThreadOutcome>((resolve, reject) => {
    const abort = (): void => thread.post({ type: 'abort' });
    const cancel = (): void => {
      finish();
      reject(hooks.cancel?.reason);
    };
    const finish = (): void => {
      hooks.signal?.removeEventListener('abort', abort);
      hooks.cancel?.removeEventListener('abort', cancel);
      thread.terminate();
    };
    let callbackError: { error: unknown } | undefined;
    /** Runs a caller's callback; the first one to throw stops training, and later messages reach no callback. */
    const call = (callback: () => void): void => {
      if (callbackError) return;
      try {
        callback();
      } catch (error) {
        callbackError = { error };
        abort();
      }
    };
    const settle = (outcome: ThreadOutcome): void => {
      finish();
      resolve(callbackError ? { ...outcome, ok: false, callbackError: callbackError.error } : outcome);
    };
    thread.listen(
      (message) => {
        switch (message.type) {
          case 'log':
            call(() => hooks.log(message.line));
            break;
          case 'progress':
            call(() => hooks.onProgress?.({ epoch: message.epoch, epochs: message.epochs, loss: message.loss }));
            break;
          case 'done':
            settle({ ok: true, state: message });
            break;
          case 'failed':
            settle({
              ok: false,
              state: message,
              name: message.name,
              message: message.message,
              details: message.details,
            });
            break;
        }
      },
      (error) => {
        finish();
        reject(error);
      },
    );
    hooks.signal?.addEventListener('abort', abort, { once: true });
    hooks.cancel?.addEventListener('abort', cancel, { once: true });
    thread.post(request, [request.x.data.buffer, request.t.data.buffer]);
    // Either may have fired while the thread was starting, before anyone listened.
    if (hooks.cancel?.aborted) cancel();
    else if (hooks.signal?.aborted) abort();
  });
}
