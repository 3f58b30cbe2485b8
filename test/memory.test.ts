// The wasm engine's memory: planned up front, never grown (views never detach), re-planned into a
// new memory when a fit needs more room, and released with the network.
import { describe, expect, it } from 'vitest';
import { NeuralNetwork } from '../src/index.js';
import type { WasmEngine } from '../src/wasm/engine.js';
import { randomMatrix } from './helpers.js';

const engineOf = (net: NeuralNetwork): WasmEngine => (net as unknown as { backend: WasmEngine }).backend;
const weightsOf = (net: NeuralNetwork): number[] => [
  ...net.getWeights().weights.flat(2),
  ...net.getWeights().biases.flat(),
];

describe('wasm memory', () => {
  const small = { X: randomMatrix(8, 6, 1), Y: randomMatrix(8, 3, 2).map((r) => r.map((v) => (v > 0 ? 1 : 0))) };
  const large = { X: randomMatrix(5000, 6, 3), Y: randomMatrix(5000, 3, 4).map((r) => r.map((v) => (v > 0 ? 1 : 0))) };
  const options = { layers: [6, 16, 3], seed: 11, engine: 'wasm' as const };

  it('a growing training set re-plans into a new memory and carries weights, generator and data over', async () => {
    const grown = await NeuralNetwork.create(options);
    const planned = await NeuralNetwork.create(options);
    engineOf(planned).reserve(300, 5000); // the big plan from the start: no re-plan later
    const firstMemory = engineOf(grown).memory;
    const firstBytes = firstMemory.buffer.byteLength;
    for (const net of [grown, planned]) {
      net.fit(small.X, small.Y, { epochs: 3, shuffle: true, displayUpdate: 0 });
      net.fit(large.X, large.Y, { epochs: 2, batchSize: 300, shuffle: true, displayUpdate: 0 });
      net.fitPartial(large.X.slice(0, 700), large.Y.slice(0, 700)); // more rows than one pass held
      net.fit(small.X, small.Y, { epochs: 2, shuffle: true, displayUpdate: 0 });
    }
    expect(engineOf(grown).memory).not.toBe(firstMemory);
    expect(firstMemory.buffer.byteLength).toBe(firstBytes); // the old memory was replaced, not grown: nothing detached
    expect(weightsOf(grown)).toEqual(weightsOf(planned));
    expect(grown.predict(large.X.slice(0, 50))).toEqual(planned.predict(large.X.slice(0, 50)));
  });

  it('memory is created at its planned size and cannot grow, so no view can detach', async () => {
    const net = await NeuralNetwork.create(options);
    net.fit(large.X, large.Y, { epochs: 1, batchSize: 64, displayUpdate: 0, keepData: true });
    const memory = engineOf(net).memory;
    const bytes = memory.buffer.byteLength;
    expect(() => memory.grow(1)).toThrow(RangeError);
    net.fit(large.X, large.Y, { epochs: 1, batchSize: 64, displayUpdate: 0, keepData: true });
    net.predict(large.X);
    expect(engineOf(net).memory).toBe(memory);
    expect(memory.buffer.byteLength).toBe(bytes);
  });

  it('fit gives a training set of 1 MiB or more back when it returns, unless keepData asks to keep it; a small one stays', async () => {
    const big = { X: randomMatrix(30_000, 6, 7), Y: randomMatrix(30_000, 3, 8) }; // 30,000 × (6 + 3 + 1) × 4 bytes = 1.2 MB
    const released = await NeuralNetwork.create(options),
      kept = await NeuralNetwork.create(options);
    const empty = engineOf(released).memory.buffer.byteLength;
    released.fit(big.X, big.Y, { epochs: 1, batchSize: 64, displayUpdate: 0 });
    kept.fit(big.X, big.Y, { epochs: 1, batchSize: 64, displayUpdate: 0, keepData: true });
    expect(engineOf(released).plan.dataRows).toBe(0);
    expect(engineOf(released).memory.buffer.byteLength).toBe(empty);
    expect(engineOf(kept).plan.dataRows).toBe(30_000);
    expect(engineOf(kept).memory.buffer.byteLength).toBeGreaterThan(empty + 30_000 * 10 * 4 - 65536); // whole pages either way
    // Releasing moved nothing that matters: both trained alike, and train on alike.
    expect(weightsOf(released)).toEqual(weightsOf(kept));
    for (const net of [released, kept])
      net.fit(big.X, big.Y, { epochs: 1, batchSize: 64, shuffle: true, displayUpdate: 0 });
    expect(weightsOf(released)).toEqual(weightsOf(kept));
    // 5,000 rows are 200 kB: kept, so a loop of short fits does not replace the memory every time.
    released.fit(large.X, large.Y, { epochs: 1, batchSize: 64, displayUpdate: 0 });
    const memory = engineOf(released).memory;
    released.fit(large.X, large.Y, { epochs: 1, batchSize: 64, displayUpdate: 0 });
    expect(engineOf(released).memory).toBe(memory);
  });

  it('a detached view reads undefined and drops writes: the hazard the fixed-size memory avoids', () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 2 });
    const view = new Float32Array(memory.buffer);
    view[0] = 1;
    memory.grow(1);
    view[0] = 2;
    expect(view.length).toBe(0);
    expect(view[0]).toBeUndefined();
    expect(new Float32Array(memory.buffer)[0]).toBe(1);
  });

  it('1,000 create/fit/predict/dispose cycles do not grow the process without bound', async () => {
    const X = randomMatrix(1000, 64, 5),
      Y = randomMatrix(1000, 10, 6);
    const cycle = async (): Promise<void> => {
      const net = await NeuralNetwork.create({ layers: [64, 64, 10], engine: 'wasm', seed: 1 });
      net.fit(X, Y, { epochs: 1, batchSize: 32, displayUpdate: 0 });
      net.predict(X);
      net.dispose();
    };
    for (let i = 0; i < 100; i++) await cycle();
    const before = process.memoryUsage().rss;
    for (let i = 0; i < 1000; i++) await cycle();
    const grown = process.memoryUsage().rss - before;
    // Each network's arena is about 600 KiB: 1,000 leaked ones would add about 600 MiB.
    expect(grown).toBeLessThan(150 * 1024 * 1024);
  });
});
