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
 * A fixed run big enough for a team of two to engage (a batch of 64 through 64-256-10: two members'
 * worth of work) with `threads`: its weights as hex, the threads the network says it runs on, and
 * how many members ran its last call (the engine's count, read through the bundle for this test).
 */
export async function threadsReport(NeuralNetwork, threads, worker = false) {
  const rows = 640;
  let state = 777;
  const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const X = Array.from({ length: rows }, () => Array.from({ length: 64 }, () => next()));
  const Y = X.map((x) => {
    const k = Math.floor(x[0] * 10) % 10;
    return Array.from({ length: 10 }, (_, i) => (i === k ? 1 : 0));
  });
  const net = await NeuralNetwork.create({
    layers: [64, 256, 10],
    activation: 'relu',
    outputActivation: 'softmax',
    loss: 'crossEntropy',
    optimizer: 'adam',
    learningRate: 0.005,
    seed: 21,
    engine: 'wasm',
    threads,
  });
  const fit = { epochs: 2, batchSize: 64, shuffle: true, displayUpdate: 0 };
  if (worker) await net.fitAsync(X, Y, { ...fit, worker: true });
  else net.fit(X, Y, fit);
  return {
    threads: net.threads,
    members: net.backend?.mostMembers ?? 1,
    isolated: globalThis.crossOriginIsolated === true,
    hex: weightsHex(net),
  };
}
