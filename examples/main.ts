// The main job (`npm start`): the seed's XOR example, then a digit classifier trained on the
// shipped optdigits data, on the default engine, printing loss lines, accuracy and time.
import { NeuralNetwork } from '../src/index.js';
import { accuracy, argmax, optdigits } from './datasets.js';

const seconds = (start: number): string => `${((performance.now() - start) / 1000).toFixed(2)} s`;

async function xor(): Promise<void> {
  const X = [
    [0, 0],
    [0, 1],
    [1, 0],
    [1, 1],
  ];
  const y = [[0], [1], [1], [0]];
  const net = await NeuralNetwork.create({ layers: [2, 2, 1], alpha: 0.5, seed: 1 });
  console.log(`${net} (engine ${net.engine}, seed ${net.seed}): XOR, one update per sample`);
  const start = performance.now();
  net.fit(X, y, { epochs: 20000, displayUpdate: 2000 });
  console.log(`[INFO] trained 20,000 epochs in ${seconds(start)}`);
  const predictions = net.predict(X);
  X.forEach((x, i) => {
    const p = predictions[i][0];
    console.log(`[INFO] data=[${x.join(' ')}], ground-truth=${y[i][0]}, pred=${p.toFixed(4)}, step=${p > 0.5 ? 1 : 0}`);
  });
}

async function digits(): Promise<void> {
  const train = optdigits('train');
  const test = optdigits('test');
  const net = await NeuralNetwork.create({
    layers: [64, 32, 10],
    activation: 'tanh',
    outputActivation: 'softmax',
    loss: 'crossEntropy',
    learningRate: 0.1,
    seed: 1,
  });
  console.log(`\n${net} (engine ${net.engine}): optdigits, ${train.X.length} training images, mini-batches of 16`);
  const start = performance.now();
  net.fit(train.X, train.y, { epochs: 40, batchSize: 16, shuffle: true, displayUpdate: 5 });
  const time = seconds(start);
  const trainAccuracy = accuracy(argmax(net.predict(train.X)), train.labels);
  const testAccuracy = accuracy(argmax(net.predict(test.X)), test.labels);
  console.log(`[INFO] trained 40 epochs in ${time}`);
  console.log(
    `[INFO] accuracy: train ${(trainAccuracy * 100).toFixed(2)}%, test ${(testAccuracy * 100).toFixed(2)}% (${test.X.length} test images)`,
  );
}

await xor();
await digits();
