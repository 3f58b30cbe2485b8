// The kernel suite: every kernel of both engines — the WebAssembly core in its debug, release,
// scalar and fma builds, and the pure-TS twins of src/js/ — run on the same inputs, checked against
// float64 definitions written here and against each other. Each check runs over all its points in a plain
// loop and makes one assertion that names its worst point: per-point expects made the old suites slow.
import { describe, expect, it } from 'vitest';
import {
  L_BIAS,
  L_DBIAS,
  L_DINPUT,
  L_DOUTPUT,
  L_DWEIGHT,
  L_IN,
  L_INPUT,
  L_KIND,
  L_OUT,
  L_OUTPUT,
  L_WEIGHT,
  LAYER_WORDS,
  SETTING_SLOTS,
} from '../src/abi.js';
import * as jsActivation from '../src/js/activation.js';
import { LEAKY_SLOPE } from '../src/js/activation.js';
import * as jsLayer from '../src/js/layer.js';
import { L_DROP_BELOW, L_MASK, L_SCALE } from '../src/js/layer.js';
import * as jsLoss from '../src/js/loss.js';
import { LOG_FLOOR } from '../src/js/loss.js';
import * as jsMatmul from '../src/js/matmul.js';
import * as jsRng from '../src/js/rng.js';
import { jsCore } from '../src/js/train.js';
import * as jsUpdate from '../src/js/update.js';
import {
  ACTIVATIONS,
  LAYER_KINDS,
  LOSSES,
  LOSS_NAMES,
  OPTIMIZERS,
  OPTIMIZER_NAMES,
  OUTPUT_ACTIVATION_NAMES,
  type LayerSpec,
  type Loss,
  type OptimizerName,
  type OutputActivation,
} from '../src/registry.js';
import { BUILDS, coreBytes, coreInstance, enableRelaxedSimd, type Build } from './core.js';
import { testRandom } from './helpers.js';

// ---- the engines, behind one calling convention ----

/**
 * One engine's kernels. Every offset is an f32 word of the engine's memory (the wasm adapter turns
 * it into a byte address); `powers` is a word offset too, 8-byte aligned. The regions sit at the
 * same offsets in every engine's memory, so one layer record serves all of them.
 */
interface Engine {
  name: string;
  f32: Float32Array;
  u32: Uint32Array;
  f64: Float64Array;
  matmulForward(out: number, inp: number, weight: number, bias: number, B: number, C: number, OC: number): void;
  matmulForwardNaive(out: number, inp: number, weight: number, bias: number, B: number, C: number, OC: number): void;
  matmulBackwardInput(dinp: number, dout: number, weight: number, B: number, C: number, OC: number): void;
  matmulBackwardInputNaive(dinp: number, dout: number, weight: number, B: number, C: number, OC: number): void;
  /** Output units o0 … o1 (all by default). */
  matmulBackwardWeight(
    dweight: number,
    dbias: number,
    dout: number,
    inp: number,
    B: number,
    C: number,
    OC: number,
    o0?: number,
    o1?: number,
  ): void;
  matmulBackwardWeightNaive(
    dweight: number,
    dbias: number,
    dout: number,
    inp: number,
    B: number,
    C: number,
    OC: number,
  ): void;
  activationForward(code: number, out: number, inp: number, B: number, OC: number): void;
  activationBackward(code: number, dinp: number, inp: number, out: number, dout: number, B: number, OC: number): void;
  sigmoidForward(out: number, inp: number, N: number): void;
  tanhForward(out: number, inp: number, N: number): void;
  lossForward(code: number, pred: number, target: number, B: number, OC: number, outputActivation: number): number;
  mseBackward(dpred: number, pred: number, target: number, N: number, scale: number): void;
  crossEntropyBackward(dz: number, pred: number, target: number, N: number, scale: number): void;
  countCorrect(pred: number, target: number, B: number, OC: number): number;
  optimizerUpdate(
    code: number,
    params: number,
    grads: number,
    state: number,
    N: number,
    learningRate: number,
    settings: number,
    powers: number,
  ): void;
  l2Gradient(grads: number, params: number, N: number, l2: number): void;
  clipGradients(grads: number, N: number, maxNorm: number): number;
  allFinite(x: number, N: number): boolean;
  dropoutForward(
    out: number,
    mask: number,
    inp: number,
    N: number,
    dropBelow: number,
    scale: number,
    rng: number,
  ): void;
  dropoutBackward(dinp: number, mask: number, dout: number, N: number): void;
  forwardLayers(records: number, count: number, input: number, rows: number, training: boolean, rng: number): void;
  backwardLayers(records: number, last: number, input: number, rows: number): void;
  rngSeed(state: number, seed: number): void;
  rngNext(state: number): number;
  rngBelow(state: number, n: number): number;
  rngNormal(state: number): number;
  portableLog(x: number): number;
  shuffleIndex(state: number, index: number, n: number): void;
}

interface WasmEngine extends Engine {
  build: Build;
  /** The core's SIMD flag as built. */
  simd: number;
  expf32(x: number): number;
  /** First free word after the core's static data. */
  heapWords: number;
  /** The module's function exports, and those this suite has called. */
  functions: string[];
  called: Set<string>;
}

const PAGES = 16;

function wasmEngine(build: Build): WasmEngine {
  const { exports: raw, memory } = coreInstance(build, PAGES);
  const called = new Set<string>();
  // Records every export the suite calls, for the test that none is dead.
  const k = new Proxy(raw, { get: (target, name: string) => (called.add(name), target[name]) });
  const functions = WebAssembly.Module.exports(new WebAssembly.Module(coreBytes(build)))
    .filter((e) => e.kind === 'function')
    .map((e) => e.name);
  const a = (word: number): number => word * 4;
  const { buffer } = memory;
  return {
    name: `wasm ${build}`,
    build,
    functions,
    called,
    simd: (raw.SIMD as unknown as WebAssembly.Global).value as number,
    heapWords: Math.ceil(k.dataEnd() / 16) * 4,
    f32: new Float32Array(buffer),
    u32: new Uint32Array(buffer),
    f64: new Float64Array(buffer),
    matmulForward: (out, inp, w, b, B, C, OC) => k.matmulForward(a(out), a(inp), a(w), a(b), B, C, OC),
    matmulForwardNaive: (out, inp, w, b, B, C, OC) => k.matmulForwardNaive(a(out), a(inp), a(w), a(b), B, C, OC),
    matmulBackwardInput: (dinp, dout, w, B, C, OC) => k.matmulBackwardInput(a(dinp), a(dout), a(w), B, C, OC),
    matmulBackwardInputNaive: (dinp, dout, w, B, C, OC) => k.matmulBackwardInputNaive(a(dinp), a(dout), a(w), B, C, OC),
    matmulBackwardWeight: (dw, db, dout, inp, B, C, OC, o0 = 0, o1 = OC) =>
      k.matmulBackwardWeight(a(dw), a(db), a(dout), a(inp), B, C, OC, o0, o1),
    matmulBackwardWeightNaive: (dw, db, dout, inp, B, C, OC) =>
      k.matmulBackwardWeightNaive(a(dw), a(db), a(dout), a(inp), B, C, OC),
    activationForward: (code, out, inp, B, OC) => k.activationForward(code, a(out), a(inp), B, OC),
    activationBackward: (code, dinp, inp, out, dout, B, OC) =>
      k.activationBackward(code, a(dinp), a(inp), a(out), a(dout), B, OC),
    sigmoidForward: (out, inp, N) => k.sigmoidForward(a(out), a(inp), N),
    tanhForward: (out, inp, N) => k.tanhForward(a(out), a(inp), N),
    expf32: (x) => k.expf32(x),
    lossForward: (code, pred, target, B, OC, act) => k.lossForward(code, a(pred), a(target), B, OC, act),
    mseBackward: (dpred, pred, target, N, scale) => k.mseBackward(a(dpred), a(pred), a(target), N, scale),
    crossEntropyBackward: (dz, pred, target, N, scale) => k.crossEntropyBackward(a(dz), a(pred), a(target), N, scale),
    countCorrect: (pred, target, B, OC) => k.countCorrect(a(pred), a(target), B, OC) >>> 0,
    optimizerUpdate: (code, params, grads, state, N, lr, settings, powers) => {
      k.optimizerAdvance(code, a(settings), a(powers));
      k.optimizerUpdate(code, a(params), a(grads), a(state), N, N, lr, a(settings), a(powers));
    },
    l2Gradient: (grads, params, N, l2) => k.l2Gradient(a(grads), a(params), N, l2),
    clipGradients: (grads, N, maxNorm) => {
      const norm = k.gradientNorm(a(grads), N);
      if (norm > maxNorm) k.scaleGradients(a(grads), N, maxNorm / norm);
      return norm;
    },
    allFinite: (x, N) => k.allFinite(a(x), N) !== 0,
    dropoutForward: (out, mask, inp, N, dropBelow, scale, rng) => {
      k.dropoutMask(a(mask), N, dropBelow, scale, a(rng));
      k.dropoutForward(a(out), a(mask), a(inp), N);
    },
    dropoutBackward: (dinp, mask, dout, N) => k.dropoutBackward(a(dinp), a(mask), a(dout), N),
    forwardLayers: (records, count, input, rows, training, rng) => {
      if (training) k.drawMasks(a(records), count, rows, a(rng));
      k.forwardLayers(a(records), count, a(input), 0, rows, training ? 1 : 0);
    },
    backwardLayers: (records, last, input, rows) => {
      k.backwardLayers(a(records), last, a(input), 0, rows);
      k.weightGradients(a(records), last + 1, a(input), rows, 0, 1);
    },
    rngSeed: (state, seed) => k.rngSeed(a(state), seed),
    rngNext: (state) => k.rngNext(a(state)) >>> 0,
    rngBelow: (state, n) => k.rngBelow(a(state), n) >>> 0,
    rngNormal: (state) => k.rngNormal(a(state)),
    portableLog: (x) => k.portableLog(x),
    shuffleIndex: (state, index, n) => k.shuffleIndex(a(state), a(index), n),
  };
}

function jsEngine(): Engine {
  const buffer = new ArrayBuffer(PAGES * 65536);
  const f = new Float32Array(buffer),
    u = new Uint32Array(buffer),
    d = new Float64Array(buffer);
  return {
    name: 'js',
    f32: f,
    u32: u,
    f64: d,
    matmulForward: (out, inp, w, b, B, C, OC) => jsMatmul.matmulForward(f, out, inp, w, b, B, C, OC),
    matmulForwardNaive: (out, inp, w, b, B, C, OC) => jsMatmul.matmulForwardNaive(f, out, inp, w, b, B, C, OC),
    matmulBackwardInput: (dinp, dout, w, B, C, OC) => jsMatmul.matmulBackwardInput(f, dinp, dout, w, B, C, OC),
    matmulBackwardInputNaive: (dinp, dout, w, B, C, OC) =>
      jsMatmul.matmulBackwardInputNaive(f, dinp, dout, w, B, C, OC),
    matmulBackwardWeight: (dw, db, dout, inp, B, C, OC, o0 = 0, o1 = OC) =>
      jsMatmul.matmulBackwardWeight(f, dw, db, dout, inp, B, C, OC, o0, o1),
    matmulBackwardWeightNaive: (dw, db, dout, inp, B, C, OC) =>
      jsMatmul.matmulBackwardWeightNaive(f, dw, db, dout, inp, B, C, OC),
    activationForward: (code, out, inp, B, OC) => jsActivation.activationForward(f, code, out, inp, B, OC),
    activationBackward: (code, dinp, inp, out, dout, B, OC) =>
      jsActivation.activationBackward(f, code, dinp, inp, out, dout, B, OC),
    sigmoidForward: (out, inp, N) => jsActivation.sigmoidForward(f, out, inp, N),
    tanhForward: (out, inp, N) => jsActivation.tanhForward(f, out, inp, N),
    lossForward: (code, pred, target, B, OC, act) => jsLoss.lossForward(f, code, pred, target, B, OC, act),
    mseBackward: (dpred, pred, target, N, scale) => jsLoss.mseBackward(f, dpred, pred, target, N, scale),
    crossEntropyBackward: (dz, pred, target, N, scale) => jsLoss.crossEntropyBackward(f, dz, pred, target, N, scale),
    countCorrect: (pred, target, B, OC) => jsLoss.countCorrect(f, pred, target, B, OC),
    optimizerUpdate: (code, params, grads, state, N, lr, settings, powers) => {
      jsUpdate.optimizerAdvance(f, d, code, settings, powers / 2);
      jsUpdate.optimizerUpdate(f, d, code, params, grads, state, N, N, lr, settings, powers / 2);
    },
    l2Gradient: (grads, params, N, l2) => jsUpdate.l2Gradient(f, grads, params, N, l2),
    clipGradients: (grads, N, maxNorm) => {
      const norm = jsUpdate.gradientNorm(f, grads, N);
      if (norm > maxNorm) jsUpdate.scaleGradients(f, grads, N, maxNorm / norm);
      return norm;
    },
    allFinite: (x, N) => jsUpdate.allFinite(f, x, N),
    dropoutForward: (out, mask, inp, N, dropBelow, scale, rng) => {
      jsLayer.dropoutMask(f, u, mask, N, dropBelow, scale, rng);
      jsLayer.dropoutForward(f, out, mask, inp, N);
    },
    dropoutBackward: (dinp, mask, dout, N) => jsLayer.dropoutBackward(f, dinp, mask, dout, N),
    forwardLayers: (records, count, input, rows, training, rng) => {
      if (training) jsLayer.drawMasks(f, u, records, count, rows, rng);
      jsLayer.forwardLayers(f, u, records, count, input, 0, rows, training);
    },
    backwardLayers: (records, last, input, rows) => {
      jsLayer.backwardLayers(f, u, records, last, input, 0, rows);
      jsLayer.weightGradients(f, u, records, last + 1, input, rows, 0, 1);
    },
    rngSeed: (state, seed) => jsRng.rngSeed(u, state, seed),
    rngNext: (state) => jsRng.rngNext(u, state),
    rngBelow: (state, n) => jsRng.rngBelow(u, state, n),
    rngNormal: (state) => jsRng.rngNormal(u, state),
    portableLog: (x) => jsRng.portableLog(x),
    shuffleIndex: (state, index, n) => jsRng.shuffleIndex(u, state, index, n),
  };
}

// The fma build uses relaxed SIMD, which Node 20 compiles only with it turned on (this file's process only).
enableRelaxedSimd();
const WASM = BUILDS.map(wasmEngine);
const JS = jsEngine();
const ENGINES: Engine[] = [...WASM, JS];
const DEBUG = WASM.find((e) => e.build === 'debug')!,
  RELEASE = WASM.find((e) => e.build === 'release')!,
  FMA = WASM.find((e) => e.build === 'fma')!;

/** A fresh run of regions from the first word free in every engine's memory, each 16-byte aligned. */
function regions(): (words: number) => number {
  let next = Math.max(...WASM.map((e) => e.heapWords));
  return (words) => {
    const at = next;
    next += Math.ceil(words / 4) * 4;
    return at;
  };
}

const read = (e: Engine, at: number, n: number): Float32Array => e.f32.slice(at, at + n);

/** n values uniform in [lo, hi), from testRandom(seed), as float32. */
function random(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = testRandom(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * r());
}

// ---- checks that aggregate ----

/** The unit roundoff of float32: one rounding errs by at most U relative. */
const U = 2 ** -24;
/** γ_n = n·u/(1 − n·u): the classic bound on the error of n roundings in a sum or product (Higham, §3.1). */
const gamma = (n: number, u = U): number => (n * u) / (1 - n * u);

/**
 * The worst point of one check: each point's |got − want| against its own tolerance, one
 * assertion at the end naming the worst. A NaN error counts as infinitely bad.
 */
class Worst {
  private ratio = 0;
  private points = 0;
  private worst = '';

  constructor(private readonly what: string) {}

  see(got: number, want: number, tolerance: number, where: () => string): void {
    this.points++;
    const error = Math.abs(got - want);
    const ratio = error === 0 ? 0 : Number.isNaN(error) ? Infinity : error / tolerance;
    if (ratio > this.ratio) {
      this.ratio = ratio;
      this.worst = `${where()}: got ${got}, want ${want}, |error| ${error} > tolerance ${tolerance}`;
    }
  }

  /** One expect; a check that saw no point fails too (NaN is not ≤ 1). */
  check(): void {
    expect(
      this.points > 0 ? this.ratio : NaN,
      this.points > 0 ? `${this.what}, worst at ${this.worst}` : `${this.what}: no point checked`,
    ).toBeLessThanOrEqual(1);
  }
}

/**
 * Bit-for-bit agreement over many arrays: the first difference, one assertion at the end. Bits, so
 * that −0 ≠ 0 and NaN = NaN; float64 values are compared with Object.is.
 */
class Same {
  private points = 0;
  private first = '';

  constructor(private readonly what: string) {}

  floats(a: Float32Array, b: Float32Array, where: string): void {
    this.points++;
    if (this.first) return;
    if (a.length !== b.length) {
      this.first = `${where}: lengths ${a.length} and ${b.length}`;
      return;
    }
    const x = new Uint32Array(a.buffer, a.byteOffset, a.length),
      y = new Uint32Array(b.buffer, b.byteOffset, b.length);
    const i = x.findIndex((v, j) => v !== y[j]);
    if (i >= 0) this.first = `${where} [${i}]: ${a[i]} vs ${b[i]}`;
  }

  numbers(a: ArrayLike<number>, b: ArrayLike<number>, where: string): void {
    this.points++;
    if (this.first) return;
    if (a.length !== b.length) {
      this.first = `${where}: lengths ${a.length} and ${b.length}`;
      return;
    }
    for (let i = 0; i < a.length && !this.first; i++)
      if (!Object.is(a[i], b[i])) this.first = `${where} [${i}]: ${a[i]} vs ${b[i]}`;
  }

  check(): void {
    expect(this.points > 0 ? this.first : 'nothing compared', `${this.what}: first difference at ${this.first}`).toBe(
      '',
    );
  }
}

/** it.each over engines, each test titled by its engine's name (`%s`) and given the engine second. */
function eachEngine<E extends Engine>(engines: E[]) {
  return it.each(engines.map((e) => [e.name, e] as [string, E]));
}

/** Runs `run` once per engine, on first use, and keeps its result for the tests that compare engines. */
function perEngine<T>(run: (e: Engine) => T): (e: Engine) => T {
  const done = new Map<Engine, T>();
  return (e) => {
    if (!done.has(e)) done.set(e, run(e));
    return done.get(e)!;
  };
}

// ---- matmul ----

// Every width from 1 to 7 takes the scalar paths (C < 8, the core's SIMD_MIN_WIDTH); 8 the SIMD
// blocks with no tail; 9 and 33 the blocks and their tails (4-row blocks of B, 2- and 4-unit blocks
// of OC, 8-column panels of gemm, 4-wide dot products along C).
const SIZES = [1, 3, 4, 5, 7, 8, 9, 33];
const SHAPES = SIZES.flatMap((B) => SIZES.flatMap((C) => SIZES.map((OC) => [B, C, OC] as const)));
const PRODUCTS = ['out', 'dinp', 'dweight', 'dbias'] as const;
type Product = (typeof PRODUCTS)[number];

/**
 * One shape's inputs and the float64 definitions of its four products, each entry with Σ|term| and
 * its number of terms n: any order of summing n float32 products, blocked or not, is within
 * γ_{n+1}·Σ|term| of the exact sum (the +1 for the bias, or for the products' own rounding).
 */
function matmulCase(B: number, C: number, OC: number) {
  const r = testRandom(B * 10000 + C * 100 + OC);
  const values = (n: number): Float32Array => Float32Array.from({ length: n }, () => r() * 2 - 1);
  const inp = values(B * C),
    weight = values(OC * C),
    bias = values(OC),
    dout = values(B * OC);
  const definition = (
    rows: number,
    cols: number,
    n: number,
    term: (i: number, j: number, k: number) => number,
    start = (_j: number) => 0,
  ) => {
    const want = new Float64Array(rows * cols),
      abs = new Float64Array(rows * cols);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        let s = start(j),
          m = Math.abs(s);
        for (let k = 0; k < n; k++) {
          const t = term(i, j, k);
          s += t;
          m += Math.abs(t);
        }
        want[i * cols + j] = s;
        abs[i * cols + j] = m;
      }
    }
    return { want, tolerance: abs.map((m) => gamma(n + 1) * m) };
  };
  const products: Record<Product, { want: Float64Array; tolerance: Float64Array }> = {
    out: definition(
      B,
      OC,
      C,
      (b, o, c) => inp[b * C + c] * weight[o * C + c],
      (o) => bias[o],
    ),
    dinp: definition(B, C, OC, (b, c, o) => dout[b * OC + o] * weight[o * C + c]),
    dweight: definition(OC, C, B, (o, c, b) => dout[b * OC + o] * inp[b * C + c]),
    dbias: definition(1, OC, B, (_, o, b) => dout[b * OC + o]),
  };
  return { inp, weight, bias, dout, products };
}

const MATMUL_CASES = SHAPES.map(([B, C, OC]) => matmulCase(B, C, OC));

/** Each shape's four products from the fast kernels and from their naive twins. */
const matmulRuns = perEngine((e) =>
  SHAPES.map(([B, C, OC], s) => {
    const { inp, weight, bias, dout } = MATMUL_CASES[s];
    const at = regions();
    const x = at(B * C),
      w = at(OC * C),
      b = at(OC),
      d = at(B * OC);
    e.f32.set(inp, x);
    e.f32.set(weight, w);
    e.f32.set(bias, b);
    e.f32.set(dout, d);
    const size: Record<Product, number> = { out: B * OC, dinp: B * C, dweight: OC * C, dbias: OC };
    const place = (): Record<Product, number> => ({
      out: at(size.out),
      dinp: at(size.dinp),
      dweight: at(size.dweight),
      dbias: at(size.dbias),
    });
    const fast = place(),
      naive = place();
    e.matmulForward(fast.out, x, w, b, B, C, OC);
    e.matmulForwardNaive(naive.out, x, w, b, B, C, OC);
    e.matmulBackwardInput(fast.dinp, d, w, B, C, OC);
    e.matmulBackwardInputNaive(naive.dinp, d, w, B, C, OC);
    e.matmulBackwardWeight(fast.dweight, fast.dbias, d, x, B, C, OC);
    e.matmulBackwardWeightNaive(naive.dweight, naive.dbias, d, x, B, C, OC);
    const results = (where: Record<Product, number>) =>
      Object.fromEntries(PRODUCTS.map((p) => [p, read(e, where[p], size[p])])) as Record<Product, Float32Array>;
    return { fast: results(fast), naive: results(naive) };
  }),
);

/** got(s, p) against want(s, p) on every shape s and product p, within factor·γ_{n+1}·Σ|term| per entry. */
function compareProducts(
  what: string,
  factor: number,
  got: (s: number, p: Product) => Float32Array,
  want: (s: number, p: Product) => ArrayLike<number>,
): void {
  const worst = new Worst(what);
  SHAPES.forEach(([B, C, OC], s) => {
    for (const p of PRODUCTS) {
      const a = got(s, p),
        b = want(s, p),
        { tolerance } = MATMUL_CASES[s].products[p];
      for (let i = 0; i < a.length; i++)
        worst.see(a[i], b[i], factor * tolerance[i], () => `${p}, B=${B} C=${C} OC=${OC}, [${i}]`);
    }
  });
  worst.check();
}

describe('matmul: out = X·Wᵀ + b, dinp = δ·W, dweight = δᵀ·X, dbias = Σ_b δ', () => {
  eachEngine(ENGINES)(
    `%s: fast = naive on all ${SHAPES.length} shapes within 2·γ·Σ|term| (each may be γ·Σ|term| from the exact sum)`,
    (_, e) => {
      const runs = matmulRuns(e);
      compareProducts(
        `${e.name}: fast vs naive`,
        2,
        (s, p) => runs[s].fast[p],
        (s, p) => runs[s].naive[p],
      );
    },
  );

  eachEngine(ENGINES)('%s: naive = the float64 definition within γ·Σ|term|', (_, e) => {
    const runs = matmulRuns(e);
    compareProducts(
      `${e.name}: naive vs float64`,
      1,
      (s, p) => runs[s].naive[p],
      (s, p) => MATMUL_CASES[s].products[p].want,
    );
  });

  eachEngine(WASM)("%s: fast = the js engine's fast kernels within 2·γ·Σ|term|", (_, e) => {
    const runs = matmulRuns(e),
      js = matmulRuns(JS);
    compareProducts(
      `${e.name}: fast vs js`,
      2,
      (s, p) => runs[s].fast[p],
      (s, p) => js[s].fast[p],
    );
  });

  it('the debug and release builds agree bit for bit, fast and naive (the optimiser never reorders float arithmetic)', () => {
    const same = new Same('debug vs release'),
      debug = matmulRuns(DEBUG),
      release = matmulRuns(RELEASE);
    SHAPES.forEach((shape, s) => {
      for (const p of PRODUCTS) {
        same.floats(debug[s].fast[p], release[s].fast[p], `${p} ${shape}`);
        same.floats(debug[s].naive[p], release[s].naive[p], `naive ${p} ${shape}`);
      }
    });
    same.check();
  });
});

describe('the fma build: the same matrix products with relaxed_madd in their SIMD multiply-adds', () => {
  // Its products are held to the same bounds as every build's by the tests above (one rounding per
  // multiply-add instead of two only tightens them); here, what it shares with the release build and
  // what it does not.
  it("its naive twins, its scalar paths (C < 8) and its bias sums are the release build's bit for bit", () => {
    const same = new Same('fma vs release'),
      fma = matmulRuns(FMA),
      release = matmulRuns(RELEASE);
    SHAPES.forEach((shape, s) => {
      for (const p of PRODUCTS) {
        same.floats(fma[s].naive[p], release[s].naive[p], `naive ${p} ${shape}`);
        if (shape[1] < 8 || p === 'dbias') same.floats(fma[s].fast[p], release[s].fast[p], `${p} ${shape}`);
      }
    });
    same.check();
  });

  it("its SIMD products differ from the release build's: the multiply-adds are fused", () => {
    const fma = matmulRuns(FMA),
      release = matmulRuns(RELEASE);
    const simd: string[] = [],
      differ: string[] = [];
    SHAPES.forEach((shape, s) => {
      if (shape[1] < 8) return;
      for (const p of ['out', 'dinp', 'dweight'] as const) {
        simd.push(`${p} ${shape}`);
        const a = new Uint32Array(fma[s].fast[p].buffer),
          b = new Uint32Array(release[s].fast[p].buffer);
        if (a.some((v, i) => v !== b[i])) differ.push(`${p} ${shape}`);
      }
    });
    // Measured: 520 of the 576 differ somewhere. The others are sums of one term per accumulator (δᵀ·X at
    // B = 1, δ·W at OC = 1: fl(a·b + 0) is one rounding either way) and a few short sums equal by chance.
    expect(differ.length, `${differ.length} of ${simd.length} SIMD products differ`).toBeGreaterThan(0.8 * simd.length);
    expect(differ).toEqual(expect.arrayContaining(['out 33,33,33', 'dinp 33,33,33', 'dweight 33,33,33']));
  });
});

// ---- activations ----

/** A float64 value per element and the error bound allowed to a float32 kernel computing it. */
interface Reference {
  want: number[];
  tolerance: number[];
}

/**
 * An activation's float64 definition over one row: forward from the input, backward (dz = da·f′)
 * from the saved output a, as the kernels compute it. `plant` adds inputs a row-wise kernel must
 * survive. Each bound counts, in units of U, the roundings of both engines together (the core
 * rounds every float32 operation; the js engine computes in float64 and rounds once, within U of the
 * result), so that one bound holds against float64 and between the engines alike.
 */
interface ActivationReference {
  forward(x: Float32Array): Reference;
  backward(a: Float32Array, da: Float32Array): Reference;
  plant?(x: Float32Array, B: number, OC: number): void;
}

/** An element-wise activation from f and f′(a)·da, with their bounds from the values. */
function elementwise(
  f: (x: number) => number,
  fBound: (y: number) => number,
  df: (a: number, da: number) => number,
  dfBound: (a: number, da: number, dz: number) => number,
): ActivationReference {
  return {
    forward: (x) => {
      const want = Array.from(x, f);
      return { want, tolerance: want.map(fBound) };
    },
    backward: (a, da) => {
      const want = Array.from(a, (v, i) => df(v, da[i]));
      return { want, tolerance: want.map((dz, i) => dfBound(a[i], da[i], dz)) };
    },
  };
}

const sigmoid64 = (x: number): number => 1 / (1 + Math.exp(-x));
/** The core's exp clamps its input at −87.3, so it never returns less than e^−87.3 ≈ 1.22e-38: a softmax share below that comes out as that. */
const EXP_FLOOR = 1.3e-38;

// Keyed by registry name: a registry entry without a reference here fails to type-check.
const ACTIVATION_REFERENCES: Record<OutputActivation, ActivationReference> = {
  identity: elementwise(
    (x) => x,
    () => 0,
    (_, da) => da,
    () => 0,
  ),
  relu: elementwise(
    (x) => (x > 0 ? x : 0),
    () => 0,
    (a, da) => (a > 0 ? da : 0),
    () => 0,
  ),
  // The core's slope is the float32 0.0099999998 (0.4U off), then one rounding; the js engine's, one rounding: 3U.
  leakyRelu: elementwise(
    (x) => (x > 0 ? x : LEAKY_SLOPE * x),
    (y) => 3 * U * Math.abs(y),
    (a, da) => (a > 0 ? da : LEAKY_SLOPE * da),
    (_, __, dz) => 3 * U * Math.abs(dz),
  ),
  // Forward: the core's 2 ulps (4U; the sweep below holds it to that over [−20, 20]) and js's U.
  // Backward: da·a·(1 − a), three roundings of factors without cancellation, and js's one: 4U.
  sigmoid: elementwise(
    sigmoid64,
    (y) => 5 * U * Math.abs(y),
    (a, da) => da * a * (1 - a),
    (_, __, dz) => 4 * U * Math.abs(dz),
  ),
  // Backward: 1 − a² cancels near |a| = 1, so the bound is relative to |da|·(a² + |1 − a²|), not to the result.
  tanh: elementwise(
    Math.tanh,
    (y) => 5 * U * Math.abs(y),
    (a, da) => da * (1 - a * a),
    (a, da) => 3 * U * Math.abs(da) * (a * a + Math.abs(1 - a * a)),
  ),
  softmax: {
    // Per share: exp's 2 ulps (4U), the shift x − max rounded (|x − max|·U after exp), a sum of OC
    // terms (OC·U), the reciprocal and the product (2U), js's two roundings (2U); plus EXP_FLOOR.
    forward: (x) => {
      const top = Math.max(...x),
        e = Array.from(x, (v) => Math.exp(v - top)),
        sum = e.reduce((s, v) => s + v, 0);
      const want = e.map((v) => v / sum);
      return { want, tolerance: want.map((y, j) => (x.length + 8 + (top - x[j])) * U * y + EXP_FLOOR) };
    },
    // dz_j = a_j·(da_j − Σ_k da_k·a_k), the Jacobian-vector product: the dot product's γ_OC, two more roundings, js's one.
    backward: (a, da) => {
      let dot = 0,
        mag = 0;
      a.forEach((v, k) => {
        dot += da[k] * v;
        mag += Math.abs(da[k] * v);
      });
      const want = Array.from(a, (v, j) => v * (da[j] - dot));
      return { want, tolerance: want.map((_, j) => (a.length + 4) * U * Math.abs(a[j]) * (Math.abs(da[j]) + mag)) };
    },
    // A row shifted by +100 (exp would overflow without the max shift) and a share of e^−200 (below exp's range).
    plant: (x, B, OC) => {
      if (B > 1) for (let o = 0; o < OC; o++) x[OC + o] += 100;
      if (OC > 1) x[1] = x[0] - 200;
    },
  },
};

/** Row widths 1 (softmax of one unit), 2, 5, 9, 33; element counts 1, 6, 10, 36, 99: SIMD blocks and tails. */
const ACTIVATION_SHAPES = [
  [1, 1],
  [3, 2],
  [2, 5],
  [4, 9],
  [3, 33],
] as const;
/** Inputs every element-wise kernel meets first: zeros of both signs, saturation, and tanh's switch from polynomial to exp at |x| = 0.625. */
const SPECIAL_INPUTS = [0, -0, 30, -30, 0.625, -0.625, 0.6249999, 1e-3, -1e-3, 7];

/** The same inputs for every engine: x, the output a = f(x) rounded to float32 (what the layer saves), and da. */
const activationCases = OUTPUT_ACTIVATION_NAMES.map((name, n) => {
  const reference = ACTIVATION_REFERENCES[name];
  return ACTIVATION_SHAPES.map(([B, OC], s) => {
    const x = random(B * OC, 100 * n + s, -4, 4);
    x.set(SPECIAL_INPUTS.slice(0, x.length));
    reference.plant?.(x, B, OC);
    const rows = (values: Float32Array[], f: (...row: Float32Array[]) => Reference): Reference => {
      const out: Reference = { want: [], tolerance: [] };
      for (let b = 0; b < B; b++) {
        const r = f(...values.map((v) => v.subarray(b * OC, (b + 1) * OC)));
        out.want.push(...r.want);
        out.tolerance.push(...r.tolerance);
      }
      return out;
    };
    const forward = rows([x], (row) => reference.forward(row));
    const a = Float32Array.from(forward.want),
      da = random(B * OC, 100 * n + s + 50);
    const backward = rows([a, da], (ra, rda) => reference.backward(ra, rda));
    return { name, code: ACTIVATIONS[name].code, B, OC, x, a, da, forward, backward };
  });
});

/** Each case's forward and backward, into fresh regions and in place (the layer runs both in place when it may). */
const activationRuns = perEngine((e) =>
  activationCases.map((cases) =>
    cases.map(({ code, B, OC, x, a, da }) => {
      const N = B * OC,
        at = regions();
      const inp = at(N),
        out = at(N),
        inPlace = at(N),
        dout = at(N),
        dinp = at(N),
        saved = at(N),
        dInPlace = at(N);
      e.f32.set(x, inp);
      e.f32.set(x, inPlace);
      e.f32.set(a, saved);
      e.f32.set(da, dout);
      e.f32.set(da, dInPlace);
      e.f32.fill(NaN, out, out + N);
      e.f32.fill(NaN, dinp, dinp + N);
      e.activationForward(code, out, inp, B, OC);
      e.activationForward(code, inPlace, inPlace, B, OC);
      e.activationBackward(code, dinp, inp, saved, dout, B, OC);
      e.activationBackward(code, dInPlace, inp, saved, dInPlace, B, OC);
      return {
        out: read(e, out, N),
        outInPlace: read(e, inPlace, N),
        dinp: read(e, dinp, N),
        dinpInPlace: read(e, dInPlace, N),
      };
    }),
  ),
);

describe.each(OUTPUT_ACTIVATION_NAMES.map((name, n) => [name, n] as const))(
  'activation %s, by its registry code',
  (name, n) => {
    const where = (s: number, i: number): string =>
      `B=${ACTIVATION_SHAPES[s][0]} OC=${ACTIVATION_SHAPES[s][1]} [${i}], x=${activationCases[n][s].x[i]}`;

    eachEngine(ENGINES)(
      '%s: forward and backward = float64 within their bounds; in place = out of place, bit for bit',
      (_, e) => {
        const forward = new Worst(`${e.name} ${name} forward`),
          backward = new Worst(`${e.name} ${name} backward`);
        const same = new Same(`${e.name} ${name} in place`);
        activationRuns(e)[n].forEach((run, s) => {
          const c = activationCases[n][s];
          run.out.forEach((v, i) => forward.see(v, c.forward.want[i], c.forward.tolerance[i], () => where(s, i)));
          run.dinp.forEach((v, i) =>
            backward.see(
              v,
              c.backward.want[i],
              c.backward.tolerance[i],
              () => `${where(s, i)}, a=${c.a[i]}, da=${c.da[i]}`,
            ),
          );
          same.floats(run.outInPlace, run.out, `forward ${ACTIVATION_SHAPES[s]}`);
          same.floats(run.dinpInPlace, run.dinp, `backward ${ACTIVATION_SHAPES[s]}`);
        });
        forward.check();
        backward.check();
        same.check();
      },
    );

    it('the builds agree bit for bit (a SIMD lane and a scalar tail are the same operations); js within the bounds', () => {
      const same = new Same(`${name}: wasm builds`),
        worst = new Worst(`${name}: js vs wasm`),
        js = activationRuns(JS)[n];
      for (const e of WASM) {
        activationRuns(e)[n].forEach((run, s) => {
          const c = activationCases[n][s],
            debug = activationRuns(DEBUG)[n][s];
          same.floats(run.out, debug.out, `${e.name} forward ${ACTIVATION_SHAPES[s]}`);
          same.floats(run.dinp, debug.dinp, `${e.name} backward ${ACTIVATION_SHAPES[s]}`);
          run.out.forEach((v, i) =>
            worst.see(v, js[s].out[i], c.forward.tolerance[i], () => `${e.name} forward ${where(s, i)}`),
          );
          run.dinp.forEach((v, i) =>
            worst.see(v, js[s].dinp[i], c.backward.tolerance[i], () => `${e.name} backward ${where(s, i)}`),
          );
        });
      }
      same.check();
      worst.check();
    });
  },
);

describe('sigmoid, tanh and exp over their range', () => {
  // The aggregate form of a sweep that once made 80,002 expects per build.
  eachEngine(ENGINES)(
    '%s: sigmoid and tanh are within 2 ulps of float64 over [-20, 20], lanes and tails alike',
    (_, e) => {
      const n = 40001,
        at = regions(),
        x = at(n),
        y = at(n);
      for (let i = 0; i < n; i++) e.f32[x + i] = -20 + (40 * i) / (n - 1);
      for (const [kernel, f] of [
        ['sigmoidForward', sigmoid64],
        ['tanhForward', Math.tanh],
      ] as const) {
        e[kernel](y, x, n);
        const worst = new Worst(`${e.name} ${kernel}`);
        for (let i = 0; i < n; i++) {
          const v = e.f32[x + i],
            want = f(v),
            ulp = Math.max(Math.abs(want), 1.2e-38) * 2 ** -23;
          worst.see(e.f32[y + i], want, 2 * ulp + 1e-45, () => `${kernel}(${v})`);
        }
        worst.check();
      }
    },
  );

  eachEngine(WASM)('%s: expf32 is accurate across its range, saturates at the clamp and passes NaN through', (_, e) => {
    const worst = new Worst(`${e.name} expf32`);
    for (let v = -87; v <= 88; v += 0.37) {
      const want = Math.exp(Math.fround(v));
      worst.see(e.expf32(v), want, 2.5e-7 * want, () => `expf32(${Math.fround(v)})`);
    }
    worst.check();
    expect(Math.abs(e.expf32(1000) / Math.exp(88) - 1)).toBeLessThan(2.5e-7);
    expect(e.expf32(-1000)).toBeLessThan(1e-37);
    expect(e.expf32(NaN)).toBeNaN();
  });
});

// ---- losses ----

/** The unit roundoff of float64: the losses add in float64 in both engines. */
const U64 = 2 ** -53;

/**
 * A loss's float64 definition summed over the rows, with its bound (each term within a few float64
 * roundings, each log within an ulp), and targets it accepts after an output activation. Keyed by registry name.
 */
interface LossReference {
  /**
   * Whether it takes logs: then each host computes them with its own Math.log (AssemblyScript's port
   * of musl's, V8's of fdlibm's), both within an ulp but not always the same ulp, so the engines agree
   * within the bound; otherwise both do the same float64 operations in the same order, bit for bit.
   */
  logs: boolean;
  sum(
    p: Float32Array,
    t: Float32Array,
    outputActivation: OutputActivation,
  ): { want: number; tolerance: number; clamped: number };
  targets(outputActivation: OutputActivation, B: number, OC: number, seed: number): Float32Array;
}

const clampedLog = (p: number): number => Math.max(Math.log(p), LOG_FLOOR);

const LOSS_REFERENCES: Record<Loss, LossReference> = {
  mse: {
    logs: false,
    sum: (p, t) => {
      let sum = 0;
      p.forEach((v, i) => {
        sum += (v - t[i]) ** 2;
      });
      return { want: sum / 2, tolerance: gamma(2 * p.length + 2, U64) * sum, clamped: 0 };
    },
    targets: (_, B, OC, seed) => random(B * OC, seed),
  },
  crossEntropy: {
    logs: true,
    // Softmax: −Σ t·log p over the targets that are not 0; otherwise the binary form, summed over units.
    // The log never goes below LOG_FLOOR (a prediction of exactly 0 or 1 still has a finite loss).
    sum: (p, t, act) => {
      let sum = 0,
        mag = 0,
        clamped = 0;
      const term = (weight: number, q: number): void => {
        if (Math.log(q) < LOG_FLOOR) clamped++;
        sum -= weight * clampedLog(q);
        mag += Math.abs(weight * clampedLog(q));
      };
      p.forEach((q, i) => {
        if (act === 'softmax') {
          if (t[i] !== 0) term(t[i], q);
        } else {
          term(t[i], q);
          term(1 - t[i], 1 - q);
        }
      });
      return { want: sum, tolerance: gamma(3 * p.length + 4, U64) * mag, clamped };
    },
    // Softmax: rows of probabilities, the last one-hot; otherwise probabilities per unit, with 0, ½ and 1 among them.
    targets: (act, B, OC, seed) => {
      const t = random(B * OC, seed, 0, 1);
      if (act === 'softmax') {
        for (let b = 0; b < B; b++) {
          const row = t.subarray(b * OC, (b + 1) * OC),
            sum = row.reduce((s, v) => s + v, 0);
          row.forEach((v, o) => {
            row[o] = b === B - 1 ? Number(o === OC - 1) : v / sum;
          });
        }
      } else {
        t.set([0.5, 0.5, 0, 1].slice(0, t.length));
      }
      return t;
    },
  },
};

const LOSS_SHAPES = [
  [5, 1],
  [6, 4],
] as const;

/** Every loss with every output activation it accepts (the registry's `outputs`; none listed: any). */
const lossCases = LOSS_NAMES.flatMap((loss, l) => {
  const outputs: readonly OutputActivation[] =
    (LOSSES[loss] as { outputs?: readonly OutputActivation[] }).outputs ?? OUTPUT_ACTIVATION_NAMES;
  return outputs.flatMap((act, a) =>
    LOSS_SHAPES.map(([B, OC], s) => {
      const seed = 1000 * l + 10 * a + s;
      // Predictions are the activation's outputs; 30 and −120 saturate sigmoid to exactly 1 and 0 in float32, and make a softmax share 0.
      const x = random(B * OC, seed, -4, 4);
      x.set([30, -120].slice(0, x.length));
      const pred = new Float32Array(B * OC);
      for (let b = 0; b < B; b++)
        pred.set(ACTIVATION_REFERENCES[act].forward(x.subarray(b * OC, (b + 1) * OC)).want, b * OC);
      const target = LOSS_REFERENCES[loss].targets(act, B, OC, seed + 500);
      return { loss, act, B, OC, pred, target, reference: LOSS_REFERENCES[loss].sum(pred, target, act) };
    }),
  );
});

const lossRuns = perEngine((e) =>
  lossCases.map(({ loss, act, B, OC, pred, target }) => {
    const N = B * OC,
      at = regions(),
      p = at(N),
      t = at(N),
      dmse = at(N),
      dce = at(N);
    e.f32.set(pred, p);
    e.f32.set(target, t);
    const value = e.lossForward(LOSSES[loss].code, p, t, B, OC, ACTIVATIONS[act].code);
    e.mseBackward(dmse, p, t, N, 1 / B);
    e.crossEntropyBackward(dce, p, t, N, 1 / B);
    return { value, mseBackward: read(e, dmse, N), crossEntropyBackward: read(e, dce, N) };
  }),
);

/** Right answers by definition: the first largest prediction is the first largest target's; one output: the same side of ½. */
function countCorrect64(p: Float32Array, t: Float32Array, B: number, OC: number): number {
  const argmax = (v: Float32Array, b: number): number => {
    let best = 0;
    for (let o = 1; o < OC; o++) if (v[b * OC + o] > v[b * OC + best]) best = o;
    return best;
  };
  let right = 0;
  for (let b = 0; b < B; b++) right += Number(OC === 1 ? p[b] >= 0.5 === t[b] >= 0.5 : argmax(p, b) === argmax(t, b));
  return right;
}

describe('losses', () => {
  const label = (c: (typeof lossCases)[number]): string => `${c.loss} after ${c.act}, B=${c.B} OC=${c.OC}`;

  eachEngine(ENGINES)('%s: lossForward of every loss, after every output activation it accepts, = float64', (_, e) => {
    const worst = new Worst(`${e.name} lossForward`);
    lossRuns(e).forEach((run, i) =>
      worst.see(run.value, lossCases[i].reference.want, lossCases[i].reference.tolerance, () => label(lossCases[i])),
    );
    worst.check();
    // The test data reach the log's floor with every output activation: a prediction of exactly 0 or 1 against a target that is not.
    const pairs = (cases: typeof lossCases): string[] => [...new Set(cases.map((c) => `${c.loss} after ${c.act}`))];
    const logCases = lossCases.filter((c) => LOSS_REFERENCES[c.loss].logs);
    expect(pairs(logCases.filter((c) => c.reference.clamped > 0))).toEqual(pairs(logCases));
  });

  eachEngine(ENGINES)(
    '%s: mseBackward and crossEntropyBackward are scale·(pred − target) in float64, rounded once',
    (_, e) => {
      const worst = new Worst(`${e.name} loss gradients`);
      lossRuns(e).forEach((run, i) => {
        const { pred, target, B } = lossCases[i];
        pred.forEach((p, j) => {
          const want = Math.fround((1 / B) * (p - target[j]));
          worst.see(run.mseBackward[j], want, 0, () => `mseBackward ${label(lossCases[i])} [${j}]`);
          worst.see(run.crossEntropyBackward[j], want, 0, () => `crossEntropyBackward ${label(lossCases[i])} [${j}]`);
        });
      });
      worst.check();
    },
  );

  eachEngine(ENGINES)('%s: countCorrect = the definition, ties to the first largest', (_, e) => {
    const worst = new Worst(`${e.name} countCorrect`);
    for (const OC of [1, 2, 5]) {
      // Values from a small set, so that rows tie; one output straddles ½ exactly.
      const B = 64,
        r = testRandom(OC),
        pick = (): number => [0, 0.25, 0.4999999, 0.5, 0.75][Math.floor(r() * 5)];
      const pred = Float32Array.from({ length: B * OC }, pick),
        target = Float32Array.from({ length: B * OC }, pick);
      const at = regions(),
        p = at(B * OC),
        t = at(B * OC);
      e.f32.set(pred, p);
      e.f32.set(target, t);
      const want = countCorrect64(pred, target, B, OC);
      expect(want > 0 && want < B, 'the data have right and wrong rows').toBe(true);
      worst.see(e.countCorrect(p, t, B, OC), want, 0, () => `OC=${OC}`);
    }
    worst.check();
  });

  it('every build and js agree: gradients bit for bit; losses without logs bit for bit, with logs within the bound', () => {
    const same = new Same('losses'),
      worst = new Worst('lossForward vs js'),
      js = lossRuns(JS);
    for (const e of WASM) {
      lossRuns(e).forEach((run, i) => {
        const c = lossCases[i];
        same.floats(run.mseBackward, js[i].mseBackward, `${e.name} mseBackward ${label(c)}`);
        same.floats(run.crossEntropyBackward, js[i].crossEntropyBackward, `${e.name} crossEntropyBackward ${label(c)}`);
        if (LOSS_REFERENCES[c.loss].logs)
          worst.see(run.value, js[i].value, c.reference.tolerance, () => `${e.name} ${label(c)}`);
        else same.numbers([run.value], [js[i].value], `${e.name} lossForward ${label(c)}`);
      });
    }
    same.check();
    worst.check();
  });
});

// ---- update rules ----

/** Nine SIMD blocks of four and a tail of one. */
const UPDATE_N = 37;
/** A float64, as the header holds it: the core's train.ts hands the kernel its float32, js the float64. */
const LEARNING_RATE = 0.05;
const STEPS = 3;

/**
 * An optimiser's float64 definition of one step, from the state before it, for every parameter.
 * Bounds are k·U times the step evaluated on absolute values, k at least the roundings of both
 * engines together on the longest path (the core rounds each float32 operation and takes the
 * learning rate as a float32; js rounds once), so one bound holds against float64 and between the
 * engines. Keyed by registry name.
 */
interface OptimizerReference {
  /** Settings to try beside the registry's defaults, every setting named. */
  variants: Record<string, number | boolean>[];
  /** A state vector's starting values (Adam's second moment is never negative). */
  initial(vector: number, n: number, seed: number): Float32Array;
  /** `s`: the settings as the kernels read them (float32; booleans as 1 or 0). `powers`: β₁ᵗ, β₂ᵗ before the step. */
  step(
    s: Record<string, number>,
    w: Float32Array,
    g: Float32Array,
    state: Float32Array[],
    powers: number[],
  ): {
    params: Reference;
    state: Reference[];
    powers: number[];
  };
}

const OPTIMIZER_REFERENCES: Record<OptimizerName, OptimizerReference> = {
  sgd: {
    variants: [],
    initial: () => new Float32Array(0),
    step: (_, w, g, __, powers) => ({
      params: {
        want: Array.from(w, (v, i) => v - LEARNING_RATE * g[i]),
        tolerance: Array.from(w, (v, i) => 4 * U * (Math.abs(v) + LEARNING_RATE * Math.abs(g[i]))),
      },
      state: [],
      powers,
    }),
  },
  momentum: {
    variants: [
      { momentum: 0.8, nesterov: false },
      { momentum: 0.5, nesterov: true },
    ],
    initial: (_, n, seed) => random(n, seed),
    // v ← μ·v + g; w ← w − lr·v, or with Nesterov w ← w − lr·(g + μ·v).
    step: (s, w, g, [v], powers) => {
      const mu = s.momentum,
        nesterov = s.nesterov !== 0;
      const v2 = Array.from(v, (x, i) => mu * x + g[i]),
        V = Array.from(v, (x, i) => mu * Math.abs(x) + Math.abs(g[i]));
      const step = v2.map((x, i) => (nesterov ? g[i] + mu * x : x)),
        S = V.map((x, i) => (nesterov ? Math.abs(g[i]) + mu * x : x));
      return {
        params: {
          want: Array.from(w, (x, i) => x - LEARNING_RATE * step[i]),
          tolerance: Array.from(w, (x, i) => 8 * U * (Math.abs(x) + LEARNING_RATE * S[i])),
        },
        state: [{ want: v2, tolerance: V.map((x) => 4 * U * x) }],
        powers,
      };
    },
  },
  adam: {
    variants: [
      { beta1: 0.8, beta2: 0.95, epsilon: 1e-3 },
      { beta1: 0.3, beta2: 0.5, epsilon: 0.5 },
    ],
    initial: (vector, n, seed) => (vector === 0 ? random(n, seed, -0.1, 0.1) : random(n, seed, 0, 0.01)),
    // m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²; w ← w − lr·m̂/(√v̂ + ε), m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ);
    // the powers advance in float64 by the float32 βs. m and v: up to 6 roundings (8U); w: about 15
    // in the core on the way through the step (relative to it, 32U) and one of w itself in each engine.
    step: (s, w, g, [m, v], [p1, p2]) => {
      const { beta1, beta2, epsilon } = s,
        b1 = p1 * beta1,
        b2 = p2 * beta2,
        c1 = 1 / (1 - b1),
        c2 = 1 / (1 - b2);
      const m2 = Array.from(m, (x, i) => beta1 * x + (1 - beta1) * g[i]),
        M = Array.from(m, (x, i) => beta1 * Math.abs(x) + (1 - beta1) * Math.abs(g[i]));
      const v2 = Array.from(v, (x, i) => beta2 * x + (1 - beta2) * g[i] * g[i]);
      const denominator = v2.map((x) => Math.sqrt(x * c2) + epsilon);
      return {
        params: {
          want: Array.from(w, (x, i) => x - (LEARNING_RATE * m2[i] * c1) / denominator[i]),
          tolerance: Array.from(
            w,
            (x, i) => 4 * U * Math.abs(x) + (32 * U * LEARNING_RATE * c1 * M[i]) / denominator[i],
          ),
        },
        state: [
          { want: m2, tolerance: M.map((x) => 8 * U * x) },
          { want: v2, tolerance: v2.map((x) => 8 * U * x) },
        ],
        powers: [b1, b2],
      };
    },
  },
};

/** Every optimiser with its registry defaults, then each variant of the reference, settings by name. */
const optimizerCases = OPTIMIZER_NAMES.flatMap((name) => {
  const defaults = Object.fromEntries(
    Object.entries(OPTIMIZERS[name].settings).map(([key, setting]) => [key, setting.default as number | boolean]),
  );
  return [defaults, ...OPTIMIZER_REFERENCES[name].variants].map((settings, v) => ({
    name,
    settings,
    label: `${name} ${JSON.stringify(settings)}`,
    seed: 100 * v,
  }));
});

interface UpdateState {
  params: Float32Array;
  state: Float32Array[];
  powers: number[];
}

/** STEPS steps of each case, each with new gradients, and the state before and after each. */
const updateRuns = perEngine((e) =>
  optimizerCases.map(({ name, settings: values, seed }) => {
    const entry = OPTIMIZERS[name],
      N = UPDATE_N,
      vectors = entry.stateVectors,
      at = regions();
    const params = at(N),
      grads = at(N),
      state = at(Math.max(vectors, 1) * N),
      settings = at(SETTING_SLOTS),
      powers = at(4);
    e.f32.set(random(N, seed + 1), params);
    for (let k = 0; k < vectors; k++) e.f32.set(OPTIMIZER_REFERENCES[name].initial(k, N, seed + 2 + k), state + k * N);
    // Each setting in its registry slot, as float32; a boolean as 1 or 0.
    e.f32.fill(0, settings, settings + SETTING_SLOTS);
    for (const [key, setting] of Object.entries(entry.settings) as [string, { slot: number }][])
      e.f32[settings + setting.slot] = Number(values[key]);
    e.f64[powers / 2] = 1;
    e.f64[powers / 2 + 1] = 1;
    const snapshot = (): UpdateState => ({
      params: read(e, params, N),
      state: Array.from({ length: vectors }, (_, k) => read(e, state + k * N, N)),
      powers: [e.f64[powers / 2], e.f64[powers / 2 + 1]],
    });
    const read32 = Object.fromEntries(
      Object.entries(entry.settings).map(([key, setting]) => [
        key,
        e.f32[settings + (setting as { slot: number }).slot],
      ]),
    );
    return Array.from({ length: STEPS }, (_, t) => {
      const g = random(N, seed + 10 + t);
      e.f32.set(g, grads);
      const before = snapshot();
      e.optimizerUpdate(entry.code, params, grads, state, N, LEARNING_RATE, settings, powers);
      return { settings: read32, g, before, after: snapshot() };
    });
  }),
);

describe.each(optimizerCases.map(({ label, name }, i) => [label, name, i] as const))(
  'optimizerUpdate: %s',
  (label, name, i) => {
    eachEngine(ENGINES)(
      `%s: ${STEPS} steps, each = float64 from the state before it: parameters, state vectors, β₁ᵗ and β₂ᵗ`,
      (_, e) => {
        const worst = new Worst(`${e.name} ${label}`),
          powers = new Same(`${e.name} ${label} powers`);
        updateRuns(e)[i].forEach(({ settings, g, before, after }, t) => {
          const want = OPTIMIZER_REFERENCES[name].step(settings, before.params, g, before.state, before.powers);
          after.params.forEach((v, j) =>
            worst.see(v, want.params.want[j], want.params.tolerance[j], () => `step ${t + 1}, parameter ${j}`),
          );
          want.state.forEach((vector, k) => {
            after.state[k].forEach((v, j) =>
              worst.see(v, vector.want[j], vector.tolerance[j], () => `step ${t + 1}, state vector ${k} [${j}]`),
            );
          });
          // The powers are float64 products of float32 βs in both engines and in the definition: exact.
          powers.numbers(after.powers, want.powers, `step ${t + 1}`);
        });
        worst.check();
        powers.check();
      },
    );

    it('the builds agree bit for bit on every step; js on the first step (same inputs) within the bound, and on the powers exactly', () => {
      const same = new Same(label),
        worst = new Worst(`${label}: wasm vs js`),
        js = updateRuns(JS)[i];
      const first = js[0],
        want = OPTIMIZER_REFERENCES[name].step(
          first.settings,
          first.before.params,
          first.g,
          first.before.state,
          first.before.powers,
        );
      for (const e of WASM) {
        updateRuns(e)[i].forEach(({ after }, t) => {
          const debug = updateRuns(DEBUG)[i][t].after;
          same.floats(after.params, debug.params, `${e.name} step ${t + 1} parameters`);
          after.state.forEach((vector, k) =>
            same.floats(vector, debug.state[k], `${e.name} step ${t + 1} state vector ${k}`),
          );
          same.numbers(after.powers, js[t].after.powers, `${e.name} step ${t + 1} powers`);
        });
        const { after } = updateRuns(e)[i][0];
        after.params.forEach((v, j) =>
          worst.see(v, first.after.params[j], want.params.tolerance[j], () => `${e.name} parameter ${j}`),
        );
        want.state.forEach((vector, k) => {
          after.state[k].forEach((v, j) =>
            worst.see(v, first.after.state[k][j], vector.tolerance[j], () => `${e.name} state vector ${k} [${j}]`),
          );
        });
      }
      same.check();
      worst.check();
    });
  },
);

describe('gradient transforms: l2Gradient, clipGradients, allFinite', () => {
  const N = UPDATE_N,
    L2 = Math.fround(0.3);
  const grads = random(N, 7),
    params = random(N, 8);
  /** grads + l2·params, and clipping to a norm above the gradients' (no change), below it (scaled), of zero gradients. */
  const transformRuns = perEngine((e) => {
    const at = regions(),
      g = at(N),
      p = at(N),
      c = at(N),
      z = at(N);
    e.f32.set(grads, g);
    e.f32.set(params, p);
    e.l2Gradient(g, p, N, L2);
    const l2 = read(e, g, N);
    const clip = (maxNorm: number) => {
      e.f32.set(grads, c);
      const norm = e.clipGradients(c, N, maxNorm);
      return { norm, grads: read(e, c, N) };
    };
    e.f32.fill(0, z, z + N);
    return {
      l2,
      above: clip(Math.fround(100)),
      below: clip(Math.fround(0.5)),
      zero: { norm: e.clipGradients(z, N, 1), grads: read(e, z, N) },
    };
  });
  const norm = Math.sqrt(grads.reduce((s, v) => s + v * v, 0));
  const normBound = gamma(N + 2, U64) * norm;
  // One rounding each of l2·p and of the sum in the core, one in js: 4U of the terms.
  const l2Want = Array.from(grads, (v, i) => v + L2 * params[i]),
    l2Bound = Array.from(grads, (v, i) => 4 * U * (Math.abs(v) + L2 * Math.abs(params[i])));
  // The scale maxNorm/norm rounded to float32 and the product in the core, one rounding in js: 4U.
  const clipWant = Array.from(grads, (v) => (v * 0.5) / norm),
    clipBound = clipWant.map((v) => 4 * U * Math.abs(v));

  eachEngine(ENGINES)(
    '%s: l2Gradient = grads + l2·params; clipGradients returns the float64 norm and scales only above maxNorm',
    (_, e) => {
      const { l2, above, below, zero } = transformRuns(e);
      const worst = new Worst(`${e.name} gradient transforms`),
        same = new Same(`${e.name} clipGradients below its limit`);
      l2.forEach((v, i) => worst.see(v, l2Want[i], l2Bound[i], () => `l2Gradient [${i}]`));
      worst.see(above.norm, norm, normBound, () => 'clipGradients norm');
      worst.see(below.norm, norm, normBound, () => 'clipGradients norm');
      below.grads.forEach((v, i) => worst.see(v, clipWant[i], clipBound[i], () => `clipGradients, scaled [${i}]`));
      worst.check();
      expect(norm).toBeGreaterThan(0.5);
      expect(norm).toBeLessThan(100);
      same.floats(above.grads, grads, 'gradients under the limit');
      same.numbers([zero.norm], [0], 'zero gradients: norm');
      same.floats(zero.grads, new Float32Array(N), 'zero gradients: still zero, no 0/0');
      same.check();
    },
  );

  it('the builds agree bit for bit, and js within the bounds; the norm is the same float64 on every engine', () => {
    const same = new Same('gradient transforms'),
      worst = new Worst('gradient transforms: wasm vs js'),
      js = transformRuns(JS);
    for (const e of WASM) {
      const run = transformRuns(e),
        debug = transformRuns(DEBUG);
      same.floats(run.l2, debug.l2, `${e.name} l2Gradient`);
      same.floats(run.below.grads, debug.below.grads, `${e.name} clipGradients`);
      same.numbers([run.above.norm, run.below.norm], [js.above.norm, js.below.norm], `${e.name} norm`);
      run.l2.forEach((v, i) => worst.see(v, js.l2[i], l2Bound[i], () => `${e.name} l2Gradient [${i}]`));
      run.below.grads.forEach((v, i) =>
        worst.see(v, js.below.grads[i], clipBound[i], () => `${e.name} clipGradients [${i}]`),
      );
    }
    same.check();
    worst.check();
  });

  eachEngine(ENGINES)(
    '%s: allFinite finds one ±∞ or NaN at any position, in SIMD lanes and tails, aligned or not, and passes the largest finite values',
    (_, e) => {
      let wrong = '';
      const at = regions(),
        base = at(40);
      for (const offset of [0, 1]) {
        for (const n of [1, 3, 4, 7, 9, 33]) {
          const x = base + 1 + offset,
            f = e.f32;
          for (let i = 0; i < n; i++) f[x + i] = (i % 2 ? -1 : 1) * 3.4028234e38;
          f[x - 1] = NaN; // outside the range checked, on both sides
          f[x + n] = Infinity;
          if (!e.allFinite(x, n)) wrong ||= `offset ${offset}, N=${n}: all finite, said not`;
          for (let bad = 0; bad < n; bad++) {
            for (const value of [Infinity, -Infinity, NaN]) {
              const keep = f[x + bad];
              f[x + bad] = value;
              if (e.allFinite(x, n)) wrong ||= `offset ${offset}, N=${n}: ${value} at ${bad} missed`;
              f[x + bad] = keep;
            }
          }
        }
      }
      expect(wrong).toBe('');
    },
  );
});

// ---- dropout ----

/** 250 SIMD blocks of dropoutBackward and a tail of one. */
const DROPOUT_N = 1001;
/** The words of a dropout record as the registry writes them: the 32-bit threshold and the float32 scale 1/(1 − rate). */
function dropoutWords(rate: number): { dropBelow: number; scale: number } {
  const words = new Map(LAYER_KINDS.dropout.words({ kind: 'dropout', rate }));
  return {
    dropBelow: words.get(L_DROP_BELOW)!,
    scale: new Float32Array(new Uint32Array([words.get(L_SCALE)!]).buffer)[0],
  };
}

const DROPOUT_RATES = [0.25, 0];

/**
 * Each rate's dropout over the same inputs and generator state: the mask and output, the gradient
 * out of place and in place, and the 32-bit draws a twin of the generator gives meanwhile.
 */
const dropoutRuns = perEngine((e) =>
  DROPOUT_RATES.map((rate) => {
    const N = DROPOUT_N,
      { dropBelow, scale } = dropoutWords(rate),
      at = regions();
    const inp = at(N),
      out = at(N),
      mask = at(N),
      dout = at(N),
      dinp = at(N),
      inPlace = at(N),
      rng = at(4),
      twin = at(4);
    e.f32.set(random(N, 21), inp);
    e.f32.set(random(N, 22), dout);
    e.f32.set(random(N, 22), inPlace);
    e.rngSeed(rng, 2024);
    e.rngSeed(twin, 2024);
    const draws = Array.from({ length: N }, () => e.rngNext(twin));
    e.dropoutForward(out, mask, inp, N, dropBelow, scale, rng);
    e.dropoutBackward(dinp, mask, dout, N);
    e.dropoutBackward(inPlace, mask, inPlace, N);
    return {
      rate,
      dropBelow,
      scale,
      draws,
      inp: read(e, inp, N),
      dout: read(e, dout, N),
      mask: read(e, mask, N),
      out: read(e, out, N),
      dinp: read(e, dinp, N),
      dinpInPlace: read(e, inPlace, N),
      rng: Array.from(e.u32.subarray(rng, rng + 4)),
      twin: Array.from(e.u32.subarray(twin, twin + 4)),
    };
  }),
);

describe('dropout', () => {
  eachEngine(ENGINES)(
    '%s: dropoutForward: one draw per unit, dropped below the threshold, kept × 1/(1 − rate); out = in·mask',
    (_, e) => {
      for (const run of dropoutRuns(e)) {
        const worst = new Worst(`${e.name} dropout at rate ${run.rate}`);
        let dropped = 0;
        run.draws.forEach((draw, i) => {
          const factor = draw < run.dropBelow ? 0 : run.scale;
          dropped += Number(factor === 0);
          worst.see(run.mask[i], factor, 0, () => `mask [${i}], draw ${draw}`);
          worst.see(run.out[i], Math.fround(run.inp[i] * factor), 0, () => `out [${i}]`);
        });
        worst.check();
        expect(run.mask.filter((v) => v === 0).length, 'the drop count').toBe(dropped);
        expect(run.rng, 'the generator moved on by one draw per unit').toEqual(run.twin);
        // The threshold is the rate's share of 2³²: within 5 standard deviations of N·rate (exactly none at rate 0).
        const mean = DROPOUT_N * run.rate,
          sd = Math.sqrt(DROPOUT_N * run.rate * (1 - run.rate));
        expect(Math.abs(dropped - mean), `${dropped} dropped of ${DROPOUT_N} at rate ${run.rate}`).toBeLessThanOrEqual(
          5 * sd,
        );
      }
      const none = dropoutRuns(e).find((run) => run.rate === 0)!;
      const same = new Same(`${e.name} dropout at rate 0`);
      same.floats(none.out, none.inp, 'out = in');
      same.check();
    },
  );

  eachEngine(ENGINES)('%s: dropoutBackward: dinp = dout·mask, in place too', (_, e) => {
    const worst = new Worst(`${e.name} dropoutBackward`);
    for (const run of dropoutRuns(e)) {
      run.dout.forEach((d, i) => {
        const want = Math.fround(d * run.mask[i]);
        worst.see(run.dinp[i], want, 0, () => `rate ${run.rate} [${i}]`);
        worst.see(run.dinpInPlace[i], want, 0, () => `rate ${run.rate}, in place [${i}]`);
      });
    }
    worst.check();
  });

  it('every build and js draw the same mask bits from the same generator state, and give the same outputs bit for bit', () => {
    const same = new Same('dropout'),
      js = dropoutRuns(JS);
    for (const e of WASM) {
      dropoutRuns(e).forEach((run, r) => {
        for (const key of ['mask', 'out', 'dinp', 'dinpInPlace'] as const)
          same.floats(run[key], js[r][key], `${e.name} rate ${run.rate} ${key}`);
        same.numbers(run.rng, js[r].rng, `${e.name} rate ${run.rate} generator state`);
      });
    }
    same.check();
  });
});

// ---- layer dispatch ----

/** A layer's regions, as word offsets (0: none). */
interface LayerRegions {
  inp: number;
  out: number;
  dinp: number;
  dout: number;
  weight: number;
  bias: number;
  dweight: number;
  dbias: number;
  mask: number;
}

/** A layer and what its record must amount to: its kernels called directly on the same regions. */
interface LayerCase {
  spec: LayerSpec;
  C: number;
  OC: number;
  forward(e: Engine, r: LayerRegions, rows: number, training: boolean, rng: number): void;
  backward(e: Engine, r: LayerRegions, rows: number): void;
}

/** Layers of each registry kind (an activation layer of each activation). Keyed by kind: a kind without cases fails to type-check. */
const LAYER_CASES: Record<LayerSpec['kind'], () => LayerCase[]> = {
  dense: () => [
    {
      spec: { kind: 'dense', units: 6 },
      C: 9,
      OC: 6,
      forward: (e, r, rows) => e.matmulForward(r.out, r.inp, r.weight, r.bias, rows, 9, 6),
      backward: (e, r, rows) => {
        e.matmulBackwardWeight(r.dweight, r.dbias, r.dout, r.inp, rows, 9, 6);
        if (r.dinp) e.matmulBackwardInput(r.dinp, r.dout, r.weight, rows, 9, 6);
      },
    },
  ],
  activation: () =>
    OUTPUT_ACTIVATION_NAMES.map((activation) => ({
      spec: { kind: 'activation', activation },
      C: 6,
      OC: 6,
      forward: (e, r, rows) => e.activationForward(ACTIVATIONS[activation].code, r.out, r.inp, rows, 6),
      backward: (e, r, rows) => {
        if (r.dinp) e.activationBackward(ACTIVATIONS[activation].code, r.dinp, r.inp, r.out, r.dout, rows, 6);
      },
    })),
  dropout: () => [
    {
      spec: { kind: 'dropout', rate: 0.3 },
      C: 6,
      OC: 6,
      forward: (e, r, rows, training, rng) => {
        const { dropBelow, scale } = dropoutWords(0.3);
        if (training) e.dropoutForward(r.out, r.mask, r.inp, rows * 6, dropBelow, scale, rng);
        else e.f32.copyWithin(r.out, r.inp, r.inp + rows * 6);
      },
      backward: (e, r, rows) => {
        if (r.dinp) e.dropoutBackward(r.dinp, r.mask, r.dout, rows * 6);
      },
    },
  ],
};

const layerCases = (Object.keys(LAYER_KINDS) as LayerSpec['kind'][]).flatMap((kind) => LAYER_CASES[kind]());

describe('layer dispatch: forwardLayers and backwardLayers on one hand-written record = the kernels called directly', () => {
  const ROWS = 5;

  it.each(ENGINES.flatMap((e) => layerCases.map((c) => [`${e.name}: ${JSON.stringify(c.spec)}`, e, c] as const)))(
    '%s',
    (_, e, c) => {
      // The kind's registry entry; the casts only let TypeScript call a union's words() and inPlace().
      const kind = LAYER_KINDS[c.spec.kind] as (typeof LAYER_KINDS)['dense'],
        spec = c.spec as Extract<LayerSpec, { kind: 'dense' }>;
      const inPlace = kind.inPlace(spec),
        at = regions(),
        f = e.f32,
        u = e.u32;
      const size: Record<keyof LayerRegions, number> = {
        inp: ROWS * c.C,
        dinp: ROWS * c.C,
        out: ROWS * c.OC,
        dout: ROWS * c.OC,
        mask: ROWS * c.OC,
        weight: c.OC * c.C,
        dweight: c.OC * c.C,
        bias: c.OC,
        dbias: c.OC,
      };
      const keys = Object.keys(size) as (keyof LayerRegions)[];
      // Two copies of the same layer, laid out as the plan lays them (in place where the registry says so):
      // one driven through its record, one by direct kernel calls. Outputs start as NaN, so every one must be written.
      const place = (): LayerRegions => {
        const inp = at(size.inp),
          dout = at(size.dout);
        const r: LayerRegions = {
          inp,
          dout,
          out: inPlace.value ? inp : at(size.out),
          dinp: inPlace.delta ? dout : at(size.dinp),
          weight: at(size.weight),
          bias: at(size.bias),
          dweight: at(size.dweight),
          dbias: at(size.dbias),
          mask: kind.hasState ? at(size.mask) : 0,
        };
        for (const key of ['out', 'dinp', 'dweight', 'dbias', 'mask'] as const)
          if (r[key]) f.fill(NaN, r[key], r[key] + size[key]);
        f.set(random(size.inp, 31, -2, 2), r.inp);
        f.set(random(size.dout, 32), r.dout);
        f.set(random(size.weight, 33), r.weight);
        f.set(random(size.bias, 34), r.bias);
        return r;
      };
      const r = place(),
        direct = place(),
        record = at(LAYER_WORDS),
        elsewhere = at(size.inp),
        rngA = at(4),
        rngB = at(4);
      f.set(random(size.inp, 35), elsewhere);
      // The record as the plan writes it: the common words, the dense words, and the kind's own words from the registry.
      const bytes = (word: number): number => word * 4;
      u.fill(0, record, record + LAYER_WORDS);
      u[record + L_KIND] = kind.code;
      u[record + L_IN] = c.C;
      u[record + L_OUT] = c.OC;
      u[record + L_INPUT] = bytes(elsewhere); // the first layer takes the input it is given, not this
      for (const [word, key] of [
        [L_OUTPUT, 'out'],
        [L_DINPUT, 'dinp'],
        [L_DOUTPUT, 'dout'],
        [L_WEIGHT, 'weight'],
        [L_BIAS, 'bias'],
        [L_DWEIGHT, 'dweight'],
        [L_DBIAS, 'dbias'],
        [L_MASK, 'mask'],
      ] as const)
        u[record + word] = bytes(r[key]);
      for (const [word, value] of kind.words(spec)) u[record + word] = value;
      e.rngSeed(rngA, 5);
      e.rngSeed(rngB, 5);
      const low = read(e, 0, 16);
      const compare = (what: string): void => {
        const same = new Same(`${e.name} ${JSON.stringify(c.spec)}, ${what}`);
        for (const key of keys)
          if (r[key]) same.floats(read(e, r[key], size[key]), read(e, direct[key], size[key]), key);
        same.numbers(u.subarray(rngA, rngA + 4), u.subarray(rngB, rngB + 4), 'generator state');
        same.floats(read(e, 0, 16), low, 'the words at offset 0 (L_DINPUT = 0 means none)');
        same.check();
      };

      // Training: forward, then backward.
      e.forwardLayers(record, 1, r.inp, ROWS, true, rngA);
      c.forward(e, direct, ROWS, true, rngB);
      e.backwardLayers(record, 0, r.inp, ROWS);
      c.backward(e, direct, ROWS);
      compare('training pass');
      // Inference: dropout is the identity and draws nothing.
      e.forwardLayers(record, 1, r.inp, ROWS, false, rngA);
      c.forward(e, direct, ROWS, false, rngB);
      compare('inference pass');
      // A first layer's record: no gradient for its input (L_DINPUT = 0); nothing may be written for it, there or at 0.
      u[record + L_DINPUT] = 0;
      if (!inPlace.delta) for (const at of [r.dinp, direct.dinp]) f.fill(7, at, at + size.dinp);
      for (const at of [r.dout, direct.dout]) f.set(random(size.dout, 36), at);
      e.backwardLayers(record, 0, r.inp, ROWS);
      c.backward(e, { ...direct, dinp: 0 }, ROWS);
      compare('backward with L_DINPUT = 0');
    },
  );
});

// ---- the generator ----

// test/rng.test.ts holds the js generator to a BigInt xoshiro128** and splitmix32 and to Math.log;
// here each build of the core must give the js engine's stream bit for bit, so the references carry over.
describe("the generator: each build of the core gives the js engine's numbers, bit for bit", () => {
  const SEEDS = [0, 1, 42, 0x80000000, 0xffffffff];

  /** Runs `draw` on a generator seeded alike in the build and in js; compares what they return and their states after. */
  function alike(w: WasmEngine, what: string, draw: (e: Engine, state: number) => number[]): void {
    const same = new Same(`${w.name} ${what}`),
      at = regions(),
      state = at(4);
    for (const seed of SEEDS) {
      const got = ENGINES.filter((e) => e === w || e === JS).map((e) => {
        e.rngSeed(state, seed);
        const seeded = Array.from(e.u32.subarray(state, state + 4));
        return { seeded, values: draw(e, state), after: Array.from(e.u32.subarray(state, state + 4)) };
      });
      same.numbers(got[0].seeded, got[1].seeded, `rngSeed(${seed})`);
      same.numbers(got[0].values, got[1].values, `seed ${seed}`);
      same.numbers(got[0].after, got[1].after, `seed ${seed}, state after`);
    }
    same.check();
  }

  eachEngine(WASM)('%s: rngSeed, then 1000 × rngNext', (_, w) => {
    alike(w, 'rngNext', (e, s) => Array.from({ length: 1000 }, () => e.rngNext(s)));
  });

  eachEngine(WASM)('%s: rngBelow for n from 1 to 2³² − 1', (_, w) => {
    alike(w, 'rngBelow', (e, s) =>
      [1, 2, 3, 10, 1000, 2 ** 21 + 1, 2 ** 31 + 12345, 2 ** 32 - 1].flatMap((n) =>
        Array.from({ length: 100 }, () => e.rngBelow(s, n)),
      ),
    );
  });

  eachEngine(WASM)('%s: 1000 × rngNormal (float64)', (_, w) => {
    alike(w, 'rngNormal', (e, s) => Array.from({ length: 1000 }, () => e.rngNormal(s)));
  });

  eachEngine(WASM)('%s: shuffleIndex of 0, 1, 2, 7 and 1000 rows', (_, w) => {
    const index = regions()(1000 + 8) + 4;
    alike(w, 'shuffleIndex', (e, s) =>
      [0, 1, 2, 7, 1000].flatMap((n) => {
        for (let i = 0; i < n; i++) e.u32[index + i] = i;
        e.u32[index + n] = 0xdeadbeef; // one past the end: untouched
        e.shuffleIndex(s, index, n);
        return Array.from(e.u32.subarray(index, index + n + 1));
      }),
    );
  });

  eachEngine(WASM)('%s: portableLog over (0, 1], from 1 down to 2⁻¹⁰⁷⁴', (_, w) => {
    const xs = [1, 0.5, 2 ** -1074, 2 ** -1022, Number.MIN_VALUE * 3, 1 - 2 ** -53];
    for (let k = 0; k < 20000; k++) xs.push(Math.pow(2, -46 * (k / 20000)) * (0.5 + ((k * 7919) % 1000) / 2000));
    const same = new Same(`${w.name} portableLog`);
    same.numbers(
      xs.map((x) => w.portableLog(x)),
      xs.map((x) => JS.portableLog(x)),
      'log',
    );
    same.check();
  });
});

// ---- the exports ----

/** The builds compiled with SIMD (asconfig.json's targets). */
const SIMD_FLAG: Record<Build, number> = { debug: 1, release: 1, scalar: 0, fma: 1 };

/** What the engine itself calls: the Core functions of src/arena-engine.ts (the js twin lists them), useArena (src/wasm/engine.ts), and the team's workerLoop and endTeam (src/wasm/team-host.ts). */
const ENGINE_CALLS = [
  ...Object.keys(jsCore(new ArrayBuffer(4096), new Float64Array(0))),
  'useArena',
  'workerLoop',
  'endTeam',
];

describe("the core's exports", () => {
  eachEngine(WASM)('%s: SIMD is 1 on the SIMD builds and 0 on the scalar one', (_, w) => {
    expect(w.simd).toBe(SIMD_FLAG[w.build]);
  });

  // Runs last: it reads which exports the tests above called. An export nobody calls is dead code.
  eachEngine(WASM)(
    '%s: every function export is called by this suite, or is a model function the engine calls',
    (_, w) => {
      expect(
        ENGINE_CALLS.filter((name) => !w.functions.includes(name)),
        'engine calls the core lacks',
      ).toEqual([]);
      expect(
        w.functions.filter((name) => !w.called.has(name) && !ENGINE_CALLS.includes(name)),
        'exports never called',
      ).toEqual([]);
    },
  );
});
