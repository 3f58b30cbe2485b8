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
