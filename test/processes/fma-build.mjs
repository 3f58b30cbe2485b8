// Run by test/fma.test.ts in a Node started with --experimental-wasm-relaxed-simd (Node 20 keeps
// relaxed SIMD behind that flag): the FMA build's kernels against their naive twins, and the weights
// of a fixed training run with arithmetic 'fma' on 1 and 2 threads and with the portable build.
// Prints one JSON line.
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { NeuralNetwork } from '../../dist/src/index.js';
import { fmaAvailable } from '../../dist/src/wasm/module.js';
import { optdigits } from '../../dist/examples/datasets.js';

/** The largest |fast − naive| of each product, over its bound K·2⁻²³·Σ|terms| (≤ 1 passes), on ragged shapes. */
function kernelErrors() {
  const memory = new WebAssembly.Memory({ initial: 64, maximum: 64 });
  const module = new WebAssembly.Module(readFileSync(new URL('../../build/fma.wasm', import.meta.url)));
  const k = new WebAssembly.Instance(module, { env: { memory, abort: () => {} } }).exports;
  const f = new Float32Array(memory.buffer);
  let seed = 7;
  const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 31 - 1;
  const worst = { forward: 0, backwardInput: 0, backwardWeight: 0 };
  for (const [B, C, OC] of [
    [13, 37, 11],
    [64, 128, 33],
    [5, 784, 10],
  ]) {
    const at = Math.ceil(k.dataEnd() / 64) * 16; // a word offset
    const big = B * Math.max(C, OC); // room for B × OC outputs or B × C input gradients
    const inp = at,
      w = inp + B * C,
      b = w + OC * C,
      dout = b + OC,
      out = dout + B * OC,
      ref = out + big;
    const dw = ref + big,
      refW = dw + OC * C,
      db = refW + OC * C,
      refB = db + OC;
    for (let i = inp; i < out; i++) f[i] = random();
    const check = (name, fastAt, refAt, n, bound) => {
      for (let i = 0; i < n; i++)
        worst[name] = Math.max(worst[name], Math.abs(f[fastAt + i] - f[refAt + i]) / bound(i));
    };
    const dot = (k1, a, as, p, ps) => {
      let s = 0;
      for (let t = 0; t < k1; t++) s += Math.abs(f[a + t * as] * f[p + t * ps]);
      return s;
    };
    k.matmulForward(4 * out, 4 * inp, 4 * w, 4 * b, B, C, OC);
    k.matmulForwardNaive(4 * ref, 4 * inp, 4 * w, 4 * b, B, C, OC);
    check(
      'forward',
      out,
      ref,
      B * OC,
      (i) =>
        (C + 1) *
          2 ** -23 *
          (Math.abs(f[b + (i % OC)]) + dot(C, inp + Math.floor(i / OC) * C, 1, w + (i % OC) * C, 1)) +
        1e-30,
    );
    k.matmulBackwardInput(4 * out, 4 * dout, 4 * w, B, C, OC);
    k.matmulBackwardInputNaive(4 * ref, 4 * dout, 4 * w, B, C, OC);
    check(
      'backwardInput',
      out,
      ref,
      B * C,
      (i) => OC * 2 ** -23 * dot(OC, dout + Math.floor(i / C) * OC, 1, w + (i % C), C) + 1e-30,
    );
    k.matmulBackwardWeight(4 * dw, 4 * db, 4 * dout, 4 * inp, B, C, OC, 0, OC);
    k.matmulBackwardWeightNaive(4 * refW, 4 * refB, 4 * dout, 4 * inp, B, C, OC);
    check(
      'backwardWeight',
      dw,
      refW,
      OC * C,
      (i) => B * 2 ** -23 * dot(B, dout + Math.floor(i / C), OC, inp + (i % C), C) + 1e-30,
    );
  }
  return worst;
}

async function weights(arithmetic, threads) {
  const { X, y } = optdigits('train');
  const net = await NeuralNetwork.create({
    layers: [64, 48, 10],
    activation: 'relu',
    outputActivation: 'softmax',
    loss: 'crossEntropy',
    optimizer: 'adam',
    learningRate: 0.005,
    seed: 3,
    engine: 'wasm',
    arithmetic,
    threads,
  });
  net.fit(X, y, { epochs: 2, batchSize: 32, shuffle: true, displayUpdate: 0 });
  const w = Float32Array.from([...net.getWeights().weights.flat(2), ...net.getWeights().biases.flat()]);
  const result = {
    arithmetic: net.arithmetic,
    threads: net.threads,
    hash: createHash('sha256').update(Buffer.from(w.buffer)).digest('hex').slice(0, 16),
    values: Array.from(w.subarray(0, 2000)),
  };
  net.dispose();
  return result;
}

console.log(
  JSON.stringify({
    fmaAvailable: fmaAvailable(),
    kernels: kernelErrors(),
    fma1: await weights('fma', 1),
    fma2: await weights('fma', 2),
    portable: await weights('portable', 1),
  }),
);
