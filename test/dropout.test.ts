// Dropout, on both engines: its masks drawn from the seeded generator (checked draw by draw against
// an independent BigInt xoshiro128**) and their statistics; gradients with a fixed mask against
// float64 central differences; off outside training; determinism across runs, engines, checkpoints
// and fitAsync; option validation; divergence undo restoring the generator; and real training.
import { describe, expect, it } from 'vitest';
import { withChecksum } from '../src/checkpoint.js';
import {
  DivergenceError,
  NeuralNetwork,
  ValueError,
  type Activation,
  type Loss,
  type NetworkJSON,
  type NetworkOptions,
  type OutputActivation,
} from '../src/index.js';
import { NeuralNetwork as Built } from '../dist/src/index.js';
import type { ArenaPlan } from '../src/plan.js';
import { optdigits, standardiser } from '../examples/datasets.js';
import { ENGINES, randomMatrix, testRandom } from './helpers.js';
import { numericGradient, refMeanLoss, type RefNet } from './reference.js';
import { referenceDraws } from './reference-rng.js';

type Net = NeuralNetwork | Built;
type EngineName = (typeof ENGINES)[number];

/** Everything a network is: options, weights, optimiser and generator state, epoch count (as toJSON writes it). */
const stateOf = (net: Net): string => JSON.stringify(net.toJSON({ trainingState: true }));
const rngOf = (net: Net): number[] => net.toJSON({ trainingState: true }).trainingState!.rng;
const bitsOf = (values: ArrayLike<number>): string => Buffer.from(Float32Array.from(values).buffer).toString('hex');
const weightBits = (net: Net): string =>
  bitsOf([...net.getWeights().weights.flat(2), ...net.getWeights().biases.flat()]);

/** The documented rule: a unit drops when its draw is below round(rate·2³²); a kept one is scaled by float32(1/(1 − rate)). */
const dropBelow = (rate: number): number => Math.min(Math.round(rate * 2 ** 32), 2 ** 32 - 1);
const keptScale = (rate: number): number => Math.fround(1 / (1 - rate));
const expectedMask = (draws: number[], rate: number): number[] =>
  draws.map((d) => (d < dropBelow(rate) ? 0 : keptScale(rate)));

/** The masks of the last training pass over `rows` rows, one per dropout layer, read from the engine's arena (internals). */
function arenaMasks(net: Net, rows: number): Float32Array[] {
  const { plan, arena } = (net as unknown as { backend: { plan: ArenaPlan; arena: { f: Float32Array; base: number } } })
    .backend;
  return plan.layers
    .filter((l) => l.spec.kind === 'dropout')
    .map((l) => {
      const at = (arena.base + l.state) >>> 2; // a dropout layer's own region is its mask
      return arena.f.slice(at, at + rows * l.outWidth);
    });
}

/** How many dropout layers the engine runs (internals). */
const dropoutLayers = (net: Net): number =>
  (net as unknown as { backend: { plan: ArenaPlan } }).backend.plan.layers.filter((l) => l.spec.kind === 'dropout')
    .length;

/**
 * The mask one training pass draws, seen through public behaviour only. Network [R, H, 1], identity
 * throughout, W1 = 0, b1 = 0, W2 = 1, b2 = 0, X = the R×R identity, targets −1: every row predicts 0,
 * so ∂L/∂pred = (0 − (−1))/R = 1/R, ∂L/∂h[r][j] = mask[r][j]/R, and ∂L/∂W1[j][r] = mask[r][j]/R: exact
 * in float32 (R is a power of two). Returns mask[r·H + j], in draw order.
 */
async function probe(engine: EngineName, rate: number, R: number, H: number, seed: number) {
  const net = await NeuralNetwork.create({
    layers: [R, H, 1],
    activation: 'identity',
    outputActivation: 'identity',
    dropout: rate,
    seed,
    engine,
  });
  net.setWeights({
    weights: [Array.from({ length: H }, () => new Array<number>(R).fill(0)), [new Array<number>(H).fill(1)]],
    biases: [new Array<number>(H).fill(0), [0]],
  });
  const X = Array.from({ length: R }, (_, r) => Array.from({ length: R }, (_, i) => (i === r ? 1 : 0)));
  const before = rngOf(net);
  const g = net.computeGradients(
    X,
    X.map(() => [-1]),
  );
  const mask = new Array<number>(R * H);
  for (let r = 0; r < R; r++) for (let j = 0; j < H; j++) mask[r * H + j] = g.weights[0][j][r] * R;
  return { net, mask, before, after: rngOf(net) };
}

const flatGrads = (g: { weights: number[][][]; biases: number[][] }): number[] => [
  ...g.weights.flat(2),
  ...g.biases.flat(),
];

// ---------------------------------------------------------------------------------------------

const Xs = randomMatrix(40, 4, 31),
  Ys = Xs.map((r) => [r[0] * r[1] > 0 ? 1 : 0, r[2] + r[3] > 0 ? 1 : 0, r[0] - r[3] > 0.3 ? 1 : 0]);
const small = (extra: Partial<NetworkOptions> = {}): NetworkOptions => ({
  layers: [4, 12, 8, 3],
  activation: 'tanh',
  outputActivation: 'sigmoid',
  loss: 'crossEntropy',
  learningRate: 0.05,
  optimizer: 'adam',
  dropout: [0.3, 0.5],
  seed: 17,
  ...extra,
});

describe.each(ENGINES)('dropout (%s engine)', (engine) => {
  const create = (options: NetworkOptions): Promise<NeuralNetwork> => NeuralNetwork.create({ ...options, engine });

  describe('1. masks: the generator stream, their statistics', () => {
    it('one draw per unit in row order, dropped below round(p·2³²), kept × float32(1/(1−p)) exactly; the share dropped within 5σ of p', async () => {
      const R = 64,
        H = 512,
        N = R * H;
      for (const [rate, seed] of [
        [0.3, 1],
        [0.05, 2],
        [0.5, 3],
        [0.9, 4],
      ] as const) {
        const { net, mask, before, after } = await probe(engine, rate, R, H, seed);
        // Every factor is exactly 0 or the float32 scale (the scale of 0.3 is 1.4285714626312256, not 1/0.7).
        expect(
          mask.every((m) => m === 0 || m === keptScale(rate)),
          `rate ${rate}`,
        ).toBe(true);
        const reference = referenceDraws(before, N);
        expect(bitsOf(mask), `rate ${rate}: the mask is the generator's next ${N} draws against the threshold`).toBe(
          bitsOf(expectedMask(reference.draws, rate)),
        );
        expect(after, 'the pass advanced the generator by exactly one draw per unit').toEqual(reference.state);
        expect(bitsOf(arenaMasks(net, R)[0]), 'what the probe sees is the mask the engine kept').toBe(bitsOf(mask));
        // Binomial(N, p): 5 standard deviations of the share (0.0127 for p = 0.3), for a fixed seed.
        const share = mask.filter((m) => m === 0).length / N;
        const sigma = Math.sqrt((rate * (1 - rate)) / N);
        expect(Math.abs(share - rate), `rate ${rate}: dropped ${share}, 5σ = ${5 * sigma}`).toBeLessThan(5 * sigma);
        // Not one mask repeated: rows differ, and the next pass draws a new one.
        expect(bitsOf(mask.slice(0, H))).not.toBe(bitsOf(mask.slice(H, 2 * H)));
      }
    });

    it('the mean activation over many masks is preserved within 5σ, and the scale is what preserves it', async () => {
      // [1, H, 1], identity: h_j = W1_j (x = 1), pred_r = Σ_j m_rj·h_j / H; with targets 0, ∂L/∂b2 = mean_r pred_r.
      const H = 256,
        R = 256,
        p = 0.3;
      const net = await create({
        layers: [1, H, 1],
        activation: 'identity',
        outputActivation: 'identity',
        dropout: p,
        seed: 5,
      });
      const r = testRandom(77);
      const h = Array.from({ length: H }, () => Math.fround(0.5 + r()));
      net.setWeights({
        weights: [h.map((v) => [v]), [new Array<number>(H).fill(1 / H)]],
        biases: [new Array<number>(H).fill(0), [0]],
      });
      const clean = net.predict([1])[0]; // dropout off: Σ_j h_j / H in float32
      expect(clean).toBeCloseTo(h.reduce((s, v) => s + v, 0) / H, 5);
      const rows = Array.from({ length: R }, () => [1]);
      const masked = net.computeGradients(
        rows,
        rows.map(() => [0]),
      ).biases[1][0];
      // Var(m) = p/(1−p) per unit, so the mean over R rows of Σ_j m·h_j/H has σ = √(p/(1−p)·Σh²)/(H√R) ≈ 0.0027.
      const sigma = Math.sqrt((p / (1 - p)) * h.reduce((s, v) => s + v * v, 0)) / (H * Math.sqrt(R));
      expect(Math.abs(masked - clean), `masked mean ${masked}, clean ${clean}, 5σ = ${5 * sigma}`).toBeLessThan(
        5 * sigma,
      );
      // Unscaled (kept × 1) the mean would be (1 − p)·clean, some 100σ away: the bound can tell.
      expect(Math.abs((1 - p) * clean - clean)).toBeGreaterThan(50 * sigma);
    });
  });

  describe('2. gradients with a fixed mask', () => {
    const LAYERS = [3, 5, 4, 3],
      ROWS = 6,
      RATES = [0.3, 0.5];
    const HEADS: [OutputActivation, Loss][] = [
      ['softmax', 'crossEntropy'],
      ['sigmoid', 'mse'],
      ['identity', 'mse'],
    ];
    for (const activation of ['sigmoid', 'tanh', 'relu', 'leakyRelu', 'identity'] as Activation[]) {
      for (const [outputActivation, loss] of HEADS) {
        it(`${activation} hidden, ${outputActivation} output, ${loss}: backprop = central differences of the loss with the pass's own masks`, async () => {
          const net = await create({ layers: LAYERS, activation, outputActivation, loss, dropout: RATES, seed: 7 });
          const { weights } = net.getWeights();
          net.setWeights({ weights, biases: LAYERS.slice(1).map((n, l) => randomMatrix(1, n, 17 + l, 0.5)[0]) });
          const X = randomMatrix(ROWS, 3, 11, 1.5);
          const t = testRandom(13);
          const Y = Array.from({ length: ROWS }, () => {
            if (outputActivation === 'softmax') {
              const k = Math.floor(t() * 3);
              return [0, 1, 2].map((j) => (j === k ? 1 : 0));
            }
            return [0, 1, 2].map(() => t());
          });
          const checkpoint = net.toJSON({ trainingState: true });
          const before = rngOf(net);
          const backprop = net.computeGradients(X, Y);
          // The masks the pass used: the next ROWS·5 draws for the first hidden layer, then ROWS·4 for the second.
          const { draws, state } = referenceDraws(before, ROWS * (5 + 4));
          const masks = [
            expectedMask(draws.slice(0, ROWS * 5), RATES[0]),
            expectedMask(draws.slice(ROWS * 5), RATES[1]),
          ];
          expect(arenaMasks(net, ROWS).map(bitsOf)).toEqual(masks.map(bitsOf));
          for (const m of masks) expect(m.some((v) => v === 0) && m.some((v) => v !== 0)).toBe(true); // both kinds of unit occur
          expect(rngOf(net), 'computeGradients advances the generator by one draw per masked unit').toEqual(state);

          const ref: RefNet = {
            ...net.getWeights(),
            loss,
            activations: [activation, activation, outputActivation],
            masks,
          };
          expect(backprop.loss).toBeCloseTo(refMeanLoss(ref, X, Y), 5);
          const got = flatGrads(backprop),
            want = flatGrads(numericGradient(ref, X, Y));
          const scale = Math.max(...want.map(Math.abs));
          expect(scale).toBeGreaterThan(1e-3); // a vanishing gradient would make the check vacuous
          // gradient.test.ts's tolerance: float32 backprop against float64 differences with h = 1e-6.
          const tolerance = (i: number): number => 1e-4 * scale + 1e-3 * Math.abs(want[i]);
          got.forEach((g, i) => {
            expect(Math.abs(g - want[i]), `parameter ${i}: backprop ${g}, numeric ${want[i]}`).toBeLessThan(
              tolerance(i),
            );
          });
          // The check can tell masks apart: the gradient without them misses by far more than the tolerance.
          const unmasked = flatGrads(numericGradient({ ...ref, masks: masks.map((m) => m.map(() => 1)) }, X, Y));
          expect(Math.max(...got.map((g, i) => Math.abs(g - unmasked[i]) / tolerance(i)))).toBeGreaterThan(10);

          // From the same generator state (the checkpoint), the same masks and gradients, bit for bit.
          const again = await NeuralNetwork.fromJSON(checkpoint, { engine });
          const repeat = again.computeGradients(X, Y);
          expect(bitsOf(flatGrads(repeat))).toBe(bitsOf(got));
          expect(repeat.loss).toBe(backprop.loss);
          // A second call on the advanced generator draws new masks.
          expect(bitsOf(flatGrads(net.computeGradients(X, Y)))).not.toBe(bitsOf(got));
        });
      }
    }
  });

  describe('3. off outside training', () => {
    it('predict, predictClass, evaluate and calculateLoss equal those of the same weights without dropout, bit for bit, and draw nothing', async () => {
      const options: NetworkOptions = {
        layers: [4, 16, 8, 3],
        activation: 'relu',
        outputActivation: 'softmax',
        loss: 'crossEntropy',
        seed: 11,
      };
      const dropped = await create({ ...options, dropout: [0.5, 0.3] }),
        plain = await create(options);
      expect(weightBits(dropped), 'dropout draws nothing at initialisation').toBe(weightBits(plain));
      expect(rngOf(dropped)).toEqual(rngOf(plain));
      dropped.fit(
        Xs,
        Ys.map((y) => y.indexOf(Math.max(...y))),
        { epochs: 5, batchSize: 4, shuffle: true, displayUpdate: 0 },
      );
      plain.setWeights(dropped.getWeights());
      const X = randomMatrix(300, 4, 8, 2); // more rows than one pass (256): chunked prediction too
      const labels = X.map((r) => (r[0] > 0 ? 1 : 0) + (r[1] > 0.5 ? 1 : 0));
      const rng = rngOf(dropped);
      const outputs = (net: NeuralNetwork): string => bitsOf((net.predict(X) as number[][]).flat());
      expect(outputs(dropped)).toBe(outputs(plain));
      expect(outputs(dropped), 'predict is deterministic').toBe(outputs(dropped));
      expect(bitsOf(dropped.predict({ data: Float32Array.from(X.flat()), rows: 300, cols: 4 }).data)).toBe(
        outputs(plain),
      );
      expect(dropped.predict(X[7])).toEqual(plain.predict(X[7]));
      expect(dropped.predictClass(X)).toEqual(plain.predictClass(X));
      expect(dropped.evaluate(X, labels)).toEqual(plain.evaluate(X, labels));
      expect(dropped.calculateLoss(X, labels)).toBe(plain.calculateLoss(X, labels));
      expect(rngOf(dropped), 'none of these advanced the generator').toEqual(rng);
    });

    it('validation and log lines during fit draw nothing: fit gives the same bits with or without them', async () => {
      const quiet = await create(small()),
        watched = await create(small());
      quiet.fit(Xs, Ys, { epochs: 6, batchSize: 4, shuffle: true, displayUpdate: 0 });
      const lines: string[] = [];
      const history = watched.fit(Xs, Ys, {
        epochs: 6,
        batchSize: 4,
        shuffle: true,
        displayUpdate: 1,
        log: (l) => lines.push(l),
        validationData: [Xs.slice(0, 10), Ys.slice(0, 10)],
      });
      expect(lines).toHaveLength(6);
      expect(history.valLoss).toHaveLength(6);
      expect(stateOf(watched)).toBe(stateOf(quiet));
    });
  });

  describe('4. determinism', () => {
    it('the same seed gives bit-identical weights and generator after fit, batch 1 and 8, shuffled or not; dropout changes them', async () => {
      for (const batchSize of [1, 8]) {
        for (const shuffle of [false, true]) {
          const fit = { epochs: 4, batchSize, shuffle, displayUpdate: 0 };
          const a = await create(small()),
            b = await create(small());
          a.fit(Xs, Ys, fit);
          b.fit(Xs, Ys, fit);
          expect(stateOf(a), `batch ${batchSize}, shuffle ${shuffle}`).toBe(stateOf(b));
          const without = await create(small({ dropout: 0 }));
          without.fit(Xs, Ys, fit);
          expect(weightBits(without)).not.toBe(weightBits(a));
          const otherSeed = await create(small({ seed: 18 }));
          otherSeed.fit(Xs, Ys, fit);
          expect(weightBits(otherSeed)).not.toBe(weightBits(a));
        }
      }
    });
  });

  describe('5. checkpoints and fitAsync', () => {
    it('toJSON({ trainingState }) mid-training, fromJSON and continue = uninterrupted training, bit for bit', async () => {
      const fit = { epochs: 3, batchSize: 4, shuffle: true, displayUpdate: 0 };
      const straight = await create(small());
      straight.fit(Xs, Ys, { ...fit, epochs: 6 });
      straight.fitPartial(Xs.slice(0, 5), Ys.slice(0, 5));
      const first = await create(small());
      first.fit(Xs, Ys, fit);
      const json = JSON.parse(JSON.stringify(first.toJSON({ trainingState: true }))) as NetworkJSON;
      expect(json.version).toBe(3);
      expect(json.dropout).toEqual([0.3, 0.5]);
      const resumed = await NeuralNetwork.fromJSON(json, { engine });
      expect(resumed.dropout).toEqual([0.3, 0.5]);
      resumed.fit(Xs, Ys, fit);
      resumed.fitPartial(Xs.slice(0, 5), Ys.slice(0, 5));
      expect(stateOf(resumed)).toBe(stateOf(straight));
      // Without the training state, the generator restarts from the seed: a different continuation.
      const weightsOnly = await NeuralNetwork.fromJSON(first.toJSON(), { engine });
      weightsOnly.fit(Xs, Ys, fit);
      expect(weightBits(weightsOnly)).not.toBe(weightBits(resumed));
    });

    it('checkpoints check dropout: a bad rate is refused naming json.dropout; a version-2 file reads as no dropout', async () => {
      const { checksum: _, ...content } = (await create(small())).toJSON();
      await expect(NeuralNetwork.fromJSON(withChecksum({ ...content, dropout: [0.3, 1] }))).rejects.toThrow(ValueError);
      await expect(NeuralNetwork.fromJSON(withChecksum({ ...content, dropout: [0.3, 1] }))).rejects.toMatchObject({
        option: 'json.dropout[1]',
      });
      await expect(NeuralNetwork.fromJSON(withChecksum({ ...content, dropout: [0.3] }))).rejects.toMatchObject({
        option: 'json.dropout',
      });
      const { dropout: _d, ...withoutDropout } = content;
      await expect(NeuralNetwork.fromJSON(withChecksum(withoutDropout as typeof content))).rejects.toMatchObject({
        option: 'json.dropout',
      });
      const old = await NeuralNetwork.fromJSON(withChecksum({ ...withoutDropout, version: 2 } as typeof content), {
        engine,
      });
      expect(old.dropout).toEqual([0, 0]);
      expect(dropoutLayers(old)).toBe(0);
    });

    it('fitAsync in slices gives the bits of fit', async () => {
      const fit = { epochs: 40, batchSize: 4, shuffle: true, displayUpdate: 0 };
      const a = await create(small()),
        b = await create(small());
      a.fit(Xs, Ys, fit);
      const slices: number[] = [];
      await b.fitAsync(Xs, Ys, { ...fit, onProgress: (p) => slices.push(p.epoch) });
      expect(slices.length).toBeGreaterThan(1); // really cut into slices
      expect(stateOf(b)).toBe(stateOf(a));
    });

    it("fitAsync({ worker: true }) gives the bits of fit, and training continues from the worker's generator", async () => {
      const fit = { epochs: 10, batchSize: 4, shuffle: true, displayUpdate: 0 };
      const a = await Built.create({ ...small(), engine }),
        b = await Built.create({ ...small(), engine });
      a.fit(Xs, Ys, fit);
      await b.fitAsync(Xs, Ys, { ...fit, worker: true });
      expect(stateOf(b)).toBe(stateOf(a));
      a.fit(Xs, Ys, fit);
      await b.fitAsync(Xs, Ys, { ...fit, worker: true });
      expect(stateOf(b)).toBe(stateOf(a));
    });
  });

  describe('6. validation', () => {
    const refused = async (dropout: unknown, option: string, message: RegExp, layers = [3, 4, 5, 2]): Promise<void> => {
      const error = await NeuralNetwork.create({ layers, dropout: dropout as number, engine }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, `dropout ${String(dropout)} should be refused`).toBeInstanceOf(ValueError);
      expect((error as ValueError).option).toBe(option);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).toContain(option);
    };
    const rangeMessage = /must be a number in \[0, 1\)/;

    it('refuses a rate that is negative, ≥ 1, NaN, infinite or not a number, naming the option', async () => {
      for (const bad of [
        -0.1,
        -1e-9,
        1,
        1.5,
        NaN,
        Infinity,
        -Infinity,
        '0.2',
        null,
        true,
        {},
        Float32Array.of(0.2, 0.2),
      ]) {
        await refused(bad, 'dropout', rangeMessage);
      }
      for (const [list, at] of [
        [[0.2, -0.1], 1],
        [[0.2, 1], 1],
        [[NaN, 0.2], 0],
        [['0.2', 0.1], 0],
        [[null, 0.1], 0],
        [[0.1, [0.2]], 1],
      ] as const) {
        await refused(list, `dropout[${at}]`, rangeMessage);
      }
    });

    it('refuses a list of the wrong length, naming the option and the count', async () => {
      await refused([0.2], 'dropout', /one rate per hidden layer \(2\); got 1/);
      await refused([0.2, 0.2, 0.2], 'dropout', /one rate per hidden layer \(2\); got 3/);
      await refused([], 'dropout', /one rate per hidden layer \(2\); got 0/);
      await refused([0.2], 'dropout', /one rate per hidden layer \(0\); got 1/, [3, 2]);
    });

    it('refuses a list with a hole, naming the entry', async () => {
      await refused([, 0.2], 'dropout[0]', rangeMessage);
    });

    it('refuses a list with an undefined entry, naming the entry', async () => {
      await refused([0.2, undefined], 'dropout[1]', rangeMessage);
    });

    it('refuses a nonzero rate on a network without hidden layers', async () => {
      await refused(0.2, 'dropout', /dropout applies to hidden layers, and these layers have none/, [3, 2]);
    });

    it('accepts 0 as no dropout layer at all: the same bits as without the option', async () => {
      for (const layers of [
        [3, 2],
        [4, 12, 8, 3],
      ])
        expect((await create({ layers, dropout: 0 })).dropout).toEqual(new Array(layers.length - 2).fill(0));
      expect((await create({ layers: [3, 2], dropout: [] })).dropout).toEqual([]);
      const fit = { epochs: 5, batchSize: 3, shuffle: true, displayUpdate: 0 };
      const without = await create(small({ dropout: undefined }));
      without.fit(Xs, Ys, fit);
      for (const zero of [0, [0, 0], -0]) {
        const net = await create(small({ dropout: zero }));
        expect(dropoutLayers(net)).toBe(0);
        net.fit(Xs, Ys, fit);
        expect(stateOf(net), `dropout ${JSON.stringify(zero)}`).toBe(stateOf(without));
      }
      const one = await create(small({ dropout: [0, 0.4] }));
      expect(dropoutLayers(one)).toBe(1);
      expect(one.dropout).toEqual([0, 0.4]);
    });
  });

  describe('7. divergence undo restores the generator', () => {
    it("a diverging fitPartial leaves the network exactly as before, generator included; the next step is a twin's", async () => {
      // An input of 1e11 makes every optimiser's step overflow float32 on both engines (Adam's second moment included).
      const options: NetworkOptions = {
        layers: [1, 8, 1],
        activation: 'identity',
        outputActivation: 'identity',
        learningRate: 1e30,
        dropout: 0.5,
        seed: 5,
      };
      for (const optimizer of ['sgd', 'momentum', 'adam'] as const) {
        const net = await create({ ...options, optimizer }),
          twin = await create({ ...options, optimizer });
        const before = stateOf(net);
        expect(() => net.fitPartial([1e11], [0]), optimizer).toThrow(DivergenceError);
        expect(stateOf(net), optimizer).toBe(before);
        // A step that succeeds draws the same masks as a twin that never saw the refused one.
        net.learningRate = 1e-3;
        twin.learningRate = 1e-3;
        net.fitPartial([[0.5], [0.25]], [[1], [2]]);
        twin.fitPartial([[0.5], [0.25]], [[1], [2]]);
        expect(stateOf(net)).toBe(stateOf(twin));
        expect(rngOf(net)).not.toEqual(JSON.parse(before).trainingState.rng); // the successful step did draw
      }
    });

    it('a diverging fit stops with the state after the last finite epoch, generator included, as a twin that stopped there', async () => {
      // A linear network just past its stable step size: it blows up after a dozen epochs.
      const options: NetworkOptions = {
        layers: [2, 6, 1],
        activation: 'identity',
        outputActivation: 'identity',
        learningRate: 0.0055,
        dropout: 0.2,
        seed: 1,
      };
      const X = [
          [1, 2],
          [3, 4],
          [5, 6],
          [7, 8],
        ],
        Y = [[10], [20], [30], [40]];
      const fit = { epochs: 500, displayUpdate: 0 };
      const net = await create(options),
        sliced = await create(options);
      const error = await Promise.resolve()
        .then(() => net.fit(X, Y, fit))
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(error).toBeInstanceOf(DivergenceError);
      const epoch = (error as DivergenceError).epoch;
      expect(epoch).toBeGreaterThan(5); // several epochs in one engine call: the replay from the saved state must redraw the same masks
      expect(net.epoch).toBe(epoch - 1);
      const twin = await create(options);
      twin.fit(X, Y, { epochs: epoch - 1, displayUpdate: 0 });
      expect(stateOf(net)).toBe(stateOf(twin));
      const slicedError = await sliced.fitAsync(X, Y, fit).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((slicedError as DivergenceError).epoch).toBe(epoch);
      expect(stateOf(sliced)).toBe(stateOf(twin));
    });
  });
});

describe('dropout: wasm ↔ js', () => {
  it('the masks are the same bits on both engines', async () => {
    const [w, j] = [await probe('wasm', 0.3, 16, 64, 9), await probe('js', 0.3, 16, 64, 9)];
    expect(bitsOf(w.mask)).toBe(bitsOf(j.mask));
    expect(w.after).toEqual(j.after);
  });

  it('training on optdigits: generator and masks stay identical bit for bit; losses and predictions within parity tolerance', async () => {
    const { X, y } = optdigits('train'),
      test = optdigits('test');
    const options: NetworkOptions = {
      layers: [64, 32, 10],
      activation: 'relu',
      outputActivation: 'softmax',
      loss: 'crossEntropy',
      learningRate: 0.1,
      dropout: 0.3,
      seed: 3,
    };
    const w = await NeuralNetwork.create({ ...options, engine: 'wasm' }),
      j = await NeuralNetwork.create({ ...options, engine: 'js' });
    // test/parity.test.ts's tolerances: 20 mini-batch steps within 1e-5 relative, then predictions within 1e-4.
    for (let step = 0; step < 20; step++) {
      const rows = X.slice(step * 32, step * 32 + 32),
        targets = y.slice(step * 32, step * 32 + 32);
      const a = w.fitPartial(rows, targets),
        b = j.fitPartial(rows, targets);
      expect(Math.abs(a - b) / Math.abs(b), `step ${step}: ${a} vs ${b}`).toBeLessThan(1e-5);
      expect(bitsOf(arenaMasks(w, 32)[0]), `step ${step}`).toBe(bitsOf(arenaMasks(j, 32)[0]));
    }
    expect(rngOf(w)).toEqual(rngOf(j));
    const fit = { epochs: 3, batchSize: 32, shuffle: true, displayUpdate: 0 };
    const hw = w.fit(X, y, fit),
      hj = j.fit(X, y, fit);
    hw.loss.forEach((l, e) => expect(Math.abs(l - hj.loss[e]) / hj.loss[e]).toBeLessThan(1e-4));
    expect(rngOf(w), 'shuffles and masks drew the same numbers').toEqual(rngOf(j));
    const last = X.length % 32 || 32; // the last batch of the last epoch
    expect(bitsOf(arenaMasks(w, last)[0])).toBe(bitsOf(arenaMasks(j, last)[0]));
    const pw = (w.predict(test.X) as number[][]).flat(),
      pj = (j.predict(test.X) as number[][]).flat();
    expect(Math.max(...pw.map((v, i) => Math.abs(v - pj[i])))).toBeLessThan(1e-4);
  });
});

describe('dropout: training works (wasm engine)', () => {
  it('optdigits 64-64-10 relu + softmax, dropout 0.2, Adam: ≥ 95.5% test accuracy after 8 epochs', async () => {
    // Measured: 0.9666 for seed 1 (0.9672 and 0.9649 for seeds 2 and 3); the bound leaves about 1%.
    const train = optdigits('train'),
      test = optdigits('test');
    const scale = standardiser(train.X);
    const net = await NeuralNetwork.create({
      layers: [64, 64, 10],
      activation: 'relu',
      outputActivation: 'softmax',
      loss: 'crossEntropy',
      optimizer: 'adam',
      learningRate: 0.002,
      init: 'he',
      dropout: 0.2,
      seed: 1,
      engine: 'wasm',
    });
    net.fit(scale(train.X), train.labels, { epochs: 8, batchSize: 16, shuffle: true, displayUpdate: 0 });
    const { accuracy } = net.evaluate(scale(test.X), test.labels);
    expect(accuracy, `test accuracy ${accuracy}`).toBeGreaterThanOrEqual(0.955);
  });
});
