// Arbitraries for test/fuzz.test.ts: well-formed networks and arguments, and the malicious forms of each.
import { fc } from '@fast-check/vitest';
import type { NetworkOptions } from '../src/index.js';
import { ACTIVATION_NAMES, OPTIMIZER_NAMES, OUTPUT_ACTIVATION_NAMES } from '../src/registry.js';

/** Gives an exotic value a short name in fast-check's counterexamples (a proxy or a 1.4e6-row array must not be printed whole). */
export function named<T extends object>(label: string, value: T): T {
  if (Object.isExtensible(value))
    Object.defineProperty(value, fc.toStringMethod, { value: () => label, configurable: true });
  return value;
}

// ---------------------------------------------------------------------------------------------
// Instruments: a library that walks a value claiming 1e8 rows, or allocates gigabytes, would hang
// or exhaust the machine before any assertion ran, so both are stopped at the source and reported.

/** What a budgeted value may be read during one call; the invariant helper arms it around each call. */
export const readBudget = { reads: 0, limit: Infinity };

export class WalkedTooFar extends Error {
  override name = 'WalkedTooFar';
}

function touch(what: string): void {
  if (++readBudget.reads > readBudget.limit) {
    throw new WalkedTooFar(`read more than ${readBudget.limit} elements of ${what} instead of refusing it early`);
  }
}

const lying = new WeakSet<object>();

/** Whether `value` is one of claimingLength's proxies (which this file must not walk either). */
export const isLying = (value: unknown): boolean => typeof value === 'object' && value !== null && lying.has(value);

/** An array whose `length` lies: it claims `length` elements but holds only those of `values`. */
export function claimingLength<T>(values: T[], length: number): T[] {
  const label = `Proxy(${fc.stringify(values)} claiming length ${length})`;
  const target = named(label, values.slice());
  const proxy = new Proxy(target, {
    get: (t, key, receiver) => {
      if (key === 'length') return length;
      if (typeof key === 'string') touch(label);
      return Reflect.get(t, key, receiver);
    },
    has: (t, key) => {
      if (typeof key === 'string') touch(label);
      return Reflect.has(t, key);
    },
  });
  lying.add(proxy);
  return proxy;
}

/** `rows` rows that all share one `width`-number array: cheap to build, gigabytes once packed. Reading a row's first element is budgeted. */
export function sharedRows(rows: number, width: number, value = 0.5): number[][] {
  const row = Array.from({ length: width }, (_, i) => (i % 7) / 7);
  const label = `${rows} rows sharing one ${width}-number row`;
  Object.defineProperty(row, 0, { get: () => (touch(label), value), enumerable: true });
  return named(label, new Array<number[]>(rows).fill(row));
}

export class HugeAllocation extends Error {
  override name = 'HugeAllocation';
}

/** Makes every `new ArrayBuffer` and `new WebAssembly.Memory` above `cap` bytes throw; returns the undo. */
export function capAllocations(cap: number): () => void {
  const { ArrayBuffer: Buffer } = globalThis;
  const wasm = WebAssembly as { Memory: typeof WebAssembly.Memory };
  const Memory = wasm.Memory;
  const check = (bytes: number, what: string): void => {
    if (bytes > cap)
      throw new HugeAllocation(
        `${what} of ${(bytes / 2 ** 30).toFixed(2)} GiB (more than ${(cap / 2 ** 30).toFixed(2)} GiB)`,
      );
  };
  globalThis.ArrayBuffer = new Proxy(Buffer, {
    construct: (target, args, newTarget) => (
      check(Number(args[0]), 'new ArrayBuffer'),
      Reflect.construct(target, args, newTarget)
    ),
  });
  wasm.Memory = new Proxy(Memory, {
    construct: (target, args, newTarget) => {
      check(Number((args[0] as { initial?: number } | undefined)?.initial) * 65536, 'new WebAssembly.Memory');
      return Reflect.construct(target, args, newTarget);
    },
  });
  return () => {
    globalThis.ArrayBuffer = Buffer;
    wasm.Memory = Memory;
  };
}

// ---------------------------------------------------------------------------------------------
// Values.

/** Thrown by the fuzzer's own callbacks; the library may let it through. */
export class CallerError extends Error {
  override name = 'CallerError';
}

/** An object that must never be stringified: the library has no reason to call its toString. */
function hostile(): object {
  const boom = (): never => {
    throw new Error('the library converted a caller value to a string or number');
  };
  return named('hostile({ toString, valueOf, [Symbol.toPrimitive] all throw })', {
    toString: boom,
    valueOf: boom,
    [Symbol.toPrimitive]: boom,
  });
}

/** Numbers at float32's edges and beyond: -0, denormals that round to 0, values that round to 1, the largest float32, overflow. */
const EDGE_NUMBERS = [
  -0,
  1e-46,
  1.4e-45,
  0.99999999,
  3.4028235e38,
  -3.4028235e38,
  3.4028236e38,
  1e39,
  2 ** 32,
  2 ** 53,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  NaN,
  Infinity,
  -Infinity,
  1e300,
];

/** A value of the wrong type, or of the right type with a broken value. */
export const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>('abc', '', '2', null, undefined, true, false, Symbol('s'), 3n, -1, 0, 1.5, ...EDGE_NUMBERS),
  fc
    .constantFrom<() => unknown>(
      () => named('() => 1', () => 1),
      () => ({}),
      () => [],
      () => [[]],
      () => named('new Date(0)', new Date(0)),
      () => named('new Map()', new Map()),
      () => named("new Error('x')", new Error('x')),
      () => named('Object.create(null)', Object.create(null) as object),
      hostile,
      () => named('Float32Array.of(1, 2)', Float32Array.of(1, 2)),
      () => JSON.parse('{"__proto__": {"polluted": true}}') as unknown,
    )
    .map((make) => make()),
);

const cellValue: fc.Arbitrary<number> = fc.oneof(
  { weight: 12, arbitrary: fc.double({ min: -3, max: 3, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(...EDGE_NUMBERS) },
);

/** Rows of `cols` ordinary numbers in [-1, 1]. */
export const cleanRows = (cols: number, rows: number): fc.Arbitrary<number[][]> =>
  fc.array(fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: cols, maxLength: cols }), {
    minLength: rows,
    maxLength: rows,
  });

/** Ordinary targets: values in [0, 1], or class indices for softmax outputs. */
export const cleanTargets = (outputs: number, rows: number, softmax: boolean): fc.Arbitrary<unknown> =>
  softmax
    ? fc.oneof(
        fc.array(fc.integer({ min: 0, max: outputs - 1 }), { minLength: rows, maxLength: rows }),
        fc.array(
          fc
            .integer({ min: 0, max: outputs - 1 })
            .map((c) => Array.from({ length: outputs }, (_, j) => Number(j === c))),
          { minLength: rows, maxLength: rows },
        ),
      )
    : fc.array(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: outputs, maxLength: outputs }), {
        minLength: rows,
        maxLength: rows,
      });

/** Well-formed rows of `cols` numbers (now and then a float32 edge value). */
export const plainRows = (cols: number, rows: number): fc.Arbitrary<number[][]> =>
  fc.array(fc.array(cellValue, { minLength: cols, maxLength: cols }), { minLength: rows, maxLength: rows });

type TypedArrayKind = 'Float32Array' | 'Float64Array' | 'Int8Array' | 'Uint8Array' | 'Int32Array' | 'BigInt64Array';
const TYPED_KINDS: TypedArrayKind[] = [
  'Float32Array',
  'Float64Array',
  'Int8Array',
  'Uint8Array',
  'Int32Array',
  'BigInt64Array',
];

function typedArray(kind: TypedArrayKind, values: number[]): ArrayBufferView {
  if (kind === 'BigInt64Array')
    return BigInt64Array.from(values, (v) =>
      BigInt(Number.isFinite(v) ? Math.trunc(Math.max(-1e18, Math.min(1e18, v))) : 0),
    );
  const Ctor = globalThis[kind] as unknown as { from(values: number[]): ArrayBufferView };
  return Ctor.from(values);
}

/** The same numbers as a Float32Array view with a byteOffset into a larger buffer whose other elements are NaN. */
function offsetView(values: number[]): Float32Array {
  const buffer = new Float32Array(values.length + 5).fill(NaN);
  buffer.set(values, 3);
  return buffer.subarray(3, 3 + values.length);
}

/** A hole at `index` (an array literal `[a, , b]`). */
function withHole<T>(values: T[], index: number): T[] {
  const copy = [...values];
  delete copy[index % copy.length];
  return copy;
}

/** Every form a matrix can take, well-formed or not, from rows of numbers. */
const FORMS = {
  rows: (m: number[][]) => m,
  typed: (m: number[][]) => ({ data: Float32Array.from(m.flat()), rows: m.length, cols: m[0]?.length ?? 0 }),
  typedOfKind: (m: number[][], k: number) => ({
    data: typedArray(TYPED_KINDS[k % TYPED_KINDS.length], m.flat()),
    rows: m.length,
    cols: m[0]?.length ?? 0,
  }),
  typedView: (m: number[][]) => ({ data: offsetView(m.flat()), rows: m.length, cols: m[0]?.length ?? 0 }),
  typedMismatch: (m: number[][], k: number) => {
    const data = Float32Array.from(m.flat()),
      rows = m.length,
      cols = m[0]?.length ?? 0;
    const lies: unknown[] = [rows + 1, rows - 1, 0, 1.5, -rows, '1', 2 ** 32, NaN, undefined];
    return k % 2 === 0
      ? { data, rows: lies[(k >> 1) % lies.length], cols }
      : { data, rows, cols: lies[(k >> 1) % lies.length] };
  },
  typedRows: (m: number[][], k: number) => m.map((row) => typedArray(TYPED_KINDS[k % TYPED_KINDS.length], row)),
  holeyRows: (m: number[][], k: number) => withHole(m, k),
  holeyCell: (m: number[][], k: number) => m.map((row, r) => (r === k % m.length ? withHole(row, k) : row)),
  flat: (m: number[][]) => m[0],
  transparentProxy: (m: number[][]) => new Proxy(m, {}),
  rowClaimingLength: (m: number[][]) => [claimingLength(m[0], 1e8), ...m.slice(1)],
  arrayLike: (m: number[][]) => Object.assign({ length: m.length }, m),
  nested: (m: number[][]) => [m],
  junkCell: (m: number[][], k: number, j: unknown) =>
    m.map((row, r) => (r === k % m.length ? row.map((v, c) => (c === k % row.length ? j : v)) : row)),
  junkRow: (m: number[][], k: number, j: unknown) => m.map((row, r) => (r === k % m.length ? j : row)),
  junk: (_m: number[][], _k: number, j: unknown) => j,
  empty: () => [],
} satisfies Record<string, (m: number[][], k: number, j: unknown) => unknown>;

type FormName = keyof typeof FORMS;
const FORM_NAMES = Object.keys(FORMS) as FormName[];

/**
 * A matrix argument for `cols` columns and `rows` rows: plain rows half the time, else any form in
 * FORMS; now and then one column too many or too few.
 */
export function matrix(cols: number, rows: number): fc.Arbitrary<unknown> {
  const width = fc.oneof(
    { weight: 8, arbitrary: fc.constant(cols) },
    { weight: 1, arbitrary: fc.constantFrom(cols + 1, Math.max(0, cols - 1)) },
  );
  const form = fc.oneof(
    { weight: 10, arbitrary: fc.constant<FormName>('rows') },
    { weight: 10, arbitrary: fc.constantFrom(...FORM_NAMES) },
  );
  return fc
    .tuple(
      width.chain((w) => plainRows(w, rows)),
      form,
      fc.nat(),
      junk,
    )
    .map(([m, f, k, j]) => FORMS[f](m, k, j));
}

/** Targets: a matrix of `outputs` columns, or a flat list (one output's column, or class indices for softmax). */
export function targets(outputs: number, rows: number): fc.Arbitrary<unknown> {
  const classIndex = fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 0, max: outputs - 1 }) },
    { weight: 1, arbitrary: fc.constantFrom(-1, outputs, 0.5, NaN, 2 ** 32) },
  );
  const classes = fc.array(classIndex, { minLength: rows, maxLength: rows });
  return fc.oneof(
    { weight: 4, arbitrary: matrix(outputs, rows) },
    { weight: 1, arbitrary: classes },
    { weight: 1, arbitrary: classes.map((c) => named(`Int32Array.of(${c.join(', ')})`, Int32Array.from(c))) },
    { weight: 1, arbitrary: fc.tuple(classes, fc.nat()).map(([c, k]) => withHole(c, k)) },
    { weight: 1, arbitrary: fc.array(cellValue, { minLength: rows, maxLength: rows }) },
  );
}

// ---------------------------------------------------------------------------------------------
// Networks and options.

export const HIDDEN = ACTIVATION_NAMES;
const OUTPUTS = OUTPUT_ACTIVATION_NAMES;
const INITS = ['seed', 'xavier', 'xavierUniform', 'xavierNormal', 'he', 'heUniform', 'heNormal'] as const;

/** A small valid network (widths ≤ 6), its options consistent (softmax has 2+ outputs, cross-entropy a softmax or sigmoid output). */
export const networkOptions: fc.Arbitrary<NetworkOptions> = fc
  .record({
    inputs: fc.integer({ min: 1, max: 4 }),
    hidden: fc.array(fc.integer({ min: 1, max: 6 }), { maxLength: 2 }),
    outputs: fc.integer({ min: 1, max: 4 }),
    activation: fc.constantFrom(...HIDDEN),
    outputActivation: fc.constantFrom(...OUTPUTS),
    crossEntropy: fc.boolean(),
    optimizer: fc.constantFrom<NetworkOptions['optimizer']>(
      ...OPTIMIZER_NAMES,
      { type: 'momentum', momentum: 0.5, nesterov: true },
      { type: 'adam', beta1: 0.8, beta2: 0.99, epsilon: 1e-6 },
    ),
    l2: fc.constantFrom(0, 1e-3),
    clipNorm: fc.constantFrom(undefined, 1),
    init: fc.constantFrom(...INITS),
    learningRate: fc.constantFrom(0.05, 0.5),
    seed: fc.nat(),
    threads: fc.constantFrom(undefined, 1, 2, 3),
  })
  .map(({ inputs, hidden, outputs, outputActivation, crossEntropy, clipNorm, threads, ...rest }): NetworkOptions => {
    const out = outputActivation === 'softmax' ? Math.max(2, outputs) : outputs;
    const loss =
      crossEntropy && (outputActivation === 'softmax' || outputActivation === 'sigmoid') ? 'crossEntropy' : 'mse';
    return {
      ...rest,
      layers: [inputs, ...hidden, out],
      outputActivation,
      loss,
      ...(clipNorm === undefined ? {} : { clipNorm }),
      ...(threads === undefined ? {} : { threads }),
    };
  });

/** Values for each network option: valid ones, near misses and junk. */
const networkOptionValues: Record<string, fc.Arbitrary<unknown>> = {
  layers: fc.oneof(
    fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 2, maxLength: 4 }),
    fc
      .constantFrom<() => unknown>(
        () => [],
        () => [2],
        () => [2, 0, 1],
        () => [2, 1.5],
        () => [2, -1],
        () => [2, NaN],
        () => ['2', 1],
        () => [2, 2 ** 32],
        () => [2, 1e39],
        () => [2, 3n],
        () => withHole([2, 3, 1], 1),
        () => Int32Array.of(2, 1),
        () => Float32Array.of(2, 1),
        () => claimingLength([2, 1], 1e8),
        () => ({ length: 2, 0: 2, 1: 1 }),
        () => [2, 1, Object.create(null)],
        () => [2, hostile()],
        () => [2, -0, 1],
      )
      .map((make) => make()),
    junk,
  ),
  learningRate: fc.oneof(fc.constantFrom(0.1, 1e-3, 10), junk),
  alpha: fc.oneof(fc.constantFrom(0.1, 0.5), junk),
  activation: fc.oneof(fc.constantFrom(...HIDDEN, 'softmax', 'Sigmoid', 'swish'), junk),
  outputActivation: fc.oneof(fc.constantFrom(...OUTPUTS, 'linear'), junk),
  loss: fc.oneof(fc.constantFrom('mse', 'crossEntropy', 'crossentropy', 'hinge'), junk),
  seed: fc.oneof(fc.nat(), fc.constantFrom(0, 2 ** 32 - 1, 2 ** 32, -1, 1.5, 2 ** 53), junk),
  optimizer: fc.oneof(
    fc.constantFrom<unknown>(
      'sgd',
      'momentum',
      'adam',
      'Adam',
      'rmsprop',
      { type: 'adam', beta1: 1 },
      { type: 'adam', beta2: -0.1 },
      { type: 'adam', epsilon: 0 },
      { type: 'momentum', momentum: 1 },
      { type: 'momentum', nesterov: 'yes' },
      { type: 'sgd', momentum: 0.9 },
      { type: 'momentum', momentum: NaN },
      { momentum: 0.9 },
      { type: 'adam', beta1: 0.9, beta2: 0.999, epsilon: 1e-8, amsgrad: true },
    ),
    junk,
  ),
  l2: fc.oneof(fc.constantFrom(0, 1e-4), junk),
  clipNorm: fc.oneof(fc.constantFrom(1, 0.5), junk),
  init: fc.oneof(fc.constantFrom(...INITS, 'glorot', 'He'), junk),
  threads: fc.oneof(fc.constantFrom(1, 2, 'auto', 0, 33, 2.5, '2'), junk),
  arithmetic: fc.oneof(fc.constantFrom('portable', 'fma', 'FMA', 'fast'), junk),
};

/** Unknown keys: near-typos of real ones, prototype names, and a __proto__ own key. */
const strayKeys = fc.constantFrom(
  'learningrate',
  'Layers',
  'epochs',
  'constructor',
  'toString',
  'hasOwnProperty',
  '__proto__',
  'seed ',
);

/** NeuralNetwork.create's argument: a valid network now and then broken in one or two options, or not an options object at all. */
export function createArgument(engine: string): fc.Arbitrary<unknown> {
  const broken = fc
    .tuple(
      networkOptions,
      fc.uniqueArray(fc.constantFrom(...Object.keys(networkOptionValues)), { maxLength: 2 }),
      fc.option(fc.tuple(strayKeys, junk)),
    )
    .chain(([options, keys, stray]) =>
      fc
        .tuple(fc.constant(options), ...keys.map((k) => networkOptionValues[k].map((v) => [k, v] as const)))
        .map(([o, ...changes]) => {
          const out: Record<string, unknown> = { ...o, engine };
          for (const [k, v] of changes) out[k] = v;
          if (stray)
            Object.defineProperty(out, stray[0], {
              value: stray[1],
              enumerable: true,
              configurable: true,
              writable: true,
            });
          return out;
        }),
    );
  const container = fc
    .tuple(
      networkOptions,
      fc.constantFrom<(o: object) => unknown>(
        (o) => Object.assign(Object.create(null) as object, o),
        (o) => named('Object.assign(new Date(0), options)', Object.assign(new Date(0), o)),
        (o) => named('Object.assign(new Error(), options)', Object.assign(new Error('options'), o)),
        (o) => named('new Map(Object.entries(options))', new Map(Object.entries(o))),
        (o) => Object.freeze(named('Object.freeze(options)', { ...o })),
        (o) => JSON.parse(`{"__proto__": {"polluted": true}, ${JSON.stringify(o).slice(1)}`) as unknown,
        (o) => new Proxy({ ...o }, {}),
      ),
    )
    .map(([o, wrap]) => wrap({ ...o, engine }));
  return fc.oneof(
    { weight: 2, arbitrary: networkOptions.map((o) => ({ ...o, engine })) },
    { weight: 6, arbitrary: broken },
    { weight: 1, arbitrary: container },
    { weight: 1, arbitrary: junk },
  );
}

/** A callback of the fit options: well-behaved, stopping, throwing, or not a function. */
const callback = fc.oneof(
  fc.constantFrom<unknown>(
    named('() => undefined', () => undefined),
    named('() => false', () => false),
    named('(epoch) => epoch < 2', (epoch: number) => epoch < 2),
    named('() => { throw new CallerError() }', () => {
      throw new CallerError('a callback threw');
    }),
  ),
  junk,
);

const earlyStopping = fc.oneof(
  fc.constantFrom<unknown>(
    true,
    false,
    {},
    { patience: 1 },
    { monitor: 'valLoss' },
    { monitor: 'loss', patience: 0, minDelta: 0.1, restoreBestWeights: true },
    { patience: -1 },
    { patience: 1.5 },
    { minDelta: NaN },
    { restoreBestWeights: 'yes' },
    { monitor: 'accuracy' },
    { patiense: 2 },
  ),
  junk,
);

/** Values for each fit option. Epochs are either invalid or at most 5: a valid huge count would really train. */
export function fitOptionValues(validation: fc.Arbitrary<unknown>): Record<string, fc.Arbitrary<unknown>> {
  return {
    epochs: fc.oneof(
      fc.integer({ min: 1, max: 5 }),
      fc.constantFrom(0, -1, 1.5, NaN, '3', 3n, null, Infinity, -Infinity),
    ),
    batchSize: fc.oneof(
      fc.integer({ min: 1, max: 8 }),
      fc.constantFrom(2 ** 31, 2 ** 40, 1e300, Number.MAX_SAFE_INTEGER),
      junk,
    ),
    shuffle: fc.oneof(fc.boolean(), junk),
    displayUpdate: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constantFrom(2 ** 40), junk),
    log: fc.oneof(fc.constant(named('() => {}', () => {})), callback),
    onEpochEnd: callback,
    validationSplit: fc.oneof(fc.constantFrom(0, 0.25, 0.5, 0.99, 1e-9), junk),
    validationData: fc.oneof(validation, junk),
    earlyStopping,
    tolerance: fc.oneof(fc.constantFrom(1e-3, 1e300), junk),
  };
}

/** fit's options: a few valid or broken options, a stray key now and then, or not an options object at all. */
export function fitOptions(validation: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  const values = fitOptionValues(validation);
  const some = fc
    .uniqueArray(fc.constantFrom(...Object.keys(values)), { maxLength: 4 })
    .chain((keys) => fc.tuple(...keys.map((k) => values[k].map((v) => [k, v] as const))))
    .map((pairs) => ({ epochs: 2, displayUpdate: 0, ...Object.fromEntries(pairs) }) as Record<string, unknown>);
  const stray = fc
    .tuple(some, strayKeys, junk)
    .map(([o, k, v]) => Object.defineProperty({ ...o }, k, { value: v, enumerable: true }));
  return fc.oneof({ weight: 8, arbitrary: some }, { weight: 1, arbitrary: stray }, { weight: 1, arbitrary: junk });
}

// ---------------------------------------------------------------------------------------------
// Damaged weights and checkpoints.

/** An array nested `depth` deep: JSON.stringify of it overflows the stack. */
export function deeplyNested(depth: number): unknown[] {
  let value: unknown[] = [];
  for (let i = 0; i < depth; i++) value = [value];
  return named(`an array nested ${depth} deep`, value);
}

/** Junk that a JSON file could hold, plus what only an object can (NaN, bigint, typed arrays, deep nesting). */
const fileJunk: fc.Arbitrary<unknown> = fc.oneof(
  junk,
  fc.constantFrom<unknown>(
    -1,
    1.5,
    2 ** 32,
    2 ** 53,
    1e300,
    'sigmoid',
    'adam',
    [1, 2],
    [[1]],
    { type: 'sgd' },
    [0, 0, 0, 0],
  ),
  fc
    .constantFrom<() => unknown>(
      () => deeplyNested(100_000),
      () => new Array(100_000).fill(0),
      () => ({ a: { b: { c: [1, { d: null }] } } }),
    )
    .map((make) => make()),
);

/** Where a damaged checkpoint is damaged. */
const FILE_PATHS: (string | number)[][] = [
  ['format'],
  ['version'],
  ['layers'],
  ['layers', 0],
  ['layers', 1],
  ['learningRate'],
  ['activation'],
  ['outputActivation'],
  ['loss'],
  ['seed'],
  ['optimizer'],
  ['optimizer', 'type'],
  ['optimizer', 'momentum'],
  ['optimizer', 'nesterov'],
  ['optimizer', 'beta1'],
  ['optimizer', 'epsilon'],
  ['l2'],
  ['clipNorm'],
  ['init'],
  ['weights'],
  ['weights', 0],
  ['weights', 0, 0],
  ['weights', 0, 0, 0],
  ['biases'],
  ['biases', 0],
  ['biases', 0, 0],
  ['trainingState'],
  ['trainingState', 'epoch'],
  ['trainingState', 'rng'],
  ['trainingState', 'rng', 0],
  ['trainingState', 'step'],
  ['trainingState', 'beta1Power'],
  ['trainingState', 'beta2Power'],
  ['trainingState', 'moments'],
  ['trainingState', 'moments', 0],
  ['checksum'],
  ['extra'],
  ['__proto__'],
  ['constructor'],
];

export interface FileEdit {
  path: (string | number)[];
  value?: unknown;
  remove: boolean;
}

export const fileEdit: fc.Arbitrary<FileEdit> = fc.record({
  path: fc.constantFrom(...FILE_PATHS),
  value: fileJunk,
  remove: fc.boolean(),
});

/** How a checkpoint reaches fromJSON: its keys in another order, its checksum kept or recomputed, as an object or a string. */
export const fileDelivery = fc.record({
  reorder: fc.option(fc.nat(), { nil: undefined }),
  checksum: fc.constantFrom('keep', 'recompute', 'drop', 'junk'),
  asString: fc.boolean(),
});

/** The same object with its keys (in it and in the objects it holds, not in arrays) in an order drawn from `seed`. */
export function reordered(value: unknown, seed: number): unknown {
  if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype) return value;
  const keys = Object.keys(value);
  let s = seed >>> 0;
  for (let i = keys.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [keys[i], keys[j]] = [keys[j], keys[i]];
  }
  const out: Record<string, unknown> = {};
  for (const k of keys)
    Object.defineProperty(out, k, {
      value: reordered((value as Record<string, unknown>)[k], seed + 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  return out;
}

/** Applies an edit at its path; `__proto__` and `constructor` become own keys, as JSON.parse makes them. */
export function applyFileEdit(file: Record<string, unknown>, { path, value, remove }: FileEdit): void {
  let node: unknown = file;
  for (const key of path.slice(0, -1)) {
    if (typeof node !== 'object' || node === null) return;
    node = (node as Record<string | number, unknown>)[key];
  }
  if (typeof node !== 'object' || node === null) return;
  const last = path[path.length - 1];
  if (remove) delete (node as Record<string | number, unknown>)[last];
  else Object.defineProperty(node, last, { value, enumerable: true, configurable: true, writable: true });
}

/** JSON text of a damaged file, keeping what JSON can say: deep nesting written out, bigints as numbers. */
export function fileText(file: unknown): string {
  const deep: number[] = [];
  const text = JSON.stringify(file, (_key, v: unknown) => {
    if (typeof v === 'bigint') return Number(v);
    if (Array.isArray(v) && v.length === 1 && Array.isArray(v[0]) && depthOf(v) > 1000)
      return `\u0000deep${deep.push(depthOf(v)) - 1}`;
    return v;
  });
  return text.replace(
    /"\\u0000deep(\d+)"/g,
    (_m, i: string) => '['.repeat(deep[Number(i)]) + ']'.repeat(deep[Number(i)]),
  );
}

function depthOf(value: unknown): number {
  let depth = 0;
  for (let v = value; Array.isArray(v) && v.length === 1; v = v[0]) depth++;
  return depth;
}

/** An edit of getWeights()'s output: a value replaced, removed (a hole) or appended; a level turned into a typed array or a lying Proxy. */
export interface WeightsEdit {
  target: 'weights' | 'biases';
  path: number[];
  op: 'set' | 'delete' | 'push' | 'pop' | 'typed' | 'claimingLength';
  value: unknown;
}

export const weightsEdit: fc.Arbitrary<WeightsEdit> = fc.record({
  target: fc.constantFrom('weights', 'biases'),
  path: fc.array(fc.nat(), { maxLength: 3 }),
  op: fc.constantFrom('set', 'set', 'delete', 'push', 'pop', 'typed', 'claimingLength'),
  value: fc.oneof(cellValue, junk),
});

/** setWeights's argument, from the network's own weights: edited, wrapped, or replaced by junk. */
export const weightsArgument = fc.oneof(
  { weight: 6, arbitrary: fc.array(weightsEdit, { maxLength: 2 }).map((edits) => ({ edits })) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom('weights only', 'biases only', 'stray key', '__proto__', 'Object.create(null)', 'Proxy')
      .map((wrap) => ({ wrap })),
  },
  { weight: 1, arbitrary: junk.map((replace) => ({ replace })) },
);

export type WeightsArgument = { edits: WeightsEdit[] } | { wrap: string } | { replace: unknown };

export function applyWeightsArgument(
  w: { weights: number[][][]; biases: number[][] },
  argument: WeightsArgument,
): unknown {
  if ('replace' in argument) return argument.replace;
  if ('wrap' in argument) {
    switch (argument.wrap) {
      case 'weights only':
        return { weights: w.weights };
      case 'biases only':
        return { biases: w.biases };
      case 'stray key':
        return { ...w, extra: 1 };
      case '__proto__':
        return JSON.parse(`{"__proto__": {"polluted": true}, ${JSON.stringify(w).slice(1)}`) as unknown;
      case 'Object.create(null)':
        return Object.assign(Object.create(null) as object, w);
      default:
        return new Proxy(w, {});
    }
  }
  const root: Record<string, unknown> = { ...w };
  for (const { target, path, op, value } of argument.edits) {
    let parent: Record<string | number, unknown> = root,
      slot: string | number = target;
    for (const step of path.slice(0, -1)) {
      const node: unknown = parent[slot];
      if (!Array.isArray(node) || isLying(node) || node.length === 0 || !Array.isArray(node[step % node.length])) break;
      parent = node as unknown as Record<number, unknown>;
      slot = step % node.length;
    }
    const node = parent[slot];
    if (!Array.isArray(node) || isLying(node)) continue;
    const copy = [...node];
    const at = node.length === 0 ? 0 : (path[path.length - 1] ?? 0) % node.length;
    if (op === 'set') copy[at] = value;
    else if (op === 'delete') delete copy[at];
    else if (op === 'push') copy.push(value);
    else if (op === 'pop') copy.pop();
    const float32 = (values: unknown[]): Float32Array =>
      Float32Array.from(values, (v) => (typeof v === 'number' ? v : NaN));
    parent[slot] =
      op === 'typed'
        ? Array.isArray(copy[0])
          ? { data: float32(copy.flat()), rows: copy.length, cols: (copy[0] as unknown[]).length }
          : float32(copy)
        : op === 'claimingLength'
          ? claimingLength(copy, 1e8)
          : copy;
  }
  return root;
}

/** How fitAsync's signal behaves: absent, aborted before the call, aborted on the first progress, duck-typed, or junk. */
export const signalKind = fc.constantFrom(
  'none',
  'none',
  'aborted',
  'abortedWithoutReason',
  'abortOnProgress',
  'duckTyped',
  'junk',
);
export type SignalKind = 'none' | 'aborted' | 'abortedWithoutReason' | 'abortOnProgress' | 'duckTyped' | 'junk';
