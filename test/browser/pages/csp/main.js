// Served with script-src 'self' and no 'wasm-unsafe-eval': WebAssembly may not be compiled here,
// so engine 'auto' must fall back to the pure-TS engine, and 'wasm' must say why it cannot run.
import { NeuralNetwork } from '../../../../dist/browser/backprop-wasm.js';
import { xorReport } from '../common.js';

try {
  const report = await xorReport(NeuralNetwork, 'auto');
  const wasm = await NeuralNetwork.create({ layers: [2, 1], engine: 'wasm' }).then(
    () => 'created',
    (e) => `${e.name} (${e.option}): ${e.message}`,
  );
  window.result = { ...report, wasm };
} catch (e) {
  window.result = { error: String((e && e.stack) || e) };
}
