// Run under `ulimit -v` by test/robustness.test.ts: room for one wasm memory (each reserves about
// 10 GiB of address space) but not two, so re-planning into a second memory is refused by the host
// for real. Prints what happened as JSON.
import { MemoryError, NeuralNetwork } from '../../dist/src/index.js';

const net = await NeuralNetwork.create({
  layers: [1, 1000, 1],
  engine: 'wasm',
  seed: 8,
  activation: 'tanh',
  outputActivation: 'identity',
  learningRate: 0.001,
});
const X = Array.from({ length: 600 }, (_, i) => [i / 600 - 0.5]),
  Y = X.map(([v]) => [v * v]);
const state = () => JSON.stringify(net.toJSON({ trainingState: true }));
const before = state();
let error;
try {
  net.computeGradients(X, Y); // 600 rows: more than one 256-row pass, so a new, larger memory is needed
} catch (e) {
  error = { name: e.name, resource: e.resource, message: e.message };
}
const unchanged = state() === before;
// A second live network cannot have a memory either: creation is refused with the same typed error.
const second = await NeuralNetwork.create({ layers: [2, 2], engine: 'wasm' }).then(
  () => 'created',
  (e) => e.name,
);
// The training worker's own engine needs a memory too: refused there, it comes back as the same typed error.
const inWorker = await net.fitAsync(X.slice(0, 10), Y.slice(0, 10), { epochs: 1, displayUpdate: 0, worker: true }).then(
  () => 'trained',
  (e) => `${e.name} ${e.resource} ${e instanceof MemoryError}`,
);
const unchangedByWorker = state() === before;
// It keeps working within its plan: per-sample steps and predictions, as an untouched network would.
for (let i = 0; i < 20; i++) net.fitPartial(X[i], Y[i]);
console.log(
  JSON.stringify({
    error,
    unchanged,
    inWorker,
    unchangedByWorker,
    second,
    weights: net.getWeights(),
    predictions: net.predict(X.slice(0, 10)),
  }),
);
