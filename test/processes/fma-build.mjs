// Run by test/fma.test.ts in a Node started with --experimental-wasm-relaxed-simd (Node 20 keeps
// relaxed SIMD behind that flag): the probe's answer, and the weights of a fixed training run with
// arithmetic 'fma' on 1 and 2 threads and with the portable build. (The FMA build's kernels are
// tested against their naive twins in test/kernels.test.ts.)
// Prints one JSON line.
import { createHash } from 'node:crypto';
import { NeuralNetwork } from '../../dist/src/index.js';
import { fmaAvailable } from '../../dist/src/wasm/module.js';
import { optdigits } from '../../dist/examples/datasets.js';

async function weights(arithmetic, threads) {
  const { X, y } = optdigits('train');
  const net = await NeuralNetwork.create({
    layers: [64, 48, 10],
    activation: 'relu',
    outputActivation: 'softmax',
    loss: 'crossEntropy',
    optimizer: 'adam',
    learningRate: 0.005,
    seed: 3,
    engine: 'wasm',
    arithmetic,
    threads,
  });
  net.fit(X, y, { epochs: 2, batchSize: 32, shuffle: true, displayUpdate: 0 });
  const w = Float32Array.from([...net.getWeights().weights.flat(2), ...net.getWeights().biases.flat()]);
  const result = {
    arithmetic: net.arithmetic,
    threads: net.threads,
    hash: createHash('sha256').update(Buffer.from(w.buffer)).digest('hex').slice(0, 16),
    values: Array.from(w.subarray(0, 2000)),
  };
  net.dispose();
  return result;
}

console.log(
  JSON.stringify({
    fmaAvailable: fmaAvailable(),
    fma1: await weights('fma', 1),
    fma2: await weights('fma', 2),
    portable: await weights('portable', 1),
  }),
);
