// What isolated/threads.html and threads.html run: threadsReport on two threads in the page's own
// worker, in fitAsync's worker, and on the page's main thread; window.result holds the three reports.
import { NeuralNetwork } from '../../../dist/browser/backprop-wasm.js';
import { threadsReport } from './common.js';

function inPageWorker() {
  const worker = new Worker(new URL('./threads-worker.js', import.meta.url), { type: 'module' });
  return new Promise((resolve, reject) => {
    worker.onmessage = (e) => {
      worker.terminate();
      if (e.data.error) reject(new Error(`in the page's worker: ${e.data.error}`));
      else resolve(e.data);
    };
    worker.onerror = (e) => reject(new Error(`the page's worker failed: ${e.message}`));
  });
}

try {
  window.result = {
    pageWorker: await inPageWorker(),
    fitAsyncWorker: await threadsReport(NeuralNetwork, 2, true),
    mainThread: await threadsReport(NeuralNetwork, 2),
  };
} catch (e) {
  window.result = { error: String((e && e.stack) || e) };
}
