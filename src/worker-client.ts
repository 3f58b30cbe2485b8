// The caller's side of fitAsync({ worker: true }): the network's training thread, started by its
// first such fit and kept for the next ones (with its engine, and a team's workers: starting threads
// costs tens of milliseconds each, never to be paid per fit); each fit sends the request, relays log
// lines and progress, forwards an abort, and returns the thread's final state.
import type { FitProgress } from './training.js';
import type { ErrorDetails, FinalState, FitRequest, HostMessage, WorkerMessage } from './worker-protocol.js';

interface Thread {
  post(message: HostMessage, transfer?: Transferable[]): void;
  /** Listens until unlisten(); while it listens, a Node thread keeps the process alive. */
  listen(onMessage: (message: WorkerMessage) => void, onError: (error: Error) => void): void;
  unlisten(): void;
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
      unlisten: () => {
        worker.onmessage = worker.onerror = worker.onmessageerror = null;
      },
      terminate: () => worker.terminate(),
    };
  }
  const specifier = 'node:worker_threads';
  const { Worker: NodeWorker } = (await import(/* @vite-ignore */ specifier)) as typeof import('node:worker_threads');
  const worker = new NodeWorker(new URL('./worker.js', import.meta.url));
  worker.unref(); // an idle training thread never keeps the process alive; a listening one does
  let off = (): void => {};
  return {
    post: (m, t) => worker.postMessage(m, t as never),
    listen: (onMessage, onError) => {
      const unreadable = (): void => onError(new Error('the training worker sent a message that could not be read'));
      const exit = (code: number): void =>
        onError(new Error(`the training worker exited (code ${code}) before it reported`));
      worker.on('message', onMessage).on('error', onError).on('messageerror', unreadable).on('exit', exit);
      off = () => {
        worker.off('message', onMessage).off('error', onError).off('messageerror', unreadable).off('exit', exit);
      };
    },
    unlisten: () => off(),
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
  /** The most members of the thread's team that ran a call (see WorkerMessage), when it finished. */
  members?: number;
}

/** A network's training thread: started by its first fit, kept for the next, ended by end() (dispose) or a failure. */
export class TrainingThread {
  private thread?: Promise<Thread>;
  /** The most members of the thread's team that ran a call, as its last finished fit reported (0: none yet). For the tests. */
  mostMembers = 0;

  /**
   * Trains on the thread; resolves with the final state, whether it finished, diverged, was aborted
   * or stopped because a callback threw. Rejects only when cancelled or when the thread fails: then
   * the thread is ended, and the next fit starts another.
   */
  async train(request: FitRequest, hooks: ThreadHooks): Promise<ThreadOutcome> {
    hooks.cancel?.throwIfAborted();
    const starting = (this.thread ??= startThread());
    let thread: Thread;
    try {
      thread = await starting;
    } catch (error) {
      this.thread = undefined;
      throw error;
    }
    try {
      const outcome = await trainOn(thread, request, hooks);
      if (outcome.members !== undefined) this.mostMembers = outcome.members;
      return outcome;
    } catch (error) {
      thread.terminate();
      if (this.thread === starting) this.thread = undefined;
      throw error;
    }
  }

  /** Ends the thread (and with it its engine's team), if it was started. */
  end(): void {
    void this.thread?.then(
      (thread) => thread.terminate(),
      () => {},
    );
    this.thread = undefined;
  }
}

/** One fit on a started thread. */
function trainOn(thread: Thread, request: FitRequest, hooks: ThreadHooks): Promise<ThreadOutcome> {
  return new Promise<ThreadOutcome>((resolve, reject) => {
    const abort = (): void => thread.post({ type: 'abort' });
    const cancel = (): void => {
      finish();
      reject(hooks.cancel?.reason);
    };
    const finish = (): void => {
      hooks.signal?.removeEventListener('abort', abort);
      hooks.cancel?.removeEventListener('abort', cancel);
      thread.unlisten();
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
            settle({ ok: true, state: message, members: message.members });
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
