// An application that installed backprop-wasm and imports it by name; Vite bundles it with its
// default configuration (the test links the package into node_modules).
import { NeuralNetwork } from 'backprop-wasm';
import { X, Y, xorReport } from '../pages/common.js';

try {
  const report = await xorReport(NeuralNetwork, 'wasm');
  const net = await NeuralNetwork.create({ layers: [2, 2, 1], alpha: 0.5, seed: 1 });
  await net.fitAsync(X, Y, { epochs: 20000, displayUpdate: 0, worker: true });
  window.result = { ...report, workerPredictions: net.predict(X).map((r) => r[0]) };
} catch (e) {
  window.result = { error: String((e && e.stack) || e) };
}
