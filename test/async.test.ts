// fitAsync: in slices on this thread, or in a worker thread, with the same results as fit.
// The worker case runs the built package (dist/), because the worker is started from its own file.
import { describe, expect, it } from 'vitest';
import { NeuralNetwork as Source } from '../src/index.js';
import { NeuralNetwork as Built } from '../dist/src/index.js';
import { ENGINES, randomMatrix } from './helpers.js';

const X = randomMatrix(300, 4, 1),
  Y = randomMatrix(300, 2, 2).map((r) => r.map((v) => (v > 0 ? 1 : 0)));
const options = { epochs: 60, batchSize: 16, shuffle: true, displayUpdate: 20 };
const create = (N: typeof Source | typeof Built, engine: 'wasm' | 'js') =>
  N.create({ layers: [4, 12, 2], activation: 'tanh', outputActivation: 'sigmoid', seed: 21, engine });

describe.each(ENGINES)('fitAsync (%s engine)', (engine) => {
  it('in slices on this thread: the same weights, history and log lines as fit, and progress between slices', async () => {
    const a = await create(Source, engine),
      b = await create(Source, engine);
    const linesA: string[] = [],
      linesB: string[] = [];
    const progress: number[] = [];
    const ha = a.fit(X, Y, { ...options, log: (l) => linesA.push(l) });
    const hb = await b.fitAsync(X, Y, {
      ...options,
      log: (l) => linesB.push(l),
      onProgress: (p) => progress.push(p.epoch),
    });
    expect(b.getWeights()).toEqual(a.getWeights());
    expect(hb).toEqual(ha);
    expect(linesB).toEqual(linesA);
    expect(progress.at(-1)).toBe(60);
    expect(progress.every((e, i) => i === 0 || e > progress[i - 1])).toBe(true);
  });

  it('an aborted signal rejects with its reason and keeps the epochs completed', async () => {
    const net = await create(Source, engine);
    const before = net.getWeights();
    const controller = new AbortController();
    const seen: number[] = [];
    const result = net.fitAsync(X, Y, {
      ...options,
      epochs: 100_000,
      displayUpdate: 0,
      signal: controller.signal,
      onProgress: (p) => {
        seen.push(p.epoch);
        if (p.epoch > 5) controller.abort(new Error('stop here'));
      },
    });
    await expect(result).rejects.toThrow('stop here');
    expect(seen.at(-1)).toBeLessThan(100_000);
    expect(net.getWeights()).not.toEqual(before);
    const aborted = new AbortController();
    aborted.abort();
    await expect(net.fitAsync(X, Y, { signal: aborted.signal })).rejects.toThrow();
  });

  it('in a worker thread: the same weights, history and log lines as fit, with few messages', async () => {
    const a = await create(Built, engine),
      b = await create(Built, engine);
    const linesA: string[] = [],
      linesB: string[] = [];
    const progress: number[] = [];
    const ha = a.fit(X, Y, { ...options, log: (l) => linesA.push(l) });
    const hb = await b.fitAsync(X, Y, {
      ...options,
      worker: true,
      log: (l) => linesB.push(l),
      onProgress: (p) => progress.push(p.epoch),
    });
    expect(b.getWeights()).toEqual(a.getWeights());
    expect(hb).toEqual(ha);
    expect(linesB).toEqual(linesA);
    expect(progress.length).toBeLessThan(60); // throttled: never one message per epoch, let alone per sample
    // Training continues from the worker's generator state: a second fit matches too.
    a.fit(X, Y, { ...options, displayUpdate: 0 });
    await b.fitAsync(X, Y, { ...options, displayUpdate: 0, worker: true });
    expect(b.getWeights()).toEqual(a.getWeights());
  });

  it('in a worker thread: abort keeps the completed epochs; onEpochEnd is refused', async () => {
    const net = await create(Built, engine);
    const before = net.getWeights();
    const controller = new AbortController();
    const result = net.fitAsync(X, Y, { epochs: 1_000_000, worker: true, displayUpdate: 0, signal: controller.signal });
    setTimeout(() => controller.abort(new Error('enough')), 300);
    await expect(result).rejects.toThrow('enough');
    expect(net.getWeights()).not.toEqual(before);
    await expect(net.fitAsync(X, Y, { worker: true, onEpochEnd: () => {} })).rejects.toThrow(
      /with worker: true use onProgress/,
    );
  });
});
