// The playground's own module worker, where its threads run: a page's main thread may not wait, so a
// network created there runs on one thread whatever it asks for; here, in a cross-origin-isolated
// page, it runs on the threads it asks for, and `net.threads` says how many. Two messages:
// - { type: 'probe' }: what a network asking for threads: 'auto' gets here (net.threads);
// - { type: 'measure', threads, X, Y }: the same network and training on one thread and on `threads`,
//   epoch by epoch in turns (so that whatever else the machine does falls on both alike), timed;
//   answers with samples per second for each, and whether the two trained to the same bits.
import { NeuralNetwork } from '../../dist/browser/backprop-wasm.js';

/** The measured network: large enough that every step keeps several threads busy. */
const NETWORK = {
  layers: [64, 512, 256, 10],
  activation: 'relu',
  outputActivation: 'softmax',
  loss: 'crossEntropy',
  optimizer: 'adam',
  learningRate: 0.001,
  seed: 3,
  engine: 'wasm',
};
/** keepData: the training set stays in the network's memory from one epoch's fit to the next. */
const FIT = { epochs: 1, batchSize: 64, shuffle: true, displayUpdate: 0, keepData: true };
/**
 * Untimed epochs on each network first: the first fit copies the data in, and in a browser the first
 * two runs of a team measure it and one thread (src/wasm/team-host.ts TeamProbe), keeping the faster.
 */
const WARM_UP = 2;
/** Timed epochs on each network. */
const ROUNDS = 4;

async function probe() {
  const net = await NeuralNetwork.create({ layers: [2, 2, 1], threads: 'auto', engine: 'wasm' });
  const threads = net.threads;
  net.dispose();
  return { type: 'probe', threads, isolated: self.crossOriginIsolated === true };
}

/** Every weight and bias, as the bytes of their float32 values. */
function weightBytes(net) {
  const { weights, biases } = net.getWeights();
  return new Uint8Array(Float32Array.from([...weights.flat(2), ...biases.flat()]).buffer);
}

async function sha256(bytes) {
  if (!self.crypto?.subtle) return null; // only in a secure context (https, localhost, 127.0.0.1)
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

async function measure({ threads, X, Y }) {
  const [one, many] = await Promise.all([
    NeuralNetwork.create({ ...NETWORK, threads: 1 }),
    NeuralNetwork.create({ ...NETWORK, threads }),
  ]);
  try {
    const ms = { one: [], many: [] };
    for (let round = 1 - WARM_UP; round <= ROUNDS; round++) {
      // Alternate which goes first, so neither always follows the other's cache and clock state.
      for (const key of round % 2 ? ['many', 'one'] : ['one', 'many']) {
        const net = key === 'one' ? one : many;
        const started = performance.now();
        net.fit(X, Y, FIT);
        if (round > 0) ms[key].push(performance.now() - started);
      }
      postMessage({ type: 'progress', round: Math.max(0, round), rounds: ROUNDS });
    }
    const median = (list) => [...list].sort((a, b) => a - b)[list.length >> 1];
    const rate = (key) => X.rows / (median(ms[key]) / 1000);
    const [a, b] = [weightBytes(one), weightBytes(many)];
    return {
      type: 'measured',
      threads: many.threads,
      rows: X.rows,
      epochs: WARM_UP + ROUNDS,
      timed: ROUNDS,
      one: rate('one'),
      many: rate('many'),
      speedUp: rate('many') / rate('one'),
      sameBits: a.length === b.length && a.every((v, i) => v === b[i]),
      sha256: await sha256(b),
    };
  } finally {
    one.dispose();
    many.dispose();
  }
}

self.onmessage = async ({ data }) => {
  try {
    postMessage(data.type === 'probe' ? await probe() : await measure(data));
  } catch (e) {
    postMessage({ type: 'error', message: String((e && e.stack) || e) });
  }
};
