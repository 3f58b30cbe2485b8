// What the browser test pages share: the seed's XOR run, and the weights as hex (bit-exact).
export const X = [
  [0, 0],
  [0, 1],
  [1, 0],
  [1, 1],
];
export const Y = [[0], [1], [1], [0]];

/** Every weight and bias as the hex of its float32 bits: equal strings mean bit-identical weights. */
export function weightsHex(net) {
  const { weights, biases } = net.getWeights();
  const bytes = new Uint8Array(Float32Array.from([...weights.flat(2), ...biases.flat()]).buffer);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Trains the seed's XOR, and a shuffled mini-batch run that exercises the generator, on `engine`. */
export async function xorReport(NeuralNetwork, engine) {
  const net = await NeuralNetwork.create({ layers: [2, 2, 1], alpha: 0.5, seed: 1, engine });
  net.fit(X, Y, { epochs: 20000, displayUpdate: 0 });
  const shuffled = await NeuralNetwork.create({ layers: [2, 5, 3, 1], activation: 'tanh', seed: 77, engine });
  shuffled.fit(X, Y, { epochs: 300, batchSize: 3, shuffle: true, displayUpdate: 0 });
  return {
    engine: net.engine,
    predictions: net.predict(X).map((r) => r[0]),
    xorHex: weightsHex(net),
    shuffledHex: weightsHex(shuffled),
  };
}

/**
 * A fixed run with every matrix-product path of the core (widths with SIMD blocks and tails, a batch
 * with rows left over, Adam, softmax and cross-entropy) on `arithmetic`: by fit, and by fitAsync in a
 * worker. The data come from integer arithmetic, so the page and Node train on the same floats.
 */
export async function arithmeticReport(NeuralNetwork, arithmetic) {
  const rows = 203;
  let state = 12345;
  const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const X = Array.from({ length: rows }, () => Array.from({ length: 21 }, () => next() * 2 - 1));
  const Y = X.map((x) => {
    const k = (x[0] + x[1] > 0 ? 2 : 0) + (x[2] * x[3] > 0 ? 1 : 0);
    return [0, 1, 2, 3].map((i) => (i === k ? 1 : 0));
  });
  const options = {
    layers: [21, 24, 12, 4],
    activation: 'relu',
    outputActivation: 'softmax',
    loss: 'crossEntropy',
    optimizer: 'adam',
    learningRate: 0.01,
    seed: 9,
    engine: 'wasm',
    arithmetic,
  };
  const fit = { epochs: 3, batchSize: 13, shuffle: true, displayUpdate: 0 };
  const [net, inWorker] = await Promise.all([1, 2].map(() => NeuralNetwork.create(options)));
  net.fit(X, Y, fit);
  await inWorker.fitAsync(X, Y, { ...fit, worker: true });
  const { weights, biases } = net.getWeights();
  return {
    arithmetic: net.arithmetic,
    workerArithmetic: inWorker.arithmetic,
    hex: weightsHex(net),
    workerHex: weightsHex(inWorker),
    values: [...weights.flat(2), ...biases.flat()],
  };
}

/**
 * The first `rows` rows of optdigits' training set (data/optdigits-train.csv): 64 pixel counts / 16
 * and the one-hot digit. Fetched in a page or a worker, read from the file in Node.
 */
export async function optdigitsRows(rows) {
  const url = new URL('../../../data/optdigits-train.csv', import.meta.url);
  let text;
  if (url.protocol === 'file:') {
    const { readFile } = await import('node:fs/promises');
    text = await readFile(url, 'utf8');
  } else {
    text = await (await fetch(url)).text();
  }
  const lines = text
    .trim()
    .split('\n')
    .slice(0, rows)
    .map((line) => line.split(',').map(Number));
  return {
    X: lines.map((r) => r.slice(0, 64).map((v) => v / 16)),
    Y: lines.map((r) => Array.from({ length: 10 }, (_, k) => (k === r[64] ? 1 : 0))),
  };
}

/** The network and fit of threadsReport: big enough for a team of two to engage. */
export const THREADS_RUN = {
  rows: 1024,
  network: {
    layers: [64, 256, 128, 10],
    activation: 'relu',
    outputActivation: 'softmax',
    loss: 'crossEntropy',
    optimizer: 'adam',
    learningRate: 0.001,
    seed: 21,
    engine: 'wasm',
  },
  fit: { epochs: 2, batchSize: 64, shuffle: true, displayUpdate: 0 },
};

/**
 * A fixed run on optdigits big enough for a team of two to engage (a batch of 64 through
 * 64-256-128-10, 50,826 parameters: 3.3 million multiply-adds a pass, twelve members' worth of
 * src/wasm/team-host.ts's MIN_WORK_PER_MEMBER) on a network created with `threads`, trained by fit,
 * or by fitAsync in its worker (`worker`). Reports the weights as hex, the threads the network says
 * it runs on, where it ran, and the most members of a team that ran a call: the engine's count
 * (mostMembers) where the network trains, the training thread's report of its engine's for a worker
 * fit (both read through private fields, for this test only). The most, not the last: where a
 * browser cannot tell the machine's load, the engine measures a run on one thread too (TeamProbe).
 */
export async function threadsReport(NeuralNetwork, threads, worker = false) {
  const { X, Y } = await optdigitsRows(THREADS_RUN.rows);
  const net = await NeuralNetwork.create({ ...THREADS_RUN.network, threads });
  if (worker) await net.fitAsync(X, Y, { ...THREADS_RUN.fit, worker: true });
  else net.fit(X, Y, THREADS_RUN.fit);
  const report = {
    threads: net.threads,
    members: worker ? (net.thread?.mostMembers ?? null) : (net.backend?.mostMembers ?? null),
    isolated: globalThis.crossOriginIsolated === true,
    inWorker: typeof globalThis.WorkerGlobalScope === 'function',
    hex: weightsHex(net),
  };
  net.dispose();
  return report;
}
