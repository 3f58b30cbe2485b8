// The public NeuralNetwork: the seed's verbs over an engine. Validates at the boundary, keeps the
// options, logs; every number is computed by the engine.
import { checkSameRows, pack, unpack, type Matrix, type Packed, type TypedMatrix } from './data.js';
import type { Engine, EngineName } from './engine.js';
import { createEngine } from './engines.js';
import { DivergenceError, ShapeError, StateError, ValueError } from './errors.js';
import { runSliced, Training, type FitHistory, type FitProgress } from './training.js';
import { trainInThread } from './worker-client.js';
import {
  ACTIVATION_CODES, LOSS_CODES, positiveNumber, resolveFitOptions, resolveNetworkOptions,
  type EngineChoice, type FitAsyncOptions, type FitOptions, type NetworkOptions, type ResolvedNetworkOptions,
} from './options.js';

/** Weights as nested arrays: weights[l][j][i] connects unit i of layer l to unit j of layer l+1. */
export interface Weights {
  weights: number[][][];
  biases: number[][];
}

/** The serialised network: architecture, options and weights. */
export interface NetworkJSON extends Weights {
  format: typeof FORMAT;
  version: typeof VERSION;
  layers: number[];
  learningRate: number;
  activation: ResolvedNetworkOptions['activation'];
  outputActivation: ResolvedNetworkOptions['outputActivation'];
  loss: ResolvedNetworkOptions['loss'];
  seed: number;
}

const FORMAT = 'backprop-wasm/network';

/** The activation code of each weight layer: hidden ones, then the output. */
function activationCodes(layers: number[], activation: string, outputActivation: string): number[] {
  return layers.slice(1).map((_, l) => ACTIVATION_CODES[(l === layers.length - 2 ? outputActivation : activation) as 'sigmoid']);
}
const VERSION = 1;

export class NeuralNetwork {
  private disposed = false;
  private rate: number;

  private constructor(private readonly options: ResolvedNetworkOptions, private readonly core: Engine) {
    this.rate = options.learningRate;
  }

  /** Builds a network; its weights are drawn from the seeded generator. */
  static async create(options: NetworkOptions): Promise<NeuralNetwork> {
    const resolved = resolveNetworkOptions(options);
    const { layers, activation, outputActivation, loss } = resolved;
    const engine = await createEngine(resolved.engine, {
      widths: layers, activations: activationCodes(layers, activation, outputActivation), loss: LOSS_CODES[loss],
    });
    engine.initParams(resolved.seed);
    return new NeuralNetwork(resolved, engine);
  }

  /** Rebuilds a network from toJSON()'s output (object or string); `engine` may be chosen anew. */
  static async fromJSON(json: string | NetworkJSON, options: { engine?: EngineChoice } = {}): Promise<NeuralNetwork> {
    const parsed: unknown = typeof json === 'string' ? JSON.parse(json) : json;
    if (typeof parsed !== 'object' || parsed === null || (parsed as NetworkJSON).format !== FORMAT) {
      throw new ValueError('json', `not a serialised backprop-wasm network (format must be '${FORMAT}')`);
    }
    const j = parsed as NetworkJSON;
    if (j.version !== VERSION) throw new ValueError('json.version', `unsupported version ${String(j.version)}; this library reads version ${VERSION}`);
    const net = await NeuralNetwork.create({
      layers: j.layers, learningRate: j.learningRate, activation: j.activation, outputActivation: j.outputActivation,
      loss: j.loss, seed: j.seed, engine: options.engine ?? 'auto',
    });
    net.setWeights({ weights: j.weights, biases: j.biases });
    return net;
  }

  /** Layer widths, input → output. */
  get layers(): number[] {
    return [...this.options.layers];
  }

  get seed(): number {
    return this.options.seed;
  }

  /** The engine computing for this network. */
  get engine(): EngineName {
    return this.core.name;
  }

  get learningRate(): number {
    return this.rate;
  }

  set learningRate(value: number) {
    this.rate = positiveNumber('learningRate', value);
  }

  get activation(): ResolvedNetworkOptions['activation'] { return this.options.activation; }
  get outputActivation(): ResolvedNetworkOptions['outputActivation'] { return this.options.outputActivation; }
  get loss(): ResolvedNetworkOptions['loss'] { return this.options.loss; }

  /**
   * Trains for `epochs` epochs. Logs `[INFO] epoch=N, loss=…` (calculateLoss over the training set) at
   * epoch 1 and every `displayUpdate` epochs, as the seed does. Throws DivergenceError, with the weights
   * restored to the last finite point, if the loss stops being finite.
   */
  fit(X: Matrix, y: Matrix | number[], options?: FitOptions): FitHistory {
    this.assertAlive();
    const { x, t } = this.packPair(X, y);
    const run = new Training(this.core, x, t, resolveFitOptions(options), this.rate);
    while (!run.finished) run.step();
    return run.history();
  }

  /**
   * fit, without freezing the page: trains in slices of about 12 ms and yields to the event loop
   * between them, or, with `worker: true`, in a Web Worker (Node: worker_threads) that receives the
   * data once and posts back only log lines, progress and the final weights. Either way the result
   * is bit for bit fit's. An aborted `signal` rejects with its reason and keeps the epochs completed.
   */
  async fitAsync(X: Matrix, y: Matrix | number[], options: FitAsyncOptions = {}): Promise<FitHistory> {
    this.assertAlive();
    const { signal, worker = false, onProgress, ...rest } = options;
    if (signal !== undefined && !(typeof signal === 'object' && typeof signal.throwIfAborted === 'function')) {
      throw new ValueError('signal', 'signal must be an AbortSignal');
    }
    if (typeof worker !== 'boolean') throw new ValueError('worker', `worker must be true or false; got ${String(worker)}`);
    if (onProgress !== undefined && typeof onProgress !== 'function') throw new ValueError('onProgress', 'onProgress must be a function');
    if (worker && rest.onEpochEnd) {
      throw new ValueError('onEpochEnd', 'onEpochEnd runs on the training thread every epoch; with worker: true use onProgress');
    }
    const { x, t } = this.packPair(X, y);
    const fit = resolveFitOptions(rest);
    signal?.throwIfAborted();
    if (worker) return this.fitInThread(x, t, fit, signal, onProgress);
    const run = new Training(this.core, x, t, fit, this.rate);
    await runSliced(run, fit.epochs, signal, onProgress);
    return run.history();
  }

  private async fitInThread(
    x: Packed, t: Packed, fit: ReturnType<typeof resolveFitOptions>, signal?: AbortSignal, onProgress?: (p: FitProgress) => void,
  ): Promise<FitHistory> {
    const { layers, activation, outputActivation, loss } = this.options;
    const outcome = await trainInThread({
      type: 'fit', engine: this.core.name,
      shape: { widths: layers, activations: activationCodes(layers, activation, outputActivation), loss: LOSS_CODES[loss] },
      params: this.core.getParams(), rng: this.core.getRngState(),
      // Copies: the buffers are transferred, and the caller's arrays stay theirs.
      x: { data: x.data.slice(), rows: x.rows, cols: x.cols }, t: { data: t.data.slice(), rows: t.rows, cols: t.cols },
      fit: { epochs: fit.epochs, batchSize: fit.batchSize, shuffle: fit.shuffle, displayUpdate: fit.displayUpdate },
      learningRate: this.rate,
    }, { signal, log: fit.log, onProgress });
    this.core.setParams(outcome.state.params);
    this.core.setRngState(outcome.state.rng);
    if (outcome.ok) return { epochs: outcome.state.loss.length, loss: outcome.state.loss };
    if (outcome.name === 'AbortError' && signal?.aborted) throw signal.reason;
    if (outcome.name === 'DivergenceError') throw new DivergenceError(outcome.epoch ?? 0, outcome.message);
    throw new Error(`training in the worker failed: ${outcome.name}: ${outcome.message}`);
  }

  /** One gradient step over these rows as one batch (the seed's fit_partial for one row); returns their mean loss before the step. */
  fitPartial(X: Matrix | number[], y: Matrix | number[]): number {
    this.assertAlive();
    const { x, t } = this.packPair(X, y, 'row');
    const loss = this.core.trainBatch(x.data, t.data, x.rows, this.rate) / x.rows;
    if (!Number.isFinite(loss)) {
      throw new DivergenceError(0, `the loss is ${loss}: the weights are no longer finite. Restore them with setWeights, or use a smaller learningRate (now ${this.rate}).`);
    }
    return loss;
  }

  /** Outputs for each row, in the form of the input: rows, a typed matrix, or one row for one sample. */
  predict(X: number[][]): number[][];
  predict(X: number[]): number[];
  predict(X: TypedMatrix): TypedMatrix;
  predict(X: Matrix | number[]): number[][] | number[] | TypedMatrix;
  predict(X: Matrix | number[]): number[][] | number[] | TypedMatrix {
    this.assertAlive();
    const x = pack('X', X, this.inputs, 'row');
    const out = new Float32Array(x.rows * this.outputs);
    this.core.predict(x.data, x.rows, out);
    return unpack(out, x.rows, this.outputs, x.form);
  }

  /** The seed's loss: the sum over all samples of the per-sample loss (for 'mse', ½·Σ(prediction − target)²). */
  calculateLoss(X: Matrix | number[], y: Matrix | number[]): number {
    this.assertAlive();
    const { x, t } = this.packPair(X, y, 'row');
    return this.core.evaluateLoss(x.data, t.data, x.rows);
  }

  /** Gradients of the mean per-sample loss over these rows, by backpropagation, without a step. */
  computeGradients(X: Matrix | number[], y: Matrix | number[]): Weights & { loss: number } {
    this.assertAlive();
    const { x, t } = this.packPair(X, y, 'row');
    const loss = this.core.computeGradients(x.data, t.data, x.rows) / x.rows;
    return { loss, ...this.nest(this.core.getGrads()) };
  }

  /** A copy of the weights and biases. */
  getWeights(): Weights {
    this.assertAlive();
    return this.nest(this.core.getParams());
  }

  /** Replaces every weight and bias; shapes must match getWeights() and every value be finite. */
  setWeights(values: Weights): void {
    this.assertAlive();
    const L = this.options.layers.length - 1;
    if (typeof values !== 'object' || values === null || !Array.isArray(values.weights) || !Array.isArray(values.biases)) {
      throw new ShapeError('weights', 'setWeights expects { weights: number[][][], biases: number[][] }');
    }
    if (values.weights.length !== L || values.biases.length !== L) {
      throw new ShapeError('weights', `expected ${L} weight matrices and ${L} bias vectors; got ${values.weights.length} and ${values.biases.length}`);
    }
    const flat = new Float32Array(this.core.plan.paramCount);
    let at = 0;
    for (let l = 0; l < L; l++) {
      const w = pack(`weights[${l}]`, values.weights[l], this.options.layers[l]);
      const b = pack(`biases[${l}]`, values.biases[l], this.options.layers[l + 1], 'row');
      const OC = this.options.layers[l + 1];
      if (w.rows !== OC) throw new ShapeError(`weights[${l}]`, `weights[${l}] has ${w.rows} rows; layer ${l + 1} has ${OC} units`);
      if (b.rows !== 1) throw new ShapeError(`biases[${l}]`, `biases[${l}] must be one array of ${OC} numbers`);
      flat.set(w.data, at);
      flat.set(b.data, at + w.data.length);
      at += w.data.length + b.data.length;
    }
    this.core.setParams(flat);
  }

  /** Architecture, options and weights; JSON.stringify of it round-trips exactly through fromJSON. */
  toJSON(): NetworkJSON {
    const { layers, activation, outputActivation, loss, seed } = this.options;
    return {
      format: FORMAT, version: VERSION, layers: [...layers], learningRate: this.rate, activation, outputActivation, loss, seed,
      ...this.getWeights(),
    };
  }

  /** Releases the engine; any later call throws StateError. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.core.dispose();
  }

  toString(): string {
    return `NeuralNetwork: ${this.options.layers.join('-')}`;
  }

  /** The seed's name for fitPartial. */
  fit_partial(X: Matrix | number[], y: Matrix | number[]): number {
    return this.fitPartial(X, y);
  }

  /** The seed's name for calculateLoss. */
  calculate_loss(X: Matrix | number[], y: Matrix | number[]): number {
    return this.calculateLoss(X, y);
  }

  private get inputs(): number {
    return this.options.layers[0];
  }

  private get outputs(): number {
    return this.options.layers[this.options.layers.length - 1];
  }

  private assertAlive(): void {
    if (this.disposed) throw new StateError('this NeuralNetwork has been disposed');
  }

  /** Packs inputs and targets; a 1-D y is one column when the network has one output. */
  private packPair(X: unknown, y: unknown, xVector: 'row' | 'none' = 'none'): { x: Packed; t: Packed } {
    const x = pack('X', X, this.inputs, xVector);
    const t = pack('y', y, this.outputs, x.form === 'vector' ? 'row' : this.outputs === 1 ? 'column' : 'none');
    checkSameRows(x, t);
    return { x, t };
  }

  /** Splits a flat parameter-layout vector into per-layer nested arrays. */
  private nest(flat: Float32Array): Weights {
    const weights: number[][][] = [];
    const biases: number[][] = [];
    const widths = this.options.layers;
    let at = 0;
    for (let l = 0; l + 1 < widths.length; l++) {
      const C = widths[l], OC = widths[l + 1];
      const w = unpack(flat.subarray(at, at + OC * C), OC, C, 'rows') as number[][];
      weights.push(w);
      at += OC * C;
      biases.push(Array.from(flat.subarray(at, at + OC)));
      at += OC;
    }
    return { weights, biases };
  }
}
