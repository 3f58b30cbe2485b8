// The public NeuralNetwork: the seed's verbs over an engine. Validates at the boundary, keeps the
// options, logs; every number is computed by the engine.
import { FORMAT, networkOptionsOf, readNetworkJSON, VERSION, withChecksum, type NetworkJSON } from './checkpoint.js';
import {
  checkProbabilities,
  checkSameRows,
  classesOf,
  floats,
  isClassList,
  pack,
  packClasses,
  rowCount,
  takeRows,
  unpack,
  type Matrix,
  type Packed,
  type Row,
  type TypedMatrix,
} from './data.js';
import type { Engine, EngineName } from './engine.js';
import { createEngine } from './create-engine.js';
import { DivergenceError, MemoryError, ShapeError, StateError, ValueError } from './errors.js';
import { allocate, ARENA_LIMIT } from './plan.js';
import { classifies } from './registry.js';
import { runSliced, Training, type FitHistory, type FitProgress } from './training.js';
import { TrainingThread } from './worker-client.js';
import type { ErrorDetails, FitRequest } from './worker-protocol.js';
import {
  checkKeys,
  INIT_CODES,
  learningRateValue,
  networkShape,
  optionsObject,
  resolveFitOptions,
  resolveNetworkOptions,
  show,
  updateRule,
  type Arithmetic,
  type EngineChoice,
  type FitAsyncOptions,
  type FitOptions,
  type NetworkOptions,
  type ResolvedFitOptions,
  type ResolvedNetworkOptions,
} from './options.js';
import { seededRandom } from './random.js';

/** The library's typed error that the training worker threw, rebuilt on this side from its name and fields. */
function reviveError(name: string, message: string, d: ErrorDetails): Error {
  switch (name) {
    case 'DivergenceError':
      return new DivergenceError(d.epoch ?? 0, message);
    case 'MemoryError':
      return new MemoryError(
        d.resource ?? 'memory',
        d.bytes ?? 0,
        d.limit ?? ARENA_LIMIT,
        `in the training worker: ${message}`,
      );
    case 'ValueError':
      return new ValueError(d.option ?? 'options', `in the training worker: ${message}`);
    case 'StateError':
      return new StateError(`in the training worker: ${message}`);
    default:
      return new Error(`training in the worker failed: ${name}: ${message}`);
  }
}

/** Whether `value` is a working AbortSignal: one whose `aborted` can be read (a bare prototype's cannot). */
function isAbortSignal(value: unknown): value is AbortSignal {
  try {
    return value instanceof AbortSignal && typeof value.aborted === 'boolean';
  } catch {
    return false;
  }
}

/** Weights as nested arrays: weights[l][j][i] connects unit i of layer l to unit j of layer l+1. */
export interface Weights {
  weights: number[][][];
  biases: number[][];
}

export type { NetworkJSON } from './checkpoint.js';

/** Targets: rows like X's, a flat number[] for a one-output network, or class indices for softmax outputs. */
export type Targets = Matrix | Row | Int32Array;

/** The fit in flight on a network: which call, its run (none in worker mode), and how dispose() stops it. */
interface Running {
  call: 'fit' | 'fitAsync';
  run?: Training;
  /** Stops the fit at once, rejecting it with this error (worker mode: terminates the worker). */
  cancel?: (error: StateError) => void;
}

/** Ends the training thread of a network the garbage collector took without dispose(). */
const abandoned = new FinalizationRegistry<TrainingThread>((thread) => thread.end());

export class NeuralNetwork {
  private disposed = false;
  private rate: number;
  /** Epochs of the fits that have ended; `epoch` adds those of the fit in flight. */
  private epochsTrained = 0;
  private running?: Running;
  /** The thread of fitAsync({ worker: true }), kept from one such fit to the next. */
  private thread?: TrainingThread;

  private constructor(
    private readonly options: ResolvedNetworkOptions,
    private readonly backend: Engine,
  ) {
    this.rate = options.learningRate;
  }

  /** Builds a network; its weights are drawn from the seeded generator. */
  static async create(options: NetworkOptions): Promise<NeuralNetwork> {
    const resolved = resolveNetworkOptions(options);
    const engine = await createEngine(resolved.engine, networkShape(resolved), resolved.threads, resolved.arithmetic);
    engine.initParams(resolved.seed, INIT_CODES[resolved.init]);
    engine.setUpdateRule(updateRule(resolved));
    return new NeuralNetwork(resolved, engine);
  }

  /**
   * Rebuilds a network from toJSON()'s output (object or string); `engine` and `threads` may be
   * chosen anew. A checkpoint written with `{ trainingState: true }` resumes training exactly where
   * it stopped, on any number of threads.
   */
  static async fromJSON(
    json: string | NetworkJSON,
    options?: { engine?: EngineChoice; threads?: number | 'auto'; arithmetic?: Arithmetic },
  ): Promise<NeuralNetwork> {
    const o = optionsObject('options', options, 'fromJSON options');
    checkKeys('fromJSON', o, ['engine', 'threads', 'arithmetic']);
    const j = readNetworkJSON(json);
    const net = await NeuralNetwork.create({
      ...networkOptionsOf(j as never),
      engine: (o.engine ?? 'auto') as EngineChoice,
      threads: o.threads as number | 'auto' | undefined,
      arithmetic: o.arithmetic as Arithmetic | undefined,
    });
    net.setWeights({ weights: j.weights, biases: j.biases });
    const state = j.trainingState;
    if (state) {
      net.backend.setRngState(Uint32Array.from(state.rng));
      net.backend.setOptimizerState({
        moments: Float32Array.from(state.moments),
        step: state.step,
        beta1Power: state.beta1Power,
        beta2Power: state.beta2Power,
      });
      net.epochsTrained = state.epoch;
    }
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
    return this.backend.name;
  }

  /**
   * The threads this network runs on: the `threads` it was created with where this host can run them
   * (the wasm engine, shared memory, a thread that may wait), else 1. Small passes, and a machine busy
   * with other work, run on fewer; the weights are the same bits whatever the count.
   */
  get threads(): number {
    return this.backend.threads;
  }

  /**
   * The arithmetic the network runs: 'fma' when it was created with arithmetic 'fma' on a host whose
   * WebAssembly fuses relaxed_madd, else 'portable' (also the js engine's).
   */
  get arithmetic(): Arithmetic {
    return this.backend.arithmetic;
  }

  get learningRate(): number {
    return this.rate;
  }

  set learningRate(value: number) {
    this.assertIdle('setting learningRate');
    const rate = learningRateValue('learningRate', value);
    this.backend.setUpdateRule(updateRule(this.options, rate));
    this.rate = rate;
  }

  /**
   * Epochs trained so far, across every fit (and carried by checkpoints). It always matches the
   * weights: during a fit it counts the epochs completed so far; after a throwing callback or a
   * divergence, the epochs whose results the weights hold.
   */
  get epoch(): number {
    return this.epochsTrained + (this.running?.run?.epochsDone ?? 0);
  }

  get optimizer(): ResolvedNetworkOptions['optimizer'] {
    return { ...this.options.optimizer };
  }
  get activation(): ResolvedNetworkOptions['activation'] {
    return this.options.activation;
  }
  get outputActivation(): ResolvedNetworkOptions['outputActivation'] {
    return this.options.outputActivation;
  }
  get loss(): ResolvedNetworkOptions['loss'] {
    return this.options.loss;
  }
  /** The dropout rate after each hidden layer (0: none). */
  get dropout(): number[] {
    return [...this.options.dropout];
  }

  /**
   * Trains for `epochs` epochs. Logs `[INFO] epoch=N, loss=…` (calculateLoss over the training set) at
   * epoch 1 and every `displayUpdate` epochs, as the seed does. Throws DivergenceError if the loss,
   * the weights or the optimiser state stop being finite, leaving the network as it was after the
   * last epoch that kept them finite.
   */
  fit(X: Matrix, y: Targets, options?: FitOptions): FitHistory {
    this.assertIdle('fit');
    const fit = resolveFitOptions(options);
    const run = this.training(X, y, fit);
    this.running = { call: 'fit', run };
    try {
      while (!run.finished) {
        run.step();
        if (this.disposed)
          throw new StateError('the network was disposed during fit (from a callback); training stopped');
      }
      return run.history();
    } finally {
      this.settle(run, fit);
    }
  }

  /** Validates the data and sets up a run. */
  private training(X: unknown, y: unknown, fit: ResolvedFitOptions): Training {
    this.checkFitThreads(fit);
    const { x, t, validation } = this.split(X, y, fit);
    this.backend.limitThreads(fit.threads);
    return new Training(this.backend, x, t, fit, validation, this.classifies);
  }

  /** A fit may ask for fewer threads than the network has, never more (the workers are the network's). */
  private checkFitThreads(fit: ResolvedFitOptions): void {
    const own = this.options.threads === 'auto' ? Infinity : this.options.threads;
    if (fit.threads !== undefined && fit.threads > own) {
      throw new ValueError(
        'threads',
        `fit's threads (${fit.threads}) may not exceed the network's (${own}): create the network with threads: ${fit.threads}`,
      );
    }
  }

  /** Ends the fit in flight: counts its epochs, gives back the data region, and disposes if asked to meanwhile. */
  private settle(run: Training | undefined, fit: ResolvedFitOptions): void {
    if (run) this.epochsTrained += run.epochsDone;
    this.running = undefined;
    this.backend.limitThreads(undefined);
    if (this.disposed) this.backend.dispose();
    else if (!fit.keepData) this.backend.releaseData();
  }

  /**
   * The training rows, and the validation rows: validationData, or a seeded random share (not the
   * tail). A training set too big for the arena is refused first, before any row is read.
   */
  private split(
    X: unknown,
    y: unknown,
    fit: ResolvedFitOptions,
  ): { x: Packed; t: Packed; validation?: { x: Packed; t: Packed } } {
    const rows = rowCount(X);
    if (rows !== undefined) {
      const trainRows = fit.validationData ? rows : rows - Math.round(rows * fit.validationSplit);
      if (trainRows > 0) this.backend.checkRoom(Math.min(fit.batchSize, trainRows), trainRows);
    }
    const { x, t } = this.packPair(X, y);
    if (fit.validationData)
      return {
        x,
        t,
        validation: this.packPair(fit.validationData[0], fit.validationData[1], 'none', 'validationData'),
      };
    if (fit.validationSplit === 0) return { x, t };
    const held = Math.round(x.rows * fit.validationSplit);
    if (held < 1 || held >= x.rows) {
      throw new ValueError(
        'validationSplit',
        `validationSplit ${fit.validationSplit} of ${x.rows} rows leaves ${held} for validation and ${x.rows - held} for training; both need at least one`,
      );
    }
    // The same choice for the same network seed, from a generator apart from the network's own.
    const order = Array.from(seededRandom(this.options.seed ^ 0x5eed).permutation(x.rows));
    const valRows = order.slice(0, held).sort((a, b) => a - b),
      trainRows = order.slice(held).sort((a, b) => a - b);
    return {
      x: takeRows(x, trainRows),
      t: takeRows(t, trainRows),
      validation: { x: takeRows(x, valRows), t: takeRows(t, valRows) },
    };
  }

  /** Outputs that are class scores (softmax or sigmoid): accuracy is reported and predictClass means something. */
  private get classifies(): boolean {
    return classifies(this.options.outputActivation);
  }

  /**
   * fit, without freezing the page: trains in slices of about 12 ms and yields to the event loop
   * between them, or, with `worker: true`, in a Web Worker (Node: worker_threads) that receives the
   * data once and posts back only log lines, progress and the final weights. Either way the result
   * is bit for bit fit's. An aborted `signal` rejects with its reason and keeps the epochs completed.
   */
  async fitAsync(X: Matrix, y: Targets, options?: FitAsyncOptions): Promise<FitHistory> {
    this.assertIdle('fitAsync');
    const {
      signal,
      worker = false,
      onProgress,
      ...rest
    } = optionsObject('options', options, 'fitAsync options') as FitAsyncOptions;
    if (signal !== undefined && !isAbortSignal(signal))
      throw new ValueError('signal', `signal must be an AbortSignal; got ${show(signal)}`);
    if (typeof worker !== 'boolean')
      throw new ValueError('worker', `worker must be true or false; got ${show(worker)}`);
    if (onProgress !== undefined && typeof onProgress !== 'function')
      throw new ValueError('onProgress', `onProgress must be a function; got ${show(onProgress)}`);
    if (worker && rest.onEpochEnd) {
      throw new ValueError(
        'onEpochEnd',
        'onEpochEnd runs on the training thread every epoch; with worker: true use onProgress',
      );
    }
    const fit = resolveFitOptions(rest);
    if (worker) {
      const { x, t, validation } = this.split(X, y, fit);
      signal?.throwIfAborted();
      return this.fitInThread(x, t, fit, validation, signal, onProgress);
    }
    signal?.throwIfAborted();
    const run = this.training(X, y, fit);
    this.running = { call: 'fitAsync', run };
    try {
      await runSliced(
        run,
        fit.epochs,
        () => {
          if (this.disposed) throw new StateError('the network was disposed during fitAsync; training stopped');
          signal?.throwIfAborted();
        },
        onProgress,
      );
    } finally {
      this.settle(run, fit);
    }
    return run.history();
  }

  private async fitInThread(
    x: Packed,
    t: Packed,
    fit: ResolvedFitOptions,
    validation: { x: Packed; t: Packed } | undefined,
    signal?: AbortSignal,
    onProgress?: (p: FitProgress) => void,
  ): Promise<FitHistory> {
    const cancel = new AbortController();
    this.running = { call: 'fitAsync', cancel: (error) => cancel.abort(error) };
    let outcome;
    try {
      outcome = await this.trainingThread().train(this.threadRequest(x, t, fit, validation), {
        signal,
        cancel: cancel.signal,
        log: fit.log,
        onProgress,
      });
    } finally {
      this.settle(undefined, fit);
    }
    // The thread's final state: after its last epoch, or as a divergence or an abort left it.
    this.backend.restoreState(outcome.state);
    this.epochsTrained += outcome.state.history.epochs;
    if (outcome.ok) return outcome.state.history;
    if ('callbackError' in outcome) throw outcome.callbackError;
    if (outcome.name === 'AbortError' && signal?.aborted) throw signal.reason;
    throw reviveError(outcome.name ?? 'Error', `${outcome.message ?? ''}`, outcome.details ?? {});
  }

  /** The network's training thread, made on first use; ended with the network, or when the garbage collector takes it undisposed. */
  private trainingThread(): TrainingThread {
    if (!this.thread) {
      this.thread = new TrainingThread();
      abandoned.register(this, this.thread);
    }
    return this.thread;
  }

  /** What the training thread needs: the network as the engine sees it, its state, copies of the rows, fit's settings. */
  private threadRequest(
    x: Packed,
    t: Packed,
    fit: ResolvedFitOptions,
    validation: { x: Packed; t: Packed } | undefined,
  ): FitRequest {
    const { log: _log, onEpochEnd: _callbacksStayHere, validationData: _packedAlready, ...settings } = fit;
    // Copies: the buffers are transferred, and the caller's arrays stay theirs.
    const rows = (p: Packed): TypedMatrix => ({ data: p.data.slice(), rows: p.rows, cols: p.cols });
    return {
      type: 'fit',
      engine: this.backend.name,
      threads: this.options.threads,
      arithmetic: this.options.arithmetic,
      shape: networkShape(this.options),
      rule: updateRule(this.options, this.rate),
      params: this.backend.getParams(),
      rng: this.backend.getRngState(),
      optimizer: this.backend.getOptimizerState(),
      x: rows(x),
      t: rows(t),
      validation: validation && { x: rows(validation.x), t: rows(validation.t) },
      fit: { ...settings, validationSplit: 0 }, // the validation rows, if any, travel ready-made
    };
  }

  /**
   * One gradient step over these rows as one batch (the seed's fit_partial for one row); returns their
   * mean loss before the step. A step that would leave the loss, weights or optimiser state non-finite
   * is undone and throws DivergenceError (epoch 0).
   */
  fitPartial(X: Matrix | Row, y: Targets): number {
    this.assertIdle('fitPartial');
    const { x, t } = this.packPair(X, y, 'row', '', true);
    const loss = this.backend.trainBatchOrUndo(x.data, t.data, x.rows) / x.rows;
    if (Number.isNaN(loss)) {
      throw new DivergenceError(
        0,
        'this step would make the loss, the weights or the optimiser state non-finite; it was undone. ' +
          `Use a smaller learningRate (now ${this.rate}), clipNorm, or scaled inputs.`,
      );
    }
    return loss;
  }

  /** Outputs for each row, in the form of the input: rows, a typed matrix, or one row for one sample. */
  predict(X: Row[]): number[][];
  predict(X: Row): number[];
  predict(X: TypedMatrix): TypedMatrix;
  predict(X: Matrix | Row): number[][] | number[] | TypedMatrix;
  predict(X: Matrix | Row): number[][] | number[] | TypedMatrix {
    this.assertAlive();
    const { out, x } = this.forwardRows(X);
    return unpack(out, x.rows, this.outputs, x.form);
  }

  /** The network's outputs for X, packed, with X as packed. */
  private forwardRows(X: unknown): { out: Float32Array; x: Packed } {
    const x = pack('X', X, this.inputs, 'row');
    this.assertAlive(); // a getter in the data may have disposed the network while it was read
    const out = floats('predictions', x.rows * this.outputs);
    this.backend.predict(x.data, x.rows, out);
    for (let i = 0; i < out.length; i++) {
      if (Number.isFinite(out[i])) continue;
      const row = Math.floor(i / this.outputs);
      throw new ShapeError(
        'X',
        `X row ${row} gives a non-finite output (${out[i]}): its values, or the weights, overflow float32 arithmetic`,
        row,
      );
    }
    return { out, x };
  }

  /**
   * A loss (or gradient) that float32 arithmetic overflowed: names the first row whose outputs are not
   * finite, or else says the targets are too far from the outputs to measure.
   */
  private overflow(X: unknown, what: string, value: number): never {
    this.forwardRows(X); // throws, naming the row, when an output overflowed
    throw new ShapeError(
      'y',
      `the ${what} is ${value}: the targets are too far from the outputs for float32 arithmetic`,
    );
  }

  /** The seed's loss: the sum over all samples of the per-sample loss (for 'mse', ½·Σ(prediction − target)²). */
  calculateLoss(X: Matrix | Row, y: Targets): number {
    this.assertAlive();
    const { x, t } = this.packPair(X, y, 'row');
    const { loss } = this.backend.evaluate(x.data, t.data, x.rows);
    return Number.isFinite(loss) ? loss : this.overflow(X, 'loss', loss);
  }

  /** The mean per-sample loss over these rows, and, for softmax or sigmoid outputs, the share classified right. */
  evaluate(X: Matrix | Row, y: Targets): { loss: number; accuracy?: number } {
    this.assertAlive();
    const { x, t } = this.packPair(X, y, 'row');
    const { loss, correct } = this.backend.evaluate(x.data, t.data, x.rows);
    if (!Number.isFinite(loss)) this.overflow(X, 'loss', loss);
    return this.classifies ? { loss: loss / x.rows, accuracy: correct / x.rows } : { loss: loss / x.rows };
  }

  /** The class of each row: the largest output for softmax (or several sigmoid) outputs, output ≥ ½ for one. */
  predictClass(X: Matrix | Row): number[] {
    this.assertAlive();
    if (!this.classifies) {
      throw new ValueError(
        'outputActivation',
        `predictClass needs softmax or sigmoid outputs; this network's are '${this.options.outputActivation}'`,
      );
    }
    const { out, x } = this.forwardRows(X);
    return classesOf(out, x.rows, this.outputs);
  }

  /** Gradients of the mean per-sample loss over these rows, by backpropagation, without a step. */
  computeGradients(X: Matrix | Row, y: Targets): Weights & { loss: number } {
    this.assertAlive();
    const { x, t } = this.packPair(X, y, 'row', '', true);
    const loss = this.backend.computeGradients(x.data, t.data, x.rows) / x.rows;
    const grads = this.backend.getGrads();
    if (!Number.isFinite(loss)) this.overflow(X, 'loss', loss);
    if (!grads.every(Number.isFinite))
      this.overflow(
        X,
        'gradient',
        grads.find((g) => !Number.isFinite(g))!,
      );
    return { loss, ...this.nest(grads) };
  }

  /** A copy of the weights and biases. */
  getWeights(): Weights {
    this.assertAlive();
    return this.nest(this.backend.getParams());
  }

  /** Replaces every weight and bias; shapes must match getWeights() and every value be finite. */
  setWeights(values: Weights): void {
    this.assertIdle('setWeights');
    const { parameters, paramCount } = this.backend.plan;
    const L = parameters.length;
    if (
      typeof values !== 'object' ||
      values === null ||
      !Array.isArray(values.weights) ||
      !Array.isArray(values.biases)
    ) {
      throw new ShapeError('weights', 'setWeights expects { weights: number[][][], biases: number[][] }');
    }
    if (values.weights.length !== L || values.biases.length !== L) {
      throw new ShapeError(
        'weights',
        `expected ${L} weight matrices and ${L} bias vectors; got ${values.weights.length} and ${values.biases.length}`,
      );
    }
    const flat = new Float32Array(paramCount);
    parameters.forEach(({ rows, cols, weight, bias }, l) => {
      const w = pack(`weights[${l}]`, values.weights[l], cols);
      if (w.rows !== rows)
        throw new ShapeError(`weights[${l}]`, `weights[${l}] has ${w.rows} rows; layer ${l + 1} has ${rows} units`);
      const b = pack(`biases[${l}]`, values.biases[l], rows, 'row');
      if (b.rows !== 1) throw new ShapeError(`biases[${l}]`, `biases[${l}] must be one array of ${rows} numbers`);
      flat.set(w.data, weight);
      flat.set(b.data, bias);
    });
    this.backend.setParams(flat);
  }

  /**
   * Architecture, options and weights, versioned and checksummed; JSON.stringify of it round-trips
   * exactly through fromJSON. With `{ trainingState: true }` it is a full checkpoint: the optimiser's
   * state, the generator's state and the epoch too, so that training resumes bit for bit.
   */
  toJSON(options?: { trainingState?: boolean } | string): NetworkJSON {
    this.assertAlive();
    // JSON.stringify passes a key (a string) to toJSON: that is not a request for the training state.
    const o = typeof options === 'string' ? {} : optionsObject('options', options, 'toJSON options');
    checkKeys('toJSON', o, ['trainingState']);
    if (o.trainingState !== undefined && typeof o.trainingState !== 'boolean') {
      throw new ValueError('trainingState', `trainingState must be true or false; got ${show(o.trainingState)}`);
    }
    const { engine: _engine, threads: _threads, arithmetic: _arithmetic, ...settings } = structuredClone(this.options);
    const content: Omit<NetworkJSON, 'checksum'> = {
      format: FORMAT,
      version: VERSION,
      ...settings,
      learningRate: this.rate,
      ...this.getWeights(),
    };
    if (o.trainingState) {
      const state = this.backend.getOptimizerState();
      const moments = state.moments;
      content.trainingState = {
        epoch: this.epoch,
        rng: Array.from(this.backend.getRngState()),
        step: state.step,
        beta1Power: state.beta1Power,
        beta2Power: state.beta2Power,
        moments: allocate(
          8 * moments.length,
          `an array of the optimiser state's ${moments.length} numbers`,
          () => Array.from(moments),
          'toJSON() without trainingState keeps the weights',
        ),
      };
    }
    return withChecksum(content);
  }

  /**
   * Releases the engine; any later call throws StateError. A fit in flight stops: fitAsync rejects
   * with StateError at once (its worker is terminated), a fit disposed from its own callback throws
   * StateError once the callback returns.
   */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.thread?.end();
    if (!this.running) this.backend.dispose();
    else this.running.cancel?.(new StateError('the network was disposed during fitAsync; training stopped'));
  }

  toString(): string {
    return `NeuralNetwork: ${this.options.layers.join('-')}`;
  }

  /** The seed's name for fitPartial. */
  fit_partial(X: Matrix | Row, y: Targets): number {
    return this.fitPartial(X, y);
  }

  /** The seed's name for calculateLoss. */
  calculate_loss(X: Matrix | Row, y: Targets): number {
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

  /** Refuses a call that changes the network while a fit is in flight (reading it is fine). */
  private assertIdle(call: string): void {
    this.assertAlive();
    if (this.running) {
      throw new StateError(
        `${call} would change this network while ${this.running.call} is training it; await that ${this.running.call} (or abort it) first`,
      );
    }
  }

  /**
   * Packs inputs and targets. A flat y is class indices for softmax outputs (one-hot encoded here),
   * one column for a one-output network, or one row when X is one sample. With `onePass`, the rows
   * must fit in one pass of the arena (fitPartial, computeGradients), checked before any is read.
   */
  private packPair(
    X: unknown,
    y: unknown,
    xVector: 'row' | 'none' = 'none',
    name = '',
    onePass = false,
  ): { x: Packed; t: Packed } {
    const rows = rowCount(X);
    if (onePass && rows !== undefined) this.backend.checkRoom(rows, 0);
    const x = pack(name ? `${name}[0]` : 'X', X, this.inputs, xVector);
    const yName = name ? `${name}[1]` : 'y';
    const classes = this.options.outputActivation === 'softmax' && x.form !== 'vector' && isClassList(y);
    const t = classes
      ? packClasses(yName, y as number[] | Int32Array, this.outputs)
      : pack(yName, y, this.outputs, x.form === 'vector' ? 'row' : this.outputs === 1 ? 'column' : 'none');
    checkSameRows(x, t);
    if (this.options.loss === 'crossEntropy' && !classes)
      checkProbabilities(yName, t, this.options.outputActivation === 'softmax');
    this.assertAlive(); // a getter in the data may have disposed the network while it was read
    return { x, t };
  }

  /** Splits a vector in the parameters' layout (the plan's) into per-layer nested arrays. */
  private nest(flat: Float32Array): Weights {
    const { parameters } = this.backend.plan;
    return {
      weights: parameters.map(
        ({ rows, cols, weight }) =>
          unpack(flat.subarray(weight, weight + rows * cols), rows, cols, 'rows') as number[][],
      ),
      biases: parameters.map(({ rows, bias }) => Array.from(flat.subarray(bias, bias + rows))),
    };
  }
}
