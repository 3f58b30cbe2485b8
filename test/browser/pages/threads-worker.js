// A page's own module worker (isolated/threads.html and threads.html start it): a network created
// with two threads trains threadsReport's fixed run here, where a thread may wait.
import { NeuralNetwork } from '../../../dist/browser/backprop-wasm.js';
import { threadsReport } from './common.js';

try {
  postMessage(await threadsReport(NeuralNetwork, 2));
} catch (e) {
  postMessage({ error: String((e && e.stack) || e) });
}
