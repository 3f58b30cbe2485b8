// A page's own module worker: a network on two threads trains the fixed run of threadsReport.
import { NeuralNetwork } from '../../../../dist/browser/backprop-wasm.js';
import { threadsReport } from '../common.js';

try {
  postMessage(await threadsReport(NeuralNetwork, 2));
} catch (e) {
  postMessage({ error: String((e && e.stack) || e) });
}
