// Times one workload for one peer library (brain, tfjs-cpu, tfjs-wasm) in a process of its own,
// from the same input files, initial weights and timing code as our own contenders.
// Plain JavaScript: the peers are installed only by `npm run bench:peers`, so nothing in the
// type-checked tree may import them.
import brain from 'brain.js';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { checkInput, readInputs } from '../../dist/bench/inputs.js';
import { timeAndReport } from '../../dist/bench/measure.js';
import { epochsPerCall } from '../../dist/bench/workloads.js';

const [id, contender] = process.argv.slice(2);
const inputs = readInputs(id);
const { workload, rows, weights } = inputs;
const { layers } = workload;
const C = layers[0],
  OC = layers[layers.length - 1];
const epochs = epochsPerCall(workload, contender);

/** brain.js: per-sample gradient descent with sigmoid units and MSE, its only training mode. */
async function brainContender() {
  if (
    workload.batchSize !== 1 ||
    workload.loss !== 'mse' ||
    workload.activation !== 'sigmoid' ||
    workload.outputActivation !== 'sigmoid'
  ) {
    throw new Error(`brain.js cannot express ${id}`);
  }
  const net = new brain.NeuralNetwork({ hiddenLayers: layers.slice(1, -1), activation: 'sigmoid' });
  net.sizes = layers;
  net.initialize();
  weights.weights.forEach((W, l) =>
    W.forEach((row, j) => {
      net.weights[l + 1][j].set(row);
    }),
  );
  weights.biases.forEach((b, l) => net.biases[l + 1].set(b));
  // Plain arrays: brain.js takes anything else for a hash of named inputs.
  const data = Array.from({ length: rows.rows }, (_, r) => ({
    input: Array.from(rows.x.subarray(r * C, (r + 1) * C)),
    output: Array.from(rows.y.subarray(r * OC, (r + 1) * OC)),
  }));
  // brain.js refuses momentum 0 and an error threshold of 0: tiny positive values make its update
  // plain gradient descent and keep it training for exactly the iterations asked.
  const train = (iterations) => () =>
    net.train(data, {
      iterations,
      errorThresh: 1e-12,
      learningRate: workload.learningRate,
      momentum: 1e-12,
      log: false,
    });
  train(workload.checkEpochs)();
  const check = checkInput(inputs);
  const predictions = [];
  for (let r = 0; r < check.rows; r++)
    predictions.push(...net.run(Array.from(check.data.subarray(r * C, (r + 1) * C))));
  return { call: train(epochs), predictions, notes: 'momentum 1e-12 and errorThresh 1e-12: brain.js refuses 0' };
}

/** TensorFlow.js layers on the cpu or wasm backend, single-threaded. */
async function tfjsContender(backend) {
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  await tf.setBackend(backend);
  await tf.ready();
  const activation = (a) => (a === 'identity' ? 'linear' : a);
  const model = tf.sequential();
  weights.weights.forEach((W, l) => {
    model.add(
      tf.layers.dense({
        units: layers[l + 1],
        inputShape: l === 0 ? [C] : undefined,
        activation: activation(l === weights.weights.length - 1 ? workload.outputActivation : workload.activation),
      }),
    );
    const kernel = new Float32Array(layers[l] * layers[l + 1]); // tfjs keeps W as in × out
    W.forEach((row, j) =>
      row.forEach((w, i) => {
        kernel[i * layers[l + 1] + j] = w;
      }),
    );
    model.layers[l].setWeights([tf.tensor2d(kernel, [layers[l], layers[l + 1]]), tf.tensor1d(weights.biases[l])]);
  });
  // tfjs's meanSquaredError is the mean over outputs of (ŷ − y)²; ours is ½·Σ: the same gradient at rate × outputs/2.
  const mse = workload.loss === 'mse';
  const rate = mse ? workload.learningRate * (OC / 2) : workload.learningRate;
  model.compile({ optimizer: tf.train.sgd(rate), loss: mse ? 'meanSquaredError' : 'categoricalCrossentropy' });
  const x = tf.tensor2d(rows.x, [rows.rows, C]),
    y = tf.tensor2d(rows.y, [rows.rows, OC]);
  const train = (n) => async () => {
    await model.fit(x, y, { epochs: n, batchSize: workload.batchSize, shuffle: false, verbose: 0 });
  };
  if (workload.checkEpochs > 0) await train(workload.checkEpochs)();
  const check = checkInput(inputs);
  const predictions = tf.tidy(() => model.predict(tf.tensor2d(check.data, [check.rows, C])).dataSync());
  // All rows in one batch: tfjs-wasm was fastest so (here 2.1k rows/s at its default 32, 11k at 256, 25k at 10,000).
  const predict = () => {
    tf.tidy(() => model.predict(x, { batchSize: rows.rows }).dataSync());
  };
  return {
    call: workload.kind === 'predict' ? predict : train(epochs),
    predictions: Array.from(predictions),
    notes: `backend ${tf.getBackend()}, one thread${mse ? `, learning rate × ${OC}/2 for its mean-over-outputs MSE` : ''}`,
  };
}

const { call, predictions, notes } =
  contender === 'brain'
    ? await brainContender()
    : contender === 'tfjs-cpu'
      ? await tfjsContender('cpu')
      : contender === 'tfjs-wasm'
        ? await tfjsContender('wasm')
        : (() => {
            throw new Error('usage: worker.mjs <workload> <brain|tfjs-cpu|tfjs-wasm>');
          })();
await timeAndReport(inputs, contender, call, predictions, notes);
