// Never a silently wrong network: the repros of the reliability issue, each on both engines —
// memory limits, failed allocations, concurrent calls, divergence, dispose mid-fit, throwing
// callbacks, holes and Proxies. Each asserts a typed error or a correct result, and that a refused
// call changed nothing.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  BackpropError,
  DivergenceError,
  MemoryError,
  NeuralNetwork,
  ShapeError,
  StateError,
  ValueError,
  type NetworkOptions,
} from '../src/index.js';
import { OPTIMIZER_NAMES } from '../src/registry.js';
import {
  DivergenceError as BuiltDivergenceError,
  NeuralNetwork as Built,
  StateError as BuiltStateError,
} from '../dist/src/index.js';
import { ENGINES, randomMatrix, XOR_X, XOR_Y } from './helpers.js';

type Net = NeuralNetwork | Built;

/** Everything a network is: options, weights, optimiser and generator state, epoch count. */
const stateOf = (net: Net): string => JSON.stringify(net.toJSON({ trainingState: true }));
const bitsOf = (values: number[]): string => Buffer.from(Float32Array.from(values).buffer).toString('hex');
const weightBits = (net: Net): string =>
  bitsOf([...net.getWeights().weights.flat(2), ...net.getWeights().biases.flat()]);

/** The error `call` throws (or its promise rejects with); fails the test when it returns normally. */
async function thrown(call: () => unknown): Promise<unknown> {
  try {
    await call();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}

describe.each(ENGINES)('reliability (%s engine)', (engine) => {
  const create = (options: NetworkOptions): Promise<NeuralNetwork> => NeuralNetwork.create({ engine, ...options });

  describe('1. memory limits are checked before anything is allocated', () => {
    it('computeGradients on more rows than one pass can hold is refused, naming the rows; fewer rows compute exactly', async () => {
      const net = await create({ layers: [1, 100000, 1], activation: 'tanh', outputActivation: 'identity', seed: 3 });
      const X = Array.from({ length: 6000 }, (_, i) => [i / 6000 - 0.5]),
        Y = X.map(([v]) => [v * v]);
      const before = stateOf(net);
      const started = performance.now();
      const error = await thrown(() => net.computeGradients(X, Y));
      expect(performance.now() - started).toBeLessThan(2000); // refused from the shapes, not after packing
      expect(error).toBeInstanceOf(MemoryError);
      expect((error as MemoryError).resource).toBe('passRows');
      expect((error as Error).message).toMatch(
        /6000 rows in one pass .* need 4\.\d\d GiB with layers \[1, 100000, 1\]; the limit is 4\.00 GiB, so at most about \d+ rows fit/,
      );
      expect(stateOf(net)).toBe(before);
      // A chunk that fits: its loss is the mean ½(prediction − target)² of predict's outputs.
      const chunk = X.slice(0, 64),
        targets = Y.slice(0, 64);
      const predictions = net.predict(chunk).map(([p]) => p);
      const expected = predictions.reduce((s, p, i) => s + 0.5 * (p - targets[i][0]) ** 2, 0) / 64;
      expect(net.computeGradients(chunk, targets).loss).toBeCloseTo(expected, 6);
    });

    it('layers too wide for one arena are refused at create, in milliseconds', async () => {
      const started = performance.now();
      // With Adam: parameters, gradients and two state vectors (SGD keeps none, and fits in 2 GiB).
      const error = await thrown(() => create({ layers: [16384, 16384], optimizer: 'adam' }));
      expect(performance.now() - started).toBeLessThan(1000);
      expect(error).toBeInstanceOf(MemoryError);
      expect((error as MemoryError).resource).toBe('layers');
      expect((error as MemoryError).bytes).toBeGreaterThan((error as MemoryError).limit);
      expect((error as Error).message).toMatch(
        /layers \[16384, 16384\] need 4\.\d\d GiB for parameters, gradients and optimiser state alone/,
      );
    });

    it('a training set too big for the arena is refused before a row is read', async () => {
      const net = await create({ layers: [784, 16, 10], seed: 1 });
      const row = new Array<number>(784).fill(0.5),
        target = new Array<number>(10).fill(0);
      // 1.4 million rows that are all the same two arrays: cheap to hold, 4.4 GB to pack.
      const X = new Array<number[]>(1_400_000).fill(row),
        Y = new Array<number[]>(1_400_000).fill(target);
      const before = stateOf(net);
      const started = performance.now();
      const error = await thrown(() => net.fit(X, Y, { epochs: 1, batchSize: 64, displayUpdate: 0 }));
      expect(performance.now() - started).toBeLessThan(1000);
      expect(error).toBeInstanceOf(MemoryError);
      expect((error as MemoryError).resource).toBe('dataRows');
      expect((error as Error).message).toMatch(
        /a training set of 1400000 rows needs 4\.\d\d GiB .* at most about \d+ training rows fit/,
      );
      for (const worker of [false, true]) {
        await expect(net.fitAsync(X, Y, { epochs: 1, batchSize: 64, displayUpdate: 0, worker })).rejects.toThrow(
          MemoryError,
        );
      }
      expect(stateOf(net)).toBe(before);
    });
  });

  describe('2. re-planning is a transaction', () => {
    it('an allocation the host refuses leaves the network exactly as it was, and it keeps working', async () => {
      const net = await create({ layers: [3, 8, 2], seed: 4 });
      const X = randomMatrix(600, 3, 1),
        Y = randomMatrix(600, 2, 2);
      const twin = await create({ layers: [3, 8, 2], seed: 4 });
      for (const n of [net, twin]) n.fit(X.slice(0, 20), Y.slice(0, 20), { epochs: 2, displayUpdate: 0 });
      const before = stateOf(net);
      // Fault injection: the next arena allocation fails as the host's would (RangeError).
      const engineProto = Object.getPrototypeOf((net as unknown as { backend: object }).backend) as {
        open: (plan: unknown) => unknown;
      };
      const open = engineProto.open;
      engineProto.open = function () {
        throw new RangeError('Array buffer allocation failed');
      };
      let error: unknown;
      try {
        error = await thrown(() => net.computeGradients(X, Y)); // 600 rows: more than one pass holds, so a re-plan
      } finally {
        engineProto.open = open;
      }
      expect(error).toBeInstanceOf(MemoryError);
      expect((error as MemoryError).resource).toBe('memory');
      expect((error as Error).message).toMatch(
        /the host refused .* MiB for this network's arena \(Array buffer allocation failed\)/,
      );
      expect(stateOf(net)).toBe(before);
      expect(net.predict(X)).toEqual(twin.predict(X));
      for (const n of [net, twin]) n.fit(X, Y, { epochs: 2, batchSize: 300, shuffle: true, displayUpdate: 0 });
      expect(stateOf(net)).toBe(stateOf(twin));
    });
  });

  describe('3. a network is busy while a fit is in flight', () => {
    const X = randomMatrix(64, 3, 5),
      Y = randomMatrix(64, 1, 6).map(([v]) => [v > 0 ? 1 : 0]);
    const options = { layers: [3, 6, 1], seed: 7 };
    const fitOptions = { epochs: 400, batchSize: 8, shuffle: true, displayUpdate: 0 };

    it("changing calls during fitAsync get a StateError naming it; reads keep working; the result is an untouched twin's", async () => {
      const net = await create(options),
        twin = await create(options);
      twin.fit(X, Y, fitOptions);
      const reads: unknown[] = [];
      const errors: unknown[] = [];
      const pending = net.fitAsync(X, Y, {
        ...fitOptions,
        onProgress: () => {
          if (reads.length > 0) return;
          for (const call of [
            () => net.fit(X, Y),
            () => net.fitPartial(X[0], Y[0]),
            () => net.setWeights(net.getWeights()),
            () => {
              net.learningRate = 0.5;
            },
          ]) {
            try {
              call();
            } catch (error) {
              errors.push(error);
            }
          }
          reads.push(net.predict(X[0]), net.evaluate(X, Y), net.getWeights(), net.toJSON({ trainingState: true }));
        },
      });
      // A second fitAsync started from outside is refused the same way.
      await expect(net.fitAsync(X, Y)).rejects.toThrow(
        /fitAsync would change this network while fitAsync is training it/,
      );
      await pending;
      expect(reads).toHaveLength(4);
      expect(errors).toHaveLength(4);
      for (const e of errors) {
        expect(e).toBeInstanceOf(StateError);
        expect((e as Error).message).toMatch(
          /would change this network while fitAsync is training it; await that fitAsync \(or abort it\) first/,
        );
      }
      expect(stateOf(net)).toBe(stateOf(twin));
    });

    it('fit from inside onEpochEnd is refused; the epoch count still matches the weights', async () => {
      const net = await create(options),
        twin = await create(options);
      const error = await thrown(() =>
        net.fit(X, Y, {
          ...fitOptions,
          onEpochEnd: (epoch) => {
            if (epoch === 3) net.fit(X, Y);
          },
        }),
      );
      expect(error).toBeInstanceOf(StateError);
      expect((error as Error).message).toMatch(/^fit would change this network while fit is training it/);
      expect(net.epoch).toBe(3);
      twin.fit(X, Y, { ...fitOptions, epochs: 3 });
      expect(stateOf(net)).toBe(stateOf(twin));
    });

    it('changing calls during a worker fitAsync are refused rather than silently overwritten', async () => {
      const net = await Built.create({ engine, ...options }),
        twin = await Built.create({ engine, ...options });
      twin.fit(X, Y, fitOptions);
      const pending = net.fitAsync(X, Y, { ...fitOptions, worker: true });
      for (const call of [
        () => net.setWeights(net.getWeights()),
        () => net.fit(X, Y),
        () => {
          net.learningRate = 1;
        },
        () => net.fitPartial(X[0], Y[0]),
      ]) {
        expect(call).toThrow(/would change this network while fitAsync is training it/);
      }
      expect(net.predict(X[0])).toHaveLength(1);
      await pending;
      expect(stateOf(net)).toBe(stateOf(twin));
    });
  });

  describe('4. divergence never hands back non-finite weights, and stops at the same point in every mode', () => {
    it('a blow-up on the last step is caught: fit and fitPartial restore and throw', async () => {
      const options = { layers: [1, 1], activation: 'identity' as const, learningRate: 1e30, seed: 5 };
      const net = await create(options);
      const before = stateOf(net);
      const error = await thrown(() => net.fit([[1e5]], [[0]], { epochs: 1, displayUpdate: 0 }));
      expect(error).toBeInstanceOf(DivergenceError);
      expect((error as DivergenceError).epoch).toBe(1);
      expect(stateOf(net)).toBe(before);
      expect(net.epoch).toBe(0);
      const partial = await thrown(() => net.fitPartial([1e5], [0]));
      expect(partial).toBeInstanceOf(DivergenceError);
      expect((partial as Error).message).toMatch(/it was undone/);
      expect(stateOf(net)).toBe(before);
    });

    it('fitPartial undoes a diverging step whatever the optimiser: weights, moments, step count and βᵗ as before', async () => {
      for (const optimizer of OPTIMIZER_NAMES) {
        const net = await create({ layers: [1, 1], activation: 'identity', learningRate: 1e30, seed: 5, optimizer });
        let refused = 0;
        for (let call = 0; call < 3; call++) {
          const before = stateOf(net);
          try {
            net.fitPartial([1e5], [0]);
          } catch (error) {
            expect(error).toBeInstanceOf(DivergenceError);
            expect(stateOf(net)).toBe(before);
            refused++;
          }
          expect(net.getWeights().weights.flat(2).every(Number.isFinite)).toBe(true);
        }
        expect(refused, optimizer).toBeGreaterThan(0);
      }
    });

    it('fit, fitAsync and worker mode stop after the same last finite epoch, bit for bit, and a twin agrees', async () => {
      // A linear network just past its stable step size: it blows up over some 40 epochs, across several slices.
      const options = { layers: [2, 4, 1], activation: 'identity' as const, learningRate: 0.0078, seed: 1 };
      const X = [
          [1, 2],
          [3, 4],
          [5, 6],
          [7, 8],
        ],
        Y = [[10], [20], [30], [40]];
      const fitOptions = { epochs: 500, displayUpdate: 0 };
      const sync = await Built.create({ engine, ...options }),
        sliced = await Built.create({ engine, ...options }),
        worker = await Built.create({ engine, ...options });
      const errors = [
        await thrown(() => sync.fit(X, Y, fitOptions)),
        await thrown(() => sliced.fitAsync(X, Y, fitOptions)),
        await thrown(() => worker.fitAsync(X, Y, { ...fitOptions, worker: true })),
      ] as BuiltDivergenceError[];
      for (const e of errors) expect(e).toBeInstanceOf(BuiltDivergenceError);
      const epoch = errors[0].epoch;
      expect(epoch).toBeGreaterThan(20);
      expect(errors.map((e) => e.epoch)).toEqual([epoch, epoch, epoch]);
      expect(sync.epoch).toBe(epoch - 1);
      expect(stateOf(sliced)).toBe(stateOf(sync));
      expect(stateOf(worker)).toBe(stateOf(sync));
      expect(sync.getWeights().weights.flat(2).every(Number.isFinite)).toBe(true);
      const twin = await Built.create({ engine, ...options });
      twin.fit(X, Y, { epochs: epoch - 1, displayUpdate: 0 });
      expect(stateOf(twin)).toBe(stateOf(sync));
    });
  });

  describe('5. dispose during fitAsync', () => {
    it('slice mode and worker mode reject promptly with StateError; members throw afterwards', async () => {
      // At once (a worker still starting) and mid-training.
      for (const [worker, delay] of [
        [false, 0],
        [false, 100],
        [true, 0],
        [true, 100],
      ] as const) {
        const net = await Built.create({ engine, layers: [2, 4, 1], seed: 1 });
        const pending = net.fitAsync(XOR_X, XOR_Y, { epochs: 10_000_000, displayUpdate: 0, worker });
        await new Promise((resolve) => setTimeout(resolve, delay));
        const started = performance.now();
        net.dispose();
        await expect(pending).rejects.toThrow(BuiltStateError);
        expect(performance.now() - started).toBeLessThan(500);
        expect(() => {
          net.learningRate = 0.2;
        }).toThrow(/disposed/);
        expect(() => net.predict([0, 1])).toThrow(BuiltStateError);
      }
    });
  });

  describe('6. throwing callbacks', () => {
    it("in worker mode a throwing log or onProgress rejects with the caller's error, and the network stays consistent", async () => {
      for (const hooks of [
        {
          log: () => {
            throw new Error('log failed');
          },
          displayUpdate: 1,
        },
        {
          onProgress: () => {
            throw new Error('log failed');
          },
          displayUpdate: 0,
        },
      ]) {
        const net = await Built.create({ engine, layers: [2, 4, 1], seed: 2 });
        await expect(net.fitAsync(XOR_X, XOR_Y, { epochs: 1_000_000, worker: true, ...hooks })).rejects.toThrow(
          'log failed',
        );
        const twin = await Built.create({ engine, layers: [2, 4, 1], seed: 2 });
        twin.fit(XOR_X, XOR_Y, { epochs: net.epoch, displayUpdate: 0 });
        expect(weightBits(net)).toBe(weightBits(twin));
      }
    });

    it('in fit a throwing onEpochEnd or log leaves the epoch count matching the weights', async () => {
      for (const hooks of [
        {
          onEpochEnd: (e: number) => {
            if (e === 4) throw new Error('stop');
          },
        },
        {
          log: (line: string) => {
            if (line.includes('epoch=4,')) throw new Error('stop');
          },
          displayUpdate: 2,
        },
      ]) {
        const net = await create({ layers: [2, 4, 1], seed: 2 });
        expect(() => net.fit(XOR_X, XOR_Y, { epochs: 50, displayUpdate: 0, ...hooks })).toThrow('stop');
        expect(net.epoch).toBe(4);
        const twin = await create({ layers: [2, 4, 1], seed: 2 });
        twin.fit(XOR_X, XOR_Y, { epochs: 4, displayUpdate: 0 });
        expect(stateOf(net)).toBe(stateOf(twin));
      }
    });
  });

  describe('7. holes, Proxies and typed rows', () => {
    it('holes are refused with the row named, in every data-taking method', async () => {
      const net = await create({ layers: [2, 3, 1], seed: 1 });
      const holeyX = [
        [1, 1],
        [0, 1],
        [1, 1],
      ];
      delete (holeyX as unknown[])[1];
      const holeyY = [[1], [0], [1]];
      delete (holeyY as unknown[])[2];
      const holeyRow = [1, 1];
      delete (holeyRow as unknown[])[0];
      const before = stateOf(net);
      for (const call of [
        () => net.predict(holeyX),
        () => net.fit(holeyX, [[1], [0], [1]]),
        () =>
          net.fit(
            [
              [1, 1],
              [0, 1],
              [1, 1],
            ],
            holeyY,
          ),
        () => net.fitPartial(holeyX, [[1], [0], [1]]),
        () => net.evaluate(holeyX, [[1], [0], [1]]),
        () => net.calculateLoss(holeyX, [[1], [0], [1]]),
        () => net.computeGradients(holeyX, [[1], [0], [1]]),
        () => net.predictClass(holeyX),
      ]) {
        expect(call).toThrow(ShapeError);
        expect(call).toThrow(/row \d is missing \(the array has a hole there\)/);
      }
      expect(() => net.predict([holeyRow])).toThrow(/X row 0, column 0 is missing \(the row has a hole there\)/);
      expect(stateOf(net)).toBe(before);
    });

    it('a Proxy claiming 1e8 rows is refused at its first bad row, at once', async () => {
      const net = await create({ layers: [2, 3, 1], seed: 1 });
      const proxy = new Proxy([[1, 1]], { get: (target, key) => (key === 'length' ? 1e8 : Reflect.get(target, key)) });
      const started = performance.now();
      expect(() => net.predict(proxy)).toThrow(/X row 1 is missing/);
      expect(performance.now() - started).toBeLessThan(200);
      const lying = new Proxy([[1, 1]], { get: (target, key) => (key === 'length' ? -5 : Reflect.get(target, key)) });
      expect(() => net.predict(lying)).toThrow(/X has a length of number -5/);
    });

    it('rows given as typed arrays work, and give what number[] rows give', async () => {
      const net = await create({ layers: [2, 3, 2], outputActivation: 'softmax', loss: 'crossEntropy', seed: 1 });
      const twin = await create({ layers: [2, 3, 2], outputActivation: 'softmax', loss: 'crossEntropy', seed: 1 });
      const typedX = XOR_X.map((r) => Float32Array.from(r)),
        typedY = [
          [1, 0],
          [0, 1],
          [0, 1],
          [1, 0],
        ].map((r) => Float64Array.from(r));
      net.fit(typedX, typedY, { epochs: 20, displayUpdate: 0 });
      twin.fit(
        XOR_X,
        [
          [1, 0],
          [0, 1],
          [0, 1],
          [1, 0],
        ],
        { epochs: 20, displayUpdate: 0 },
      );
      expect(stateOf(net)).toBe(stateOf(twin));
      expect(net.predict(Float32Array.of(0, 1))).toEqual(twin.predict([0, 1]));
      expect(net.predict(typedX)).toEqual(twin.predict(XOR_X));
      expect(() => net.predict([BigInt64Array.of(1n, 2n)] as never)).toThrow(
        /X row 0, column 0 is not a number \(got bigint 1\)/,
      );
    });
  });
});

describe('2. (continued) an allocation refused by the host for real', () => {
  it('a wasm network that cannot get a second memory keeps working, bit for bit like an untouched twin', async () => {
    // Under `ulimit -v` a process has room for one wasm memory (about 10 GiB of address space each) but not two.
    const script = fileURLToPath(new URL('./processes/refused-allocation.mjs', import.meta.url));
    const output = execFileSync('bash', ['-c', `ulimit -v 27000000 && exec node ${JSON.stringify(script)}`], {
      encoding: 'utf8',
    });
    const child = JSON.parse(output) as {
      error?: { name: string; resource: string; message: string };
      unchanged: boolean;
      inWorker: string;
      unchangedByWorker: boolean;
      second: string;
      weights: unknown;
      predictions: unknown;
    };
    expect(child.error?.name).toBe('MemoryError');
    expect(child.error?.resource).toBe('memory');
    expect(child.error?.message).toMatch(
      /could not allocate memory\); each live wasm network reserves about 10 GiB of virtual address space/,
    );
    expect(child.unchanged).toBe(true);
    expect(child.second).toBe('MemoryError');
    expect(child.inWorker).toBe('MemoryError memory true');
    expect(child.unchangedByWorker).toBe(true);
    const twin = await NeuralNetwork.create({
      layers: [1, 1000, 1],
      engine: 'wasm',
      seed: 8,
      activation: 'tanh',
      outputActivation: 'identity',
      learningRate: 0.001,
    });
    const X = Array.from({ length: 600 }, (_, i) => [i / 600 - 0.5]),
      Y = X.map(([v]) => [v * v]);
    for (let i = 0; i < 20; i++) twin.fitPartial(X[i], Y[i]);
    expect(child.weights).toEqual(twin.getWeights());
    expect(child.predictions).toEqual(twin.predict(X.slice(0, 10)));
  });
});

describe('found in review', () => {
  it('huge epoch counts with nothing to report run in bounded engine calls, not one allocation of the whole history', async () => {
    const net = await NeuralNetwork.create({ layers: [2, 2, 1], seed: 1, engine: 'wasm' });
    let calls = 0;
    const core = (net as unknown as { backend: { trainEpochs: (...a: unknown[]) => number } }).backend;
    const trainEpochs = core.trainEpochs.bind(core);
    core.trainEpochs = (...a: unknown[]) => {
      if (++calls === 3) throw new Error('enough');
      return trainEpochs(...a);
    };
    expect(() => net.fit(XOR_X, XOR_Y, { epochs: 2 ** 32 - 1, displayUpdate: 0 })).toThrow('enough');
    expect(net.epoch).toBe(2 * 65536); // two engine calls of at most 65,536 epochs completed
  });

  it('Adam with beta1 = 0 writes βᵗ = 0, and its checkpoint loads', async () => {
    const net = await NeuralNetwork.create({
      layers: [2, 2, 1],
      seed: 1,
      engine: 'js',
      optimizer: { type: 'adam', beta1: 0 },
    });
    net.fit(XOR_X, XOR_Y, { epochs: 2, displayUpdate: 0 });
    const json = net.toJSON({ trainingState: true });
    expect(json.trainingState!.beta1Power).toBe(0);
    expect(stateOf(await NeuralNetwork.fromJSON(json, { engine: 'js' }))).toBe(stateOf(net));
  });

  it('signals that only look like AbortSignals are refused; a refused fitAsync leaves no training set behind', async () => {
    const net = await NeuralNetwork.create({ layers: [2, 2, 1], seed: 1, engine: 'wasm' });
    for (const fake of [{ [Symbol.toStringTag]: 'AbortSignal' }, Object.create(AbortSignal.prototype)]) {
      await expect(net.fitAsync(XOR_X, XOR_Y, { signal: fake })).rejects.toThrow(/signal must be an AbortSignal/);
    }
    const X = randomMatrix(40_000, 2, 1),
      Y = randomMatrix(40_000, 1, 2);
    await expect(net.fitAsync(X, Y, { signal: AbortSignal.abort(new Error('no')) })).rejects.toThrow('no');
    expect((net as unknown as { backend: { plan: { dataRows: number } } }).backend.plan.dataRows).toBe(0);
  });

  it('a getter in the data that disposes the network makes the call throw StateError, not compute on a released engine', async () => {
    for (const engine of ENGINES) {
      const net = await NeuralNetwork.create({ layers: [2, 2, 1], seed: 1, engine });
      const row = [0, 1];
      Object.defineProperty(row, 1, {
        get: () => {
          net.dispose();
          return 1;
        },
      });
      expect(() => net.predict([row])).toThrow(StateError);
    }
  });
});

describe('2. (continued) loading the core when the host refuses memory', () => {
  it('is a MemoryError, not "WebAssembly is forbidden", is not remembered, and auto never silently falls back to js for it', () => {
    const script = fileURLToPath(new URL('./processes/core-load-refused.mjs', import.meta.url));
    const output = execFileSync(
      'bash',
      ['-c', `ulimit -v 27000000 && exec node --expose-gc ${JSON.stringify(script)}`],
      { encoding: 'utf8' },
    );
    expect(JSON.parse(output)).toEqual({
      hog: true,
      refused: 'MemoryError memory',
      auto: 'MemoryError memory',
      later: 'wasm',
    });
  });
});

describe('7. (continued) bounded work before validation', () => {
  it('epochs near 2³¹ allocate no history up front', async () => {
    const net = await NeuralNetwork.create({ layers: [2, 2, 1], seed: 1, engine: 'js' });
    const before = process.memoryUsage().rss;
    const history = net.fit(XOR_X, XOR_Y, { epochs: 2 ** 31, displayUpdate: 0, onEpochEnd: (e) => e < 3 });
    expect(history.epochs).toBe(3);
    expect(history.loss).toHaveLength(3);
    expect(process.memoryUsage().rss - before).toBeLessThan(256 * 2 ** 20);
    expect(() => net.fit(XOR_X, XOR_Y, { epochs: 2 ** 32 })).toThrow(
      /epochs must be an integer from 1 to 4294967295; got 4294967296/,
    );
  });
});

describe('every refusal typed, every accepted value meaningful', () => {
  const base = { layers: [2, 3, 1], seed: 1, engine: 'js' as const };

  it.each([
    [
      'an activation without toString',
      { activation: Object.create(null) },
      'activation',
      /activation must be one of .*; got an object \(Object\)/,
    ],
    ['a hole in layers', { layers: [2, , 1] }, 'layers[1]', /layers\[1\] must be an integer ≥ 1; got undefined/],
    [
      'beta1 that float32 rounds to 1',
      { optimizer: { type: 'adam', beta1: 0.99999999 } },
      'optimizer.beta1',
      /got 0\.99999999, which float32 stores as 1/,
    ],
    [
      'epsilon that float32 rounds to 0',
      { optimizer: { type: 'adam', epsilon: 1e-50 } },
      'optimizer.epsilon',
      /float32 stores as 0/,
    ],
    ['clipNorm that float32 rounds to 0', { clipNorm: 1e-46 }, 'clipNorm', /float32 stores as 0/],
    ['a learning rate that float32 rounds to 0', { learningRate: 1e-46 }, 'learningRate', /float32 stores as 0/],
    ['a learning rate that float32 rounds to ∞', { learningRate: 1e39 }, 'learningRate', /float32 stores as Infinity/],
    [
      'learningRate null',
      { learningRate: null },
      'learningRate',
      /learningRate must be a number in \(0, ∞\); got null/,
    ],
    ['a Date as options', new Date(), 'options', /options must be an object/],
  ] as [string, object, string, RegExp][])('create refuses %s', async (_, options, option, message) => {
    const error = await thrown(() =>
      NeuralNetwork.create(options instanceof Date ? (options as never) : ({ ...base, ...options } as never)),
    );
    expect(error).toBeInstanceOf(ValueError);
    expect((error as ValueError).option).toBe(option);
    expect((error as Error).message).toMatch(message);
  });

  it('fit, fitAsync, toJSON, fromJSON and seededRandom refuse loose arguments with typed errors', async () => {
    const net = await NeuralNetwork.create(base);
    const json = net.toJSON();
    const before = stateOf(net);
    const cases: [() => unknown, string, RegExp][] = [
      [() => net.fitAsync(XOR_X, XOR_Y, null as never), 'options', /fitAsync options must be an object; got null/],
      [() => net.fitAsync(XOR_X, XOR_Y, 5 as never), 'options', /fitAsync options must be an object; got 5/],
      [
        () => net.fitAsync(XOR_X, XOR_Y, { signal: null as never }),
        'signal',
        /signal must be an AbortSignal; got null/,
      ],
      [() => net.fitAsync(XOR_X, XOR_Y, { signal: {} as never }), 'signal', /signal must be an AbortSignal/],
      [
        () => net.fit(XOR_X, XOR_Y, new Map() as never),
        'options',
        /fit options must be an object; got an object \(Map\)/,
      ],
      [() => net.fit(XOR_X, XOR_Y, new Error('x') as never), 'options', /fit options must be an object/],
      [() => net.toJSON(null as never), 'options', /toJSON options must be an object; got null/],
      [
        () => net.toJSON({ trainingstate: true } as never),
        'trainingstate',
        /unknown toJSON option 'trainingstate'; did you mean 'trainingState'\?/,
      ],
      [() => NeuralNetwork.fromJSON(json, null as never), 'options', /fromJSON options must be an object; got null/],
      [() => NeuralNetwork.fromJSON(json, { engin: 'js' } as never), 'engin', /unknown fromJSON option 'engin'/],
      [
        () => NeuralNetwork.fromJSON('['.repeat(100_000) + ']'.repeat(100_000)),
        'json.format',
        /not a serialised backprop-wasm network/,
      ],
      [
        () => NeuralNetwork.fromJSON({ ...json, weights: JSON.parse('['.repeat(50_000) + ']'.repeat(50_000)) }),
        'json.weights',
        /json.weights must hold 2 entries/,
      ],
      [() => net.fit(XOR_X, XOR_Y, { epochs: 2 ** 32 }), 'epochs', /epochs must be an integer from 1 to 4294967295/],
    ];
    for (const [call, option, message] of cases) {
      const error = await thrown(call);
      expect(error, String(message)).toBeInstanceOf(ValueError);
      expect((error as ValueError).option).toBe(option);
      expect((error as Error).message).toMatch(message);
    }
    expect(stateOf(net)).toBe(before);
  });

  it('seededRandom refuses seeds past 32 bits and bad permutation sizes', async () => {
    const { seededRandom } = await import('../src/index.js');
    expect(() => seededRandom(2 ** 32)).toThrow(/seed must be an integer from 0 to 4294967295/);
    expect(() => seededRandom(1).permutation(-1)).toThrow(ValueError);
    expect(() => seededRandom(1).permutation('3' as never)).toThrow(/n must be an integer from 0 to \d+; got '3'/);
    expect(Array.from(seededRandom(1).permutation(3)).sort()).toEqual([0, 1, 2]);
  });

  it('cross-entropy refuses targets that are not probabilities, and softmax rows that are not distributions', async () => {
    const sigmoid = await NeuralNetwork.create({ ...base, outputActivation: 'sigmoid', loss: 'crossEntropy' });
    const before = stateOf(sigmoid);
    expect(() => sigmoid.fit(XOR_X, [[0], [1], [1e6], [0]])).toThrow(
      /y row 2, column 0 is 1000000: cross-entropy targets must be probabilities in \[0, 1\]/,
    );
    expect(() => sigmoid.evaluate(XOR_X, [[0], [1], [-0.5], [0]])).toThrow(ValueError);
    expect(stateOf(sigmoid)).toBe(before);
    const softmax = await NeuralNetwork.create({
      ...base,
      layers: [2, 3, 2],
      outputActivation: 'softmax',
      loss: 'crossEntropy',
    });
    expect(() =>
      softmax.fit(XOR_X, [
        [1, 0],
        [0.5, 0.2],
        [0, 1],
        [1, 0],
      ]),
    ).toThrow(/y row 1 sums to 0\.7\d*: softmax cross-entropy targets must be distributions/);
    expect(
      softmax.fit(
        XOR_X,
        [
          [1, 0],
          [0.5, 0.5],
          [0, 1],
          [0.25, 0.75],
        ],
        { epochs: 2, displayUpdate: 0 },
      ).epochs,
    ).toBe(2);
  });
});

describe('hostile or damaged model files', () => {
  /** FNV-1a over UTF-16 code units, written here independently of src/checkpoint.ts. */
  const fnv1a = (text: string): string => {
    let h = 0x811c9dc5;
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
    return (h >>> 0).toString(16).padStart(8, '0');
  };
  /** The value with every object's keys sorted, as PostgreSQL jsonb or Python's sort_keys store it. */
  const sortKeys = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sortKeys)
      : typeof v === 'object' && v !== null
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
          )
        : v;
  /** Re-signs edited content the way version 2 does: FNV-1a of the JSON with keys sorted. */
  const resign = (json: object): { checksum: string } => {
    const { checksum: _, ...content } = json as Record<string, unknown>;
    return { ...content, checksum: fnv1a(JSON.stringify(sortKeys(content))) };
  };

  async function trained(): Promise<NeuralNetwork> {
    const net = await NeuralNetwork.create({
      layers: [2, 3, 1],
      activation: 'tanh',
      optimizer: 'adam',
      seed: 3,
      engine: 'js',
    });
    net.fit(XOR_X, XOR_Y, { epochs: 5, displayUpdate: 0 });
    return net;
  }

  it('a file whose keys were reordered (jsonb, sort_keys) still loads, bit for bit', async () => {
    const net = await trained();
    const json = net.toJSON({ trainingState: true });
    expect(json.checksum).toBe(resign(json).checksum); // the checksum is the sorted-keys hash
    const reordered = await NeuralNetwork.fromJSON(JSON.stringify(sortKeys(json)), { engine: 'js' });
    expect(stateOf(reordered)).toBe(stateOf(net));
    const reversed = Object.fromEntries(Object.entries(json).reverse());
    expect(stateOf(await NeuralNetwork.fromJSON(reversed as never, { engine: 'js' }))).toBe(stateOf(net));
  });

  it("version-1 files (checksum over the writer's key order) still load, reordered or not", async () => {
    const net = await trained();
    const { checksum: _, dropout: _v3, ...content } = net.toJSON({ trainingState: true }); // dropout came with version 3
    const v1 = { ...content, version: 1 };
    const file = { ...v1, checksum: fnv1a(JSON.stringify(v1)) };
    for (const form of [file, sortKeys(file)])
      expect(stateOf(await NeuralNetwork.fromJSON(form as never, { engine: 'js' }))).toBe(stateOf(net));
    const edited = structuredClone(file);
    edited.biases[0][1] += 1e-3;
    await expect(NeuralNetwork.fromJSON(edited as never)).rejects.toThrow(/checksum mismatch/);
  });

  it('a checkpoint holds the optimiser vectors its rule uses; version-1 files with two vectors still resume exactly', async () => {
    for (const [optimizer, vectors] of [
      ['sgd', 0],
      ['momentum', 1],
      ['adam', 2],
    ] as const) {
      const make = (): Promise<NeuralNetwork> =>
        NeuralNetwork.create({ layers: [2, 3, 1], optimizer, seed: 3, engine: 'js' });
      const net = await make(),
        whole = await make();
      net.fit(XOR_X, XOR_Y, { epochs: 5, displayUpdate: 0 });
      whole.fit(XOR_X, XOR_Y, { epochs: 8, displayUpdate: 0 });
      const { checksum: _, dropout: _v3, ...content } = net.toJSON({ trainingState: true }); // dropout came with version 3
      expect(content.trainingState!.moments).toHaveLength(vectors * 13);
      // The same state as version 1 wrote it: always two vectors, zeros where the rule uses none.
      const moments = [...content.trainingState!.moments, ...new Array<number>((2 - vectors) * 13).fill(0)];
      const v1 = { ...content, version: 1, trainingState: { ...content.trainingState!, moments } };
      const resumed = await NeuralNetwork.fromJSON({ ...v1, checksum: fnv1a(JSON.stringify(v1)) } as never, {
        engine: 'js',
      });
      resumed.fit(XOR_X, XOR_Y, { epochs: 3, displayUpdate: 0 });
      expect(stateOf(resumed)).toBe(stateOf(whole));
    }
  });

  it('a tiny file declaring huge layers is refused in milliseconds, before an engine exists', async () => {
    const json = (await trained()).toJSON();
    for (const layers of [
      [8000, 8000],
      [16384, 16384],
    ]) {
      const file = JSON.stringify(resign({ ...json, layers, dropout: [] }));
      expect(file.length).toBeLessThan(700);
      const started = performance.now();
      for (const engine of ENGINES)
        await expect(NeuralNetwork.fromJSON(file, { engine })).rejects.toThrow(BackpropError);
      expect(performance.now() - started).toBeLessThan(200);
    }
    await expect(
      NeuralNetwork.fromJSON(JSON.stringify(resign({ ...json, layers: [8000, 8000], dropout: [] }))),
    ).rejects.toThrow(/json.weights must hold 1 entries for layers \[8000, 8000\]; got 2/);
  });

  it('required fields must be present, unknown ones are refused', async () => {
    const json = (await trained()).toJSON({ trainingState: true }) as unknown as Record<string, unknown>;
    for (const key of [
      'activation',
      'outputActivation',
      'optimizer',
      'loss',
      'init',
      'l2',
      'clipNorm',
      'learningRate',
      'seed',
      'biases',
    ]) {
      const { [key]: _, ...rest } = json;
      const error = await thrown(() => NeuralNetwork.fromJSON(resign(rest) as never));
      expect(error, key).toBeInstanceOf(ValueError);
      expect((error as ValueError).option).toBe(`json.${key}`);
      expect((error as Error).message).toBe(`json.${key} is missing`);
    }
    await expect(NeuralNetwork.fromJSON(resign({ ...json, extra: 1 }) as never)).rejects.toThrow(
      /json has a field 'extra' that this format does not have/,
    );
    await expect(
      NeuralNetwork.fromJSON(resign({ ...json, optimizer: { type: 'adam', beta1: 0.9, beta2: 0.999 } }) as never),
    ).rejects.toThrow(/json.optimizer.epsilon is missing/);
    const polluted = JSON.parse(JSON.stringify(json).replace('{', '{"__proto__":{"polluted":1},'));
    await expect(NeuralNetwork.fromJSON(resign(polluted) as never)).rejects.toThrow(/field '__proto__'/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('counters and generator state are range-checked: a step past 32 bits, an all-zero generator', async () => {
    const json = (await trained()).toJSON({ trainingState: true });
    const withState = (state: object): never =>
      resign({ ...json, trainingState: { ...json.trainingState, ...state } }) as never;
    await expect(NeuralNetwork.fromJSON(withState({ step: 2 ** 32 }))).rejects.toThrow(
      /json.trainingState.step must be an integer from 0 to 4294967295/,
    );
    await expect(NeuralNetwork.fromJSON(withState({ rng: [0, 0, 0, 0] }))).rejects.toThrow(
      /json.trainingState.rng is all zeros/,
    );
    await expect(NeuralNetwork.fromJSON(withState({ epoch: -1 }))).rejects.toThrow(
      /json.trainingState.epoch must be an integer ≥ 0/,
    );
    const resumed = await NeuralNetwork.fromJSON(withState({ step: 2 ** 32 - 1 }), { engine: 'js' });
    expect(resumed.toJSON({ trainingState: true }).trainingState!.step).toBe(2 ** 32 - 1);
  });
});
