// The opt-in FMA build (arithmetic: 'fma'): chosen only where the probe shows relaxed_madd is fused,
// its kernels within rounding of their naive twins (test/kernels.test.ts), and its weights the same bits on 1 and 2 threads,
// different from the portable build's but within a stated tolerance of them. Node 20 keeps relaxed
// SIMD behind --experimental-wasm-relaxed-simd: this process runs without it (the probe must say
// no), a child process with it (the probe must say yes: this machine's CPU fuses).
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { NeuralNetwork, ValueError } from '../src/index.js';
import { fmaAvailable } from '../src/wasm/module.js';
import { optdigits } from '../examples/datasets.js';

interface Weights {
  arithmetic: string;
  threads: number;
  hash: string;
  values: number[];
}

/** What test/processes/fma-build.mjs reports from a Node with relaxed SIMD on. */
function withRelaxedSimd(): {
  fmaAvailable: boolean;
  fma1: Weights;
  fma2: Weights;
  portable: Weights;
} {
  const script = new URL('./processes/fma-build.mjs', import.meta.url).pathname;
  const output = execFileSync(process.execPath, ['--experimental-wasm-relaxed-simd', script], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return JSON.parse(output.trim().split('\n').pop()!);
}

describe("arithmetic: 'fma'", () => {
  it('without relaxed SIMD (Node 20 unflagged) the probe says no, and the portable build runs with its bits', async () => {
    expect(fmaAvailable()).toBe(false);
    const { X, y } = optdigits('train');
    const options = { layers: [64, 16, 10], activation: 'relu' as const, seed: 2, engine: 'wasm' as const };
    const fma = await NeuralNetwork.create({ ...options, arithmetic: 'fma' });
    const portable = await NeuralNetwork.create(options);
    expect(fma.arithmetic).toBe('portable');
    expect(portable.arithmetic).toBe('portable');
    for (const net of [fma, portable])
      net.fit(X.slice(0, 500), y.slice(0, 500), { epochs: 2, batchSize: 16, displayUpdate: 0 });
    expect(fma.getWeights()).toEqual(portable.getWeights());
  });

  it('refuses an unknown arithmetic, naming the option', async () => {
    await expect(NeuralNetwork.create({ layers: [2, 1], arithmetic: 'fast' as never })).rejects.toThrow(/arithmetic/);
  });

  it('the js engine is portable; a checkpoint leaves the arithmetic to its reader, who may ask for fma', async () => {
    const js = await NeuralNetwork.create({ layers: [9, 4, 2], seed: 1, engine: 'js', arithmetic: 'fma' });
    expect(js.arithmetic).toBe('portable');
    const net = await NeuralNetwork.create({ layers: [9, 4, 2], seed: 1, engine: 'wasm', arithmetic: 'fma' });
    const json = net.toJSON({ trainingState: true });
    expect(Object.keys(json)).not.toContain('arithmetic');
    const read = await NeuralNetwork.fromJSON(json, { engine: 'wasm', arithmetic: 'fma' });
    expect(read.arithmetic).toBe('portable'); // what runs in this unflagged Node 20
    expect(read.getWeights()).toEqual(net.getWeights());
    const refused = await NeuralNetwork.fromJSON(json, { arithmetic: 'fused' as never }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(ValueError);
    expect((refused as ValueError).option).toBe('arithmetic');
  });

  it('with relaxed SIMD: the probe says yes, and the weights are the FMA bits on 1 and 2 threads', () => {
    const r = withRelaxedSimd();
    expect(r.fmaAvailable).toBe(true);
    expect(r.fma1.arithmetic).toBe('fma');
    expect(r.fma2.arithmetic).toBe('fma');
    expect(r.fma2.threads).toBe(2);
    expect(r.fma2.hash).toBe(r.fma1.hash);
    expect(r.portable.arithmetic).toBe('portable');
    expect(r.fma1.hash).not.toBe(r.portable.hash);
    // Two epochs of Adam from the same start: one rounding instead of two per multiply-add moves weights by ~1e-6.
    const drift = Math.max(...r.fma1.values.map((v, i) => Math.abs(v - r.portable.values[i])));
    expect(drift).toBeGreaterThan(0);
    expect(drift).toBeLessThan(1e-3);
  });
});
