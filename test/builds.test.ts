// The builds of the core agree: the release build the package ships gives bit-identical weights
// to the debug build the tests run (the optimiser never reorders float arithmetic), and the
// scalar build agrees within summation-order tolerance.
import { afterAll, describe, expect, it } from 'vitest';
import { NeuralNetwork } from '../src/index.js';
import { useCoreBytes } from '../src/wasm/module.js';
import { optdigits } from '../examples/datasets.js';
import { coreBytes, type Build } from './core.js';

async function trainedWith(build: Build): Promise<number[]> {
  useCoreBytes(coreBytes(build));
  const { X, y } = optdigits('train');
  const net = await NeuralNetwork.create({
    layers: [64, 20, 10],
    activation: 'tanh',
    outputActivation: 'softmax',
    loss: 'crossEntropy',
    seed: 4,
    engine: 'wasm',
  });
  net.fit(X.slice(0, 600), y.slice(0, 600), { epochs: 3, batchSize: 7, shuffle: true, displayUpdate: 0 });
  net.fitPartial(X[0], y[0]);
  const w = net.getWeights();
  return [...w.weights.flat(2), ...w.biases.flat()];
}

describe('core builds', () => {
  afterAll(() => useCoreBytes(coreBytes('debug')));

  it('release and debug builds train to bit-identical weights', async () => {
    expect(await trainedWith('release')).toEqual(await trainedWith('debug'));
  });

  it('the scalar build agrees with the SIMD build within 1e-4', async () => {
    const simd = await trainedWith('release'),
      scalar = await trainedWith('scalar');
    expect(scalar).not.toEqual(simd); // they really are different code paths
    expect(Math.max(...scalar.map((v, i) => Math.abs(v - simd[i])))).toBeLessThan(1e-4);
  });
});
