// A module Web Worker that imports the library and trains the seed's XOR inside itself.
import { NeuralNetwork } from '../../../dist/browser/backprop-wasm.js';
import { xorReport } from './common.js';

try {
  postMessage(await xorReport(NeuralNetwork, 'auto'));
} catch (e) {
  postMessage({ error: String((e && e.stack) || e) });
}
